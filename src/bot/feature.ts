import type { ChatMemberUpdated, Message, PreCheckoutQuery, SuccessfulPayment } from 'telegraf/types';
import type { Role } from '../db/entities/index.js';
import type { Action, CallbackData } from './callback-data.js';
import type { ChatContext, ExpectKind, PersonContext } from './context.js';
import type { GatedContext, Level } from './gate.js';

/** The decoded data of a button of action A. */
export type DataOf<A extends Action> = Extract<CallbackData, { a: A }>;

/** A button: its gate, and the handler that runs behind it with the context the gate guarantees. */
export interface CallbackRoute<A extends Action = Action, L extends Level = Level> {
  level: L;
  /** Only these roles may press it; for anyone else it's an outdated button. */
  roles?: Role[];
  /** Pending typed input survives this button (only the steps of the input itself). */
  keepsInput?: boolean;
  run: (ctx: GatedContext<L>, data: DataOf<A>) => Promise<void>;
}

export interface CommandRoute<L extends Level = Level> {
  level: L;
  keepsInput?: boolean;
  run: (ctx: GatedContext<L>) => Promise<void>;
}

/** Typed text the bot asked for (ctx.session.expect), handed over once the prompt's gate passes. */
export interface InputRoute<L extends Level = Level> {
  level: L;
  roles?: Role[];
  run: (ctx: GatedContext<L>, text: string) => Promise<void>;
}

/** One route per level: the `level` a route is written with decides the context its handler gets. */
export type AnyCallbackRoute<A extends Action> = { [L in Level]: CallbackRoute<A, L> }[Level];
export type AnyCommandRoute = { [L in Level]: CommandRoute<L> }[Level];
export type AnyInputRoute = { [L in Level]: InputRoute<L> }[Level];
export type CallbackRoutes = { [A in Action]?: AnyCallbackRoute<A> };

/**
 * One screen of the bot (or one kind of update): its buttons, commands and typed inputs, each with
 * its gate, plus the slots for the updates that are not routed by name. createBot composes them;
 * each action, command, input and slot may be claimed by one feature only.
 */
export interface Feature {
  callbacks?: CallbackRoutes;
  commands?: Record<string, AnyCommandRoute>;
  inputs?: Partial<Record<ExpectKind, AnyInputRoute>>;
  /** Telegram Payments: the query before the charge (to be answered within 10 seconds). */
  preCheckout?: (ctx: PersonContext, query: PreCheckoutQuery) => Promise<void>;
  /** Telegram Payments: the charge went through (it may be delivered twice). */
  successfulPayment?: (ctx: ChatContext, payment: SuccessfulPayment) => Promise<void>;
  /** The bot's membership in the user's chat changed: blocked ('kicked') or unblocked. */
  myChatMember?: (ctx: ChatContext, update: ChatMemberUpdated) => Promise<void>;
  /** Any message that is not a command, before typed input: true when it was taken (support mode). */
  anyMessage?: (ctx: ChatContext, message: Message) => Promise<boolean>;
  /** The user edited one of their messages. */
  editedMessage?: (ctx: ChatContext, message: Message) => Promise<void>;
}

export type Slot = 'preCheckout' | 'successfulPayment' | 'myChatMember' | 'anyMessage' | 'editedMessage';
