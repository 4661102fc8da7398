import type { Access } from '../services/users.js';
import type { Role } from '../db/entities/index.js';
import { decode, type Action, type CallbackData } from './callback-data.js';
import type { BotContext, ExpectKind } from './context.js';
import { EXPECT_TTL_MS } from './context.js';
import * as screens from './screens.js';
import { deleteIncoming, reply, show } from './ui.js';

/**
 * Who may run a handler. Checked here, once, for every update that reads or changes data (the
 * original checked in six handlers):
 * - public:  anybody (help, cancel, the page counter);
 * - login:   anybody not banned (the login steps);
 * - paying:  registered and not banned, subscription or not (subscription screen, payment);
 * - member:  registered, logged in, not banned, subscribed, admin rights still valid.
 */
export type Level = 'public' | 'login' | 'paying' | 'member';

export interface CallbackRoute<A extends Action = Action> {
  level: Level;
  /** Only these roles may press it; for anyone else it's an outdated button. */
  roles?: Role[];
  /** Pending typed input survives this button (only the steps of the input itself). */
  keepsInput?: boolean;
  run: (ctx: BotContext, data: Extract<CallbackData, { a: A }>) => Promise<void>;
}
export type CallbackRoutes = { [A in Action]?: CallbackRoute<A> };

export interface CommandRoute {
  level: Level;
  keepsInput?: boolean;
  run: (ctx: BotContext) => Promise<void>;
}

export interface InputRoute {
  level: Level;
  roles?: Role[];
  run: (ctx: BotContext, text: string) => Promise<void>;
}

export interface Feature {
  callbacks?: CallbackRoutes;
  commands?: Record<string, CommandRoute>;
  inputs?: Partial<Record<ExpectKind, InputRoute>>;
}

/** The screen for someone whose access stops them, with the toast for a pressed button. */
function refusal(ctx: BotContext, access: Access): { screen: screens.Screen; toast: string } {
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

/** Lets the update through (setting ctx.user when registered) or shows why not. */
export async function gate(ctx: BotContext, level: Level, roles?: Role[]): Promise<boolean> {
  if (level === 'public') return true;
  const access = await ctx.deps.services.users.access(ctx.from!.id);
  if ('user' in access && !access.user.isReachable) {
    await ctx.deps.services.users.setReachable(ctx.from!.id, true);
  }
  const allowed =
    access.kind === 'ok' ||
    (level === 'login' && access.kind !== 'banned') ||
    (level === 'paying' && access.kind === 'inactive');
  if (allowed) {
    if (access.kind === 'ok' || access.kind === 'inactive') ctx.user = access.user;
    if (roles && (!ctx.user || !roles.includes(ctx.user.role))) {
      await outdated(ctx);
      return false;
    }
    return true;
  }
  ctx.session.expect = undefined;
  const { screen, toast } = refusal(ctx, access);
  await ctx.answer(toast);
  await show(ctx, screen);
  return false;
}

/** What /start shows: the menu, or whatever stands in the way of it. */
export async function home(ctx: BotContext, opts: { asNew?: boolean; prefix?: string } = {}): Promise<void> {
  const access = await ctx.deps.services.users.access(ctx.from!.id);
  ctx.deps.logger.debug({ user: ctx.from!.id, access: access.kind }, 'home screen');
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
export async function outdated(ctx: BotContext): Promise<void> {
  await ctx.answer(ctx.t.toastOutdated);
  ctx.session.expect = undefined;
  await home(ctx, { prefix: ctx.t.buttonOutdated });
}

export function buildRouter(features: Feature[]) {
  const callbacks: CallbackRoutes = {};
  const commands: Record<string, CommandRoute> = {};
  const inputs: Partial<Record<ExpectKind, InputRoute>> = {};
  for (const f of features) {
    Object.assign(callbacks, f.callbacks);
    Object.assign(commands, f.commands);
    Object.assign(inputs, f.inputs);
  }

  async function onCallback(ctx: BotContext): Promise<void> {
    const raw = ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
    const data = decode(raw);
    const route = data ? (callbacks[data.a] as CallbackRoute | undefined) : undefined;
    if (!data || !route) {
      ctx.deps.logger.info({ from: ctx.from?.id }, 'unknown or outdated button');
      await outdated(ctx);
      return;
    }
    if (!route.keepsInput) ctx.session.expect = undefined;
    if (!(await gate(ctx, route.level, route.roles))) return;
    await route.run(ctx, data as never);
  }

  async function onCommand(ctx: BotContext, name: string): Promise<boolean> {
    const route = commands[name];
    if (!route) return false;
    if (!route.keepsInput) ctx.session.expect = undefined;
    if (await gate(ctx, route.level)) await route.run(ctx);
    return true;
  }

  /** Typed text: handed to the input the bot is waiting for, if any and not expired. */
  async function onText(ctx: BotContext, text: string): Promise<'handled' | 'expired' | 'none'> {
    const expect = ctx.session.expect;
    if (!expect) return 'none';
    if (Date.now() - expect.at > EXPECT_TTL_MS) {
      ctx.session.expect = undefined;
      return 'expired';
    }
    const route = inputs[expect.kind];
    if (!route) {
      ctx.session.expect = undefined;
      return 'none';
    }
    // Every typed input is a credential or half of one (username, password, API key): it leaves
    // the chat before anything that could fail or refuse, so an error never leaves it on screen.
    await deleteIncoming(ctx);
    if (await gate(ctx, route.level, route.roles)) await route.run(ctx, text);
    return 'handled';
  }

  return { onCallback, onCommand, onText };
}
