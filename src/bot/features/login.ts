import type { Access, TelegramProfile } from '../../services/users.js';
import { shopKeyBudgetSpent } from '../alarms.js';
import type { BotContext, ChatContext } from '../context.js';
import type { Feature } from '../feature.js';
import { home, type GatedContext } from '../gate.js';
import * as screens from '../screens.js';
import { replace, reply, show } from '../ui.js';

export function profileOf(ctx: ChatContext): TelegramProfile {
  const from = ctx.from;
  return {
    telegramId: from.id,
    chatId: ctx.chat.id,
    firstName: from.first_name,
    lastName: from.last_name,
    username: from.username,
    languageCode: from.language_code,
  };
}

export const lockedText = (ctx: BotContext, seconds: number) =>
  ctx.t.loginLocked(Math.max(1, Math.ceil(seconds / 60)));

/**
 * The role buttons work only for someone not logged in; a logged-in user is told how to switch.
 * The gate sets ctx.user for an inactive user too (access puts "inactive" before "logged out"),
 * so the sign-out flag is checked here: a signed-out user may log in again, paid up or not.
 */
async function alreadyLoggedIn(ctx: GatedContext<'login'>): Promise<boolean> {
  if (!ctx.user || ctx.user.isLoggedOut) return false;
  await ctx.answer(ctx.t.alreadyLoggedIn);
  await home(ctx);
  return true;
}

/** After a successful login: the menu, unless a ban or an unpaid subscription stands in the way. */
async function loggedIn(
  ctx: ChatContext,
  messageId: number | undefined,
  text: string,
  known?: Access,
): Promise<void> {
  // The login just changed it: the one it answered, or read again.
  if (known) ctx.knowAccess(known);
  else ctx.forgetAccess();
  const access = await ctx.access();
  if (access.kind === 'ok') {
    await replace(ctx, messageId, screens.userMenu(ctx.t, ctx.fullName, access.user.role, text));
  } else {
    await replace(ctx, messageId, { text });
    await home(ctx, { asNew: true });
  }
}

/** The login screens: the role choice's two buttons, then username and password, or an API key. */
export const loginFeature: Feature = {
  callbacks: {
    role_admin: {
      level: 'login',
      keepsInput: true,
      run: async (ctx) => {
        if (await alreadyLoggedIn(ctx)) return;
        ctx.expectInput('admin_username');
        await Promise.all([
          ctx.answer(),
          show(ctx, screens.prompt(ctx.t, ctx.t.enterUsername, { a: 'roles' })),
        ]);
      },
    },
    role_seller: {
      level: 'login',
      run: async (ctx) => {
        if (await alreadyLoggedIn(ctx)) return;
        ctx.expectInput('seller_key');
        await Promise.all([
          ctx.answer(),
          show(ctx, screens.prompt(ctx.t, ctx.t.enterApiKey, { a: 'roles' })),
        ]);
      },
    },
  },
  inputs: {
    admin_username: {
      level: 'login',
      run: async (ctx, text) => {
        ctx.expectInput('admin_password', text.trim().slice(0, 150));
        await reply(ctx, screens.prompt(ctx.t, ctx.t.enterPassword, { a: 'cancel' }, ctx.t.btnCancel));
      },
    },
    admin_password: {
      level: 'login',
      run: async (ctx, password) => {
        const username = ctx.session.expect?.username ?? '';
        const waitId = await reply(ctx, { text: ctx.t.passwordReceived });
        const result = await ctx.deps.services.auth.adminLogin(profileOf(ctx), username, password);
        if (result.ok) {
          ctx.session.expect = undefined;
          ctx.deps.logger.info({ user: ctx.from.id }, 'admin logged in');
          await loggedIn(ctx, waitId, ctx.t.loggedInAdmin);
        } else if (result.reason === 'locked') {
          ctx.session.expect = undefined;
          await replace(ctx, waitId, { text: lockedText(ctx, result.retryAfterSeconds) });
        } else {
          ctx.deps.logger.info({ user: ctx.from.id }, 'admin login failed');
          ctx.expectInput('admin_password', username);
          await replace(ctx, waitId, screens.wrongCredentials(ctx.t));
        }
      },
    },
    seller_key: {
      level: 'login',
      run: async (ctx, apiKey) => {
        const waitId = await reply(ctx, { text: ctx.t.apiKeyReceived });
        const result = await ctx.deps.services.auth.sellerLogin(profileOf(ctx), apiKey.trim());
        if (!result.ok && result.budget) await shopKeyBudgetSpent(ctx, result.budget);
        if (result.ok) {
          ctx.session.expect = undefined;
          ctx.deps.logger.info({ user: ctx.from.id, shop: result.shop.id }, 'seller logged in');
          await loggedIn(ctx, waitId, ctx.t.loggedInSeller, result.access);
        } else if (result.reason === 'locked') {
          ctx.session.expect = undefined;
          await replace(ctx, waitId, { text: lockedText(ctx, result.retryAfterSeconds) });
        } else {
          ctx.deps.logger.info({ user: ctx.from.id }, 'seller login failed');
          ctx.expectInput('seller_key');
          await replace(
            ctx,
            waitId,
            screens.prompt(ctx.t, ctx.t.wrongApiKey, { a: 'cancel' }, ctx.t.btnCancel),
          );
        }
      },
    },
  },
};
