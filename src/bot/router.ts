import type { Role } from '../db/entities/index.js';
import { decode, type Action, type CallbackData } from './callback-data.js';
import {
  EXPECT_TTL_MS,
  fromPerson,
  inChat,
  type BotContext,
  type ChatContext,
  type ExpectKind,
} from './context.js';
import type {
  AnyCallbackRoute,
  AnyCommandRoute,
  AnyInputRoute,
  CallbackRoutes,
  Feature,
  Slot,
} from './feature.js';
import { gate, home, outdated, type GatedContext, type Level } from './gate.js';
import { deleteIncoming, reply } from './ui.js';

/** One word that looks like a key or password: deleted even when no input was expected. */
const looksSecret = (text: string) =>
  /^mk_\S{8,}$/.test(text) || (/^\S{12,}$/.test(text) && /\d/.test(text) && /[A-Za-z]/.test(text));

/** A route that doesn't keep the user's input leaves pending input and support mode. */
function leaveModes(ctx: ChatContext): void {
  ctx.session.expect = undefined;
  ctx.session.support = undefined;
}

/** Runs a route's handler once its gate lets the update through, as the context the gate returned. */
async function gated<Args extends unknown[]>(
  ctx: ChatContext,
  route: { level: Level; roles?: Role[]; run: (ctx: never, ...args: Args) => Promise<void> },
  ...args: Args
): Promise<void> {
  const passed = await gate(ctx, route.level, route.roles);
  // The gate returns the context of route.level, which is the one the route's handler was written for.
  if (passed) await (route.run as (ctx: GatedContext, ...args: Args) => Promise<void>)(passed, ...args);
}

/** Merges the features' tables; an action, command, input or slot claimed twice is a mistake. */
function merge(features: Feature[]) {
  const callbacks: CallbackRoutes = {};
  const commands: Record<string, AnyCommandRoute> = {};
  const inputs: Partial<Record<ExpectKind, AnyInputRoute>> = {};
  const slots: Pick<Feature, Slot> = {};
  const claim = <T extends object>(table: T, more: Partial<T> | undefined, what: string) => {
    for (const [name, value] of Object.entries(more ?? {})) {
      if (value === undefined) continue;
      if (name in table) throw new Error(`${what} "${name}" is claimed by two features`);
      (table as Record<string, unknown>)[name] = value;
    }
  };
  for (const f of features) {
    claim(callbacks, f.callbacks, 'button');
    claim(commands, f.commands, 'command');
    claim(inputs, f.inputs, 'input');
    claim(
      slots,
      {
        preCheckout: f.preCheckout,
        successfulPayment: f.successfulPayment,
        myChatMember: f.myChatMember,
        anyMessage: f.anyMessage,
        editedMessage: f.editedMessage,
      },
      'slot',
    );
  }
  return { callbacks, commands, inputs, slots };
}

/**
 * Routes every update to the feature that claims it: buttons by their action, commands by name,
 * typed text to the input the bot is waiting for, payments and membership changes to their slots.
 * Every button, command and input passes its gate first (gate.ts).
 */
export function buildRouter(features: Feature[]) {
  const { callbacks, commands, inputs, slots } = merge(features);

  async function onCallback(ctx: BotContext): Promise<void> {
    const raw = ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
    const data = decode(raw);
    if (!inChat(ctx)) {
      // A button on a message in no chat (inline mode, which this bot doesn't use): nothing to show.
      ctx.deps.logger.info({ from: ctx.from?.id }, 'button without a chat');
      await ctx.answer(ctx.t.toastOutdated);
      return;
    }
    const route = data ? (callbacks[data.a] as AnyCallbackRoute<Action> | undefined) : undefined;
    if (!data || !route) {
      ctx.deps.logger.info({ from: ctx.from.id }, 'unknown or outdated button');
      await outdated(ctx);
      return;
    }
    if (!route.keepsInput) leaveModes(ctx);
    await gated<[CallbackData]>(ctx, route, data);
  }

  async function onCommand(ctx: ChatContext, name: string): Promise<boolean> {
    const route = commands[name];
    if (!route) return false;
    if (!route.keepsInput) leaveModes(ctx);
    await gated<[]>(ctx, route);
    return true;
  }

  /** Typed text: handed to the input the bot is waiting for, if any and not expired. */
  async function onText(ctx: ChatContext, text: string): Promise<'handled' | 'expired' | 'none'> {
    const expect = ctx.session.expect;
    if (!expect) return 'none';
    if (ctx.deps.now() - expect.at > EXPECT_TTL_MS) {
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
    await gated<[string]>(ctx, route, text);
    return 'handled';
  }

  /** A message: a payment, a command, typed input, or text nobody asked for. */
  async function onMessage(ctx: BotContext): Promise<void> {
    const message = ctx.message;
    if (!message || !inChat(ctx)) return;
    if ('successful_payment' in message) return slots.successfulPayment?.(ctx, message.successful_payment);
    const text = 'text' in message ? message.text : undefined;
    if (text?.startsWith('/')) {
      const name = text.slice(1).split(/\s/, 1)[0].split('@', 1)[0].toLowerCase();
      if (!(await onCommand(ctx, name))) await reply(ctx, { text: ctx.t.unknownCommand });
      return;
    }
    if (slots.anyMessage && (await slots.anyMessage(ctx, message))) return;
    if (text === undefined) return; // stickers, photos… outside support: nothing to do
    const outcome = await onText(ctx, text);
    if (outcome === 'handled') return;
    if (outcome === 'expired') {
      await deleteIncoming(ctx);
      await reply(ctx, { text: ctx.t.inputExpired });
      await home(ctx, { asNew: true });
      return;
    }
    if (looksSecret(text.trim())) {
      await deleteIncoming(ctx);
      await reply(ctx, { text: ctx.t.unexpectedTextDeleted });
    } else {
      await reply(ctx, { text: ctx.t.unexpectedText });
    }
  }

  async function onPreCheckout(ctx: BotContext): Promise<void> {
    const query = ctx.preCheckoutQuery;
    if (query && fromPerson(ctx)) await slots.preCheckout?.(ctx, query);
  }

  async function onEditedMessage(ctx: BotContext): Promise<void> {
    const message = ctx.editedMessage;
    if (message && inChat(ctx)) await slots.editedMessage?.(ctx, message);
  }

  async function onMyChatMember(ctx: BotContext): Promise<void> {
    const update = ctx.myChatMember;
    if (update && inChat(ctx)) await slots.myChatMember?.(ctx, update);
  }

  return { onCallback, onMessage, onPreCheckout, onMyChatMember, onEditedMessage };
}

export type Router = ReturnType<typeof buildRouter>;
