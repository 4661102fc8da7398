import type { Role, TelegramUser } from '../db/entities/index.js';
import type { Access } from '../services/users.js';
import type { ChatContext } from './context.js';
import * as screens from './screens.js';
import { reply, show } from './ui.js';

/**
 * Who may run a handler. Checked here, once, for every update that reads or changes data (the
 * original checked in six handlers):
 * - public:  anybody (help, cancel, the page counter);
 * - login:   anybody not banned (the login steps);
 * - paying:  registered and not banned, subscription or not (subscription screen, payment);
 * - member:  registered, logged in, not banned, subscribed, admin rights still valid.
 */
export type Level = 'public' | 'login' | 'paying' | 'member';

/** What each level guarantees the handlers behind it, beyond a person in a chat. */
interface Guarantees {
  public: object;
  /** ctx.user is set when the person is registered (signed out or unpaid included). */
  login: object;
  paying: { user: TelegramUser };
  member: { user: TelegramUser };
}

/** The context a handler behind a gate of level L receives. */
export type GatedContext<L extends Level = Level> = ChatContext & Guarantees[L];

/** The screen for someone whose access stops them, with the toast for a pressed button. */
function refusal(ctx: ChatContext, access: Access): { screen: screens.Screen; toast: string } {
  const t = ctx.t;
  switch (access.kind) {
    case 'banned':
      return { screen: screens.banned(t), toast: t.toastBanned };
    case 'inactive':
      return { screen: screens.notActive(t), toast: t.toastNotActive };
    case 'admin_revoked':
      return { screen: screens.roleChoice(t, t.adminRevoked), toast: t.toastLogin };
    default:
      return { screen: screens.roleChoice(t), toast: t.toastLogin };
  }
}

/**
 * Lets the update through, as the context its level guarantees (ctx.user set when registered), or
 * shows why not and returns undefined.
 */
export async function gate<L extends Level>(
  ctx: ChatContext,
  level: L,
  roles?: Role[],
): Promise<GatedContext<L> | undefined> {
  // 'public' guarantees nothing beyond the chat; the other levels are checked against the database.
  if (level === 'public') return ctx as GatedContext<L>;
  const access = await ctx.access();
  if ('user' in access && !access.user.isReachable) {
    // They wrote to us, so they no longer block the bot: written once, not on every update.
    await ctx.deps.services.users.setReachable(ctx.from.id, true);
    access.user.isReachable = true;
  }
  const allowed =
    access.kind === 'ok' ||
    (level === 'login' && access.kind !== 'banned') ||
    (level === 'paying' && access.kind === 'inactive');
  if (allowed) {
    if (access.kind === 'ok' || access.kind === 'inactive') ctx.user = access.user;
    if (roles && (!ctx.user || !roles.includes(ctx.user.role))) {
      await outdated(ctx);
      return undefined;
    }
    // 'paying' and 'member' pass only with access 'ok' or 'inactive', which set ctx.user above.
    return ctx as GatedContext<L>;
  }
  ctx.session.expect = undefined;
  const { screen, toast } = refusal(ctx, access);
  await ctx.answer(toast);
  await show(ctx, screen);
  return undefined;
}

/** What /start shows: the menu, or whatever stands in the way of it. */
export async function home(ctx: ChatContext, opts: { asNew?: boolean; prefix?: string } = {}): Promise<void> {
  const access = await ctx.access();
  ctx.deps.logger.debug({ user: ctx.from.id, access: access.kind }, 'home screen');
  const screen =
    access.kind === 'ok'
      ? screens.userMenu(ctx.t, ctx.fullName, access.user.role, opts.prefix)
      : refusal(ctx, access).screen;
  if (opts.asNew) await reply(ctx, screen);
  else await show(ctx, screen);
}

/**
 * An unknown, forged or no-longer-valid button: a short answer and a fresh menu in its place, which
 * says why the screen changed (the toast alone is easy to miss).
 */
export async function outdated(ctx: ChatContext): Promise<void> {
  await ctx.answer(ctx.t.toastOutdated);
  ctx.session.expect = undefined;
  await home(ctx, { prefix: ctx.t.buttonOutdated });
}
