/**
 * An in-process HTTP emulator of the Telegram Bot API for end-to-end tests, the benchmark and the
 * sandbox (`npm run demo`, whose web chat draws a chat from transcript.ts).
 *
 * The bot (Telegraf) talks to it over real HTTP (`apiRoot`), exactly as to api.telegram.org; the
 * test drives simulated users in process (`emulator.user(...)`), which queue updates the bot
 * fetches by long polling or receives by webhook. Answers use the real Bot API shapes, status codes
 * and error descriptions, and the limits that shape the design are enforced (64-byte callback
 * data, 4096 characters, HTML parse errors, one answer per callback query, rate limits, 48 h
 * deletion window, one poller at a time).
 *
 * All state is in memory (state.ts); waits resolve on events, never by scanning every call. The
 * pieces: server.ts (HTTP), delivery/ (the update queue, long polling, webhooks), methods/ (the
 * Bot API method groups), chats.ts (messages both ways), actors.ts (users and groups), and this
 * file, the face tests see.
 */
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { GroupChat, TestUser } from './actors.js';
import { ForumChat, type BotMembership } from './forum.js';
import { fileBytes } from './media.js';
import { waitForPolling } from './delivery/polling.js';
import { pumpWebhook } from './delivery/webhook.js';
import { dispatch } from './methods/index.js';
import { scopeKey } from './methods/commands.js';
import { view } from './chats.js';
import type { EmulatorOptions, FailNextOptions, TestUserInfo, WebhookState } from './options.js';
import { clone } from './params.js';
import { listen } from './server.js';
import { settle } from './settle.js';
import { transcript, type TranscriptMessage } from './transcript.js';
import { EmulatorState, type EmulatorEvents } from './state.js';
import type {
  ApiErrorSpec,
  BotCommand,
  BotCommandScope,
  BotMessageView,
  CallRecord,
  TgUser,
} from './types.js';

export * from './types.js';
export * from './options.js';
export { ApiError, DESCRIPTIONS } from './errors.js';
export { GroupChat, TestUser, type LabelPicker, type MediaItem } from './actors.js';
export {
  ForumChat,
  ForumOperator,
  FULL_TOPIC_RIGHTS,
  type BotMembership,
  type ForumMessageView,
  type TopicView,
} from './forum.js';
export { MAX_DOWNLOAD_BYTES, type FileOptions } from './media.js';
export { TOPIC_ICON_COLORS } from './methods/forum.js';
export type { TranscriptMessage } from './transcript.js';

export class TelegramEmulator<T = unknown> extends EventEmitter<EmulatorEvents> {
  private readonly s: EmulatorState;
  private readonly users = new Map<number, TestUser<T>>();
  private readonly texts?: (languageCode: string | undefined) => T;
  private server?: Server;
  private port = 0;

  /**
   * `texts` gives the bot's text catalogue for a Telegram language code, so users can press
   * buttons by catalogue key (`user.pressKey((t) => t.buttonShops)`).
   */
  constructor(options: EmulatorOptions & { texts?: (languageCode: string | undefined) => T } = {}) {
    super();
    const s = new EmulatorState(options, this);
    this.s = s;
    this.texts = options.texts;
    const perform = (method: string, params: Record<string, unknown>) =>
      dispatch(s, method, params, undefined, true);
    s.onWake = () => {
      s.poller?.wake();
      pumpWebhook(s, perform);
    };
  }

  get token(): string {
    return this.s.token;
  }

  get botUser(): TgUser {
    return this.s.botUser;
  }

  /** Every API call in arrival order (completed calls only). */
  get calls(): CallRecord[] {
    return this.s.calls;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.server) return;
    ({ server: this.server, port: this.port } = await listen(this.s));
  }

  get apiRoot(): string {
    if (!this.server) throw new Error('TelegramEmulator: call start() first');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Ends pending long polls with an empty result, stops webhook delivery and closes the server. */
  async stop(): Promise<void> {
    const s = this.s;
    if (s.stopped) return;
    s.stopped = true;
    s.poller?.finish();
    for (const ac of s.webhook.aborts) ac.abort();
    for (const t of s.webhook.timers) clearTimeout(t);
    s.webhook.timers.clear();
    for (const chat of s.chats.values()) {
      for (const w of chat.waiters) w.reject(new Error('waitForMessage: the emulator was stopped'));
      chat.waiters.clear();
    }
    for (const q of s.preCheckouts.values()) q.resolve?.(undefined);
    const stopped = (what: string): Error => new Error(`${what}: the emulator was stopped`);
    for (const q of s.queries.values()) for (const w of q.waiters) w.reject(stopped(`answerOf(${q.id})`));
    for (const done of s.pollWaiters) done(stopped('waitForPolling'));
    s.pollWaiters.clear();
    for (const check of [...s.idleWaiters]) check();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Let the answers to the ended polls go out before cutting keep-alive connections.
      setImmediate(() => server.closeAllConnections());
    });
  }

  // ------------------------------------------------------------------ clock

  /** The emulator clock in ms: real time plus whatever advanceTime() added. */
  now(): number {
    return this.s.now();
  }

  /** Moves the clock forward (message age for deleteMessage, query TTLs, rate-limit windows). */
  advanceTime(ms: number): void {
    this.s.advanceTime(ms);
  }

  // ------------------------------------------------------------------ assertions API

  callsOf(method: string): CallRecord[] {
    return this.s.callsByMethod.get(method.toLowerCase()) ?? [];
  }

  /** Updates queued but not yet confirmed (polling) or delivered (webhook). */
  pendingUpdates(): number {
    return this.s.queue.pending;
  }

  /** The highest offset getUpdates confirmed so far (every update_id below it is confirmed). */
  get confirmedOffset(): number {
    return this.s.queue.confirmed;
  }

  commands(scope: BotCommandScope = { type: 'default' }, languageCode = ''): BotCommand[] {
    return clone(this.s.commandSets.get(scopeKey(scope, languageCode)) ?? []);
  }

  get description(): string {
    return this.s.descriptions.get('') ?? '';
  }

  get shortDescription(): string {
    return this.s.shortDescriptions.get('') ?? '';
  }

  descriptionFor(languageCode: string): string {
    return this.s.descriptions.get(languageCode) ?? '';
  }

  shortDescriptionFor(languageCode: string): string {
    return this.s.shortDescriptions.get(languageCode) ?? '';
  }

  get webhook(): WebhookState | undefined {
    const config = this.s.webhook.config;
    return config ? clone(config) : undefined;
  }

  /** Bot messages of any chat (e.g. a group), in order, current state. */
  botMessages(chatId: number): BotMessageView[] {
    const chat = this.s.chats.get(chatId);
    return chat ? chat.botMessages.map(view) : [];
  }

  /** Every message of a chat, the user's and the bot's, in order and current state (a client's view). */
  transcript(chatId: number): TranscriptMessage[] {
    return transcript(this.s.chats.get(chatId));
  }

  /** Fails the next `times` (default 1) calls of `method` (optionally only those for one chat). */
  failNext(method: string, error: ApiErrorSpec, opts: FailNextOptions = {}): void {
    this.s.addInjection(method, error, opts.times ?? 1, opts.chatId);
  }

  // ------------------------------------------------------------------ test drivers

  user(info: TestUserInfo): TestUser<T> {
    const existing = this.users.get(info.id);
    const optional = {
      ...(info.last_name !== undefined ? { last_name: info.last_name } : {}),
      ...(info.username !== undefined ? { username: info.username } : {}),
    };
    const tgUser: TgUser = {
      id: info.id,
      is_bot: false,
      first_name: info.first_name,
      ...optional,
      ...(info.language_code !== undefined ? { language_code: info.language_code } : {}),
    };
    if (existing) {
      existing.info = tgUser;
      return existing;
    }
    const chat = this.s.chat({ id: info.id, type: 'private', first_name: info.first_name, ...optional });
    const user = new TestUser<T>(this.s, chat, tgUser, this.texts);
    this.users.set(info.id, user);
    return user;
  }

  groupChat(
    info: { id: number; title: string; type?: 'group' | 'supergroup' },
    fromUser: TestUser<T>,
  ): GroupChat {
    if (info.id >= 0) throw new Error('groupChat: a group id is negative');
    const chat = this.s.chat({ id: info.id, type: info.type ?? 'group', title: info.title });
    return new GroupChat(this.s, chat, fromUser);
  }

  /**
   * A supergroup the bot is in, with Topics on (unless `isForum: false`); the bot is an
   * administrator with every topic right unless `bot` says otherwise.
   */
  forum(info: { id: number; title: string; isForum?: boolean; bot?: BotMembership }): ForumChat {
    if (info.id >= 0) throw new Error('forum: a supergroup id is negative');
    const chat = this.s.chat({
      id: info.id,
      type: 'supergroup',
      title: info.title,
      ...(info.isForum === false ? {} : { is_forum: true }),
    });
    chat.known = true;
    const forum = new ForumChat(this.s, chat);
    forum.setBot(info.bot ?? { status: 'administrator' });
    return forum;
  }

  /** The bytes Telegram holds for a file (what a download of it serves). */
  fileContent(fileId: string): Buffer | undefined {
    const record = this.s.files.get(fileId);
    return record ? fileBytes(record) : undefined;
  }

  /**
   * Resolves once the bot has called getUpdates (at once if it already has). Telegraf's launch()
   * calls deleteWebhook({ drop_pending_updates }) before its first poll, so updates queued before
   * that may be dropped: wait for this before the first user action in a polling test.
   */
  waitForPolling(timeoutMs = 5000): Promise<void> {
    return waitForPolling(this.s, timeoutMs);
  }

  /**
   * Resolves when no Bot API call (other than the long poll itself) has arrived or been in progress
   * for `quietMs`, and every queued update was confirmed (polling) or delivered (webhook). Rejects
   * after `timeoutMs` with what is still pending.
   */
  settle(quietMs = 150, timeoutMs = 10000): Promise<void> {
    return settle(this.s, quietMs, timeoutMs);
  }
}
