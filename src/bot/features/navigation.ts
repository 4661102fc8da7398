import type { Feature } from '../feature.js';
import { home, type GatedContext } from '../gate.js';
import * as screens from '../screens.js';
import { reply, show } from '../ui.js';

async function help(ctx: GatedContext<'public'>): Promise<void> {
  await ctx.answer(ctx.t.toastHelp);
  const access = await ctx.access();
  // Unlike the original, help keeps a way back: a menu button, or the role choice before login.
  await show(ctx, screens.help(ctx.t, ctx.deps.config.bot.helpAdminUsername, access.kind === 'ok'));
}

async function cancel(ctx: GatedContext<'public'>): Promise<void> {
  const pending = ctx.session.expect !== undefined;
  ctx.session.expect = undefined;
  await ctx.answer(ctx.t.toastCancel);
  const text = pending ? ctx.t.cancelled : ctx.t.nothingToCancel;
  if (ctx.callbackQuery) await show(ctx, { text });
  else await reply(ctx, { text });
  await home(ctx, { asNew: true });
}

/**
 * Getting around: /start, /menu, /help, /cancel, the hidden /sign_out, and the buttons that lead to
 * the same places (main menu, help, cancel, back to the role choice, the page counter).
 */
export const navigationFeature: Feature = {
  commands: {
    start: {
      level: 'public',
      run: (ctx) => {
        ctx.deps.logger.info({ user: ctx.from.id }, 'start');
        return home(ctx, { asNew: true });
      },
    },
    menu: {
      level: 'member',
      run: (ctx) => reply(ctx, screens.userMenu(ctx.t, ctx.fullName, ctx.user.role)).then(() => undefined),
    },
    help: { level: 'public', keepsInput: true, run: help },
    cancel: { level: 'public', keepsInput: true, run: cancel },
    sign_out: {
      level: 'public',
      run: async (ctx) => {
        await ctx.deps.services.users.signOut(ctx.from.id);
        ctx.forgetAccess();
        ctx.deps.logger.info({ user: ctx.from.id }, 'signed out');
        await home(ctx, { asNew: true });
      },
    },
  },
  callbacks: {
    menu: {
      level: 'member',
      run: async (ctx) => {
        await Promise.all([
          ctx.answer(ctx.t.toastMenu),
          show(ctx, screens.userMenu(ctx.t, ctx.fullName, ctx.user.role)),
        ]);
      },
    },
    help: { level: 'public', keepsInput: true, run: help },
    cancel: { level: 'public', keepsInput: true, run: cancel },
    noop: { level: 'public', keepsInput: true, run: (ctx) => ctx.answer(ctx.t.toastPage) },
    roles: {
      level: 'login',
      run: async (ctx) => {
        await ctx.answer();
        if (ctx.user) await home(ctx);
        else await show(ctx, screens.roleChoice(ctx.t));
      },
    },
  },
};
