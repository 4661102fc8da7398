import { Context } from 'telegraf';
import type { Chat, User } from 'telegraf/types';
import type { Config } from '../config.js';
import type { TelegramUser } from '../db/entities/index.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import type { Access } from '../services/users.js';
import type { SupportDesk } from '../support/desk.js';
import { cut, type Language, type Texts } from './texts/index.js';

/** Telegram's limit on a callback answer's text. */
const ANSWER_MAX = 200;

/** Typed input the bot is waiting for, and since when (it expires). */
export type ExpectKind = 'admin_username' | 'admin_password' | 'seller_key' | 'add_key';

export interface SessionData {
  expect?: { kind: ExpectKind; at: number; username?: string };
  /** Support mode: everything the user sends goes to support until they leave it. */
  support?: boolean;
}

/** Where sessions are kept between updates (db/session-store.ts in the app). */
export interface SessionStorage<T> {
  get(key: string): Promise<T | undefined>;
  /**
   * The session and the user's access in one read, when the store can (the database's can): the
   * update then starts with one round trip instead of two.
   */
  getWithAccess?(key: string, telegramId: number): Promise<{ data: T | undefined; access: Access }>;
  /** `json`: the data as JSON when the caller has it already (it compared it), so it isn't serialized twice. */
  set(key: string, data: T, json?: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface BotDeps {
  config: Config;
  services: Services;
  logger: Logger;
  /** The bot's sessions; built by the caller over the database (a SessionStore kept SESSION_TTL_MS). */
  sessions: SessionStorage<SessionData>;
  /** The clock the bot reads, in epoch milliseconds (`Date.now` in the app; tests move it). */
  now: () => number;
  /** The support desk (absent: "Support" answers that support is unavailable). */
  support?: SupportDesk;
}

/** Sessions live a day; the typed input inside them lapses after EXPECT_TTL_MS. */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

/** How long typed input is waited for before the prompt lapses. */
export const EXPECT_TTL_MS = 10 * 60 * 1000;

export class BotContext extends Context {
  deps!: BotDeps;
  t!: Texts;
  lang!: Language;
  session: SessionData = {};
  /** The registered user, once a gate has let the update through. */
  user?: TelegramUser;
  answered = false;
  /** The user's access as read for this update (with the session, or on first use). */
  private accessRead?: Promise<Access>;

  /**
   * What the user may do, read once per update: the session's read brings it along, and the gate,
   * the home screen and the handlers after them share it instead of asking the database again.
   */
  access(): Promise<Access> {
    this.accessRead ??= this.deps.services.users.access(this.from!.id);
    return this.accessRead;
  }

  /** The access as read together with the session, or as a login answered it. */
  knowAccess(access: Access): void {
    this.accessRead = Promise.resolve(access);
  }

  /** After a write that changes access (a login, a sign-out): the next `access()` reads it again. */
  forgetAccess(): void {
    this.accessRead = undefined;
  }

  /** Answers the callback query once; later calls do nothing (Telegram accepts one answer). */
  async answer(text?: string, showAlert = false): Promise<void> {
    if (!this.callbackQuery || this.answered) return;
    this.answered = true;
    try {
      await this.answerCbQuery(text === undefined ? undefined : cut(text, ANSWER_MAX), {
        show_alert: showAlert,
      });
    } catch (err) {
      // A query older than ~15 s can't be answered any more; nothing is lost by ignoring it.
      this.deps.logger.debug({ err }, 'callback answer failed');
    }
  }

  /** Waits for typed input of this kind from now on (it lapses after EXPECT_TTL_MS). */
  expectInput(kind: ExpectKind, username?: string): void {
    this.session.expect =
      username === undefined ? { kind, at: this.deps.now() } : { kind, at: this.deps.now(), username };
  }

  get fullName(): string {
    return [this.from?.first_name, this.from?.last_name].filter(Boolean).join(' ');
  }
}

/** An update from a person, in a chat or not (a pre-checkout query comes without one). */
export type PersonContext = BotContext & { from: User };

export function fromPerson(ctx: BotContext): ctx is PersonContext {
  return ctx.from !== undefined;
}

/**
 * An update from a person in a private chat: every command, button and typed text the bot serves
 * (the context middleware drops the rest, and the router checks the chat before any route).
 */
export type ChatContext = BotContext & { from: User; chat: Chat };

/** True when the update came from a person in a chat; narrows the context for the handlers. */
export function inChat(ctx: BotContext): ctx is ChatContext {
  return ctx.from !== undefined && ctx.chat !== undefined;
}
