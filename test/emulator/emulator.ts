/**
 * An in-process HTTP emulator of the Telegram Bot API for end-to-end tests and the benchmark.
 *
 * The bot (Telegraf) talks to it over real HTTP (`apiRoot`), exactly as to api.telegram.org; the
 * test drives simulated users in process (`emulator.user(...)`), which queue updates the bot
 * fetches by long polling or receives by webhook. Answers use the real Bot API shapes, status codes
 * and error descriptions, and the limits that shape the design are enforced (64-byte callback
 * data, 4096 characters, HTML parse errors, one answer per callback query, rate limits, 48 h
 * deletion window, one poller at a time).
 *
 * All state is in memory; waits resolve on events, never by scanning every call.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HtmlParseError, parseHtml, utf8Length, type MessageEntity } from './html.js';
import type {
  ApiErrorSpec,
  BotCommand,
  BotCommandScope,
  BotMessageView,
  CallRecord,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  ReplyMarkup,
  TgCallbackQuery,
  TgChat,
  TgInvoice,
  TgMessage,
  TgPreCheckoutQuery,
  TgUpdate,
  TgUser,
  UserMessageView,
} from './types.js';

export * from './types.js';

type Params = Record<string, unknown>;
type UpdateBody = Omit<TgUpdate, 'update_id'>;

// ---------------------------------------------------------------------------------------------
// Errors and descriptions, worded like the real Bot API
// ---------------------------------------------------------------------------------------------

export const DESCRIPTIONS = {
  notModified:
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  queryTooOld: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
  buttonDataInvalid: 'Bad Request: BUTTON_DATA_INVALID',
  textEmpty: 'Bad Request: message text is empty',
  textTooLong: 'Bad Request: message is too long',
  editNotFound: 'Bad Request: message to edit not found',
  deleteNotFound: 'Bad Request: message to delete not found',
  cantDelete: "Bad Request: message can't be deleted for everyone",
  chatNotFound: 'Bad Request: chat not found',
  blocked: 'Forbidden: bot was blocked by the user',
  conflictPolling:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  conflictWebhook:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  unauthorized: 'Unauthorized',
  notFound: 'Not Found',
} as const;

export class ApiError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly retry_after?: number,
  ) {
    super(description);
    this.name = 'ApiError';
  }
}

const bad = (description: string): ApiError => new ApiError(400, `Bad Request: ${description}`);

/** A result that Telegram sends with a `description` next to it ("Webhook was set"). */
class Described {
  constructor(
    readonly value: unknown,
    readonly description: string,
  ) {}
}

// ---------------------------------------------------------------------------------------------
// Options and public result types
// ---------------------------------------------------------------------------------------------

export interface RateLimitRule {
  count: number;
  windowMs: number;
}

export interface EmulatorOptions {
  /** The only token accepted (others get 401). Default '123456:TEST-TOKEN'. */
  token?: string;
  botUser?: TgUser;
  /** After this a callback query can't be answered any more. Default 15000 (emulator clock). */
  callbackQueryTtlMs?: number;
  /** Defaults: 20 per 1000 ms per chat, 30 per 1000 ms overall; `false` disables (e.g. a benchmark). */
  rateLimit?: false | { perChat?: RateLimitRule | false; global?: RateLimitRule | false };
  /** Artificial delay before every API call is processed. Default 0. */
  latencyMs?: number;
  /** How long a pre_checkout_query may stay unanswered. Default 10000 (emulator clock). */
  preCheckoutTtlMs?: number;
  /** First webhook retry delay; doubles per attempt up to 2 s. Default 50. */
  webhookRetryDelayMs?: number;
  /** Refuse a stray `>` or `&` in HTML like a stray `<` (default true, see html.ts). */
  strictHtml?: boolean;
}

export interface TestUserInfo {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface CallbackAnswer {
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export interface PressResult {
  queryId: string;
  data: string;
  messageId: number;
}

export type ButtonMatcher = string | RegExp | ((button: InlineKeyboardButton) => boolean);
export type MessageMatcher = string | RegExp | ((message: BotMessageView) => boolean);

export interface PayOptions {
  /** Override what the pre_checkout_query carries, to test the bot's checks. */
  currency?: string;
  totalAmount?: number;
  payload?: string;
  /** Reuse a telegram_payment_charge_id to test replay handling. */
  chargeId?: string;
  providerChargeId?: string;
  /** Real ms to wait for answerPreCheckoutQuery. Default: preCheckoutTtlMs. */
  timeoutMs?: number;
}

export interface PayResult {
  ok: boolean;
  errorMessage?: string;
  /** The bot never answered the pre_checkout_query in time. */
  timedOut?: boolean;
  chargeId?: string;
  providerChargeId?: string;
  preCheckoutQueryId: string;
}

export interface FailNextOptions {
  times?: number;
  chatId?: number;
}

export interface WebhookState {
  url: string;
  secretToken?: string;
  maxConnections: number;
  /** The port of the URL; Telegram itself only accepts 443, 80, 88 and 8443. */
  port: number;
  portAllowedByTelegram: boolean;
  https: boolean;
  allowedUpdates?: string[];
  deliveries: number;
  failures: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

/** @internal */
export interface StoredMessage {
  chat: ChatState;
  message: TgMessage;
  fromBot: boolean;
  kind: 'text' | 'invoice' | 'sticker' | 'photo' | 'successful_payment';
  /** Emulator clock, ms. */
  createdAt: number;
  html?: string;
  parseMode?: string;
  deleted: boolean;
  edits: number;
  invoicePayload?: string;
}

interface MessageWaiter {
  matches: (view: BotMessageView) => boolean;
  resolve: (view: BotMessageView) => void;
  reject: (error: Error) => void;
}

/** @internal */
export interface ChatState {
  chat: TgChat;
  /** The bot may write here once someone wrote to it or pressed a button. */
  known: boolean;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  botMessages: StoredMessage[];
  userMessages: StoredMessage[];
  blocked: boolean;
  /** Bot messages sent or changed since the chat user's last action, in order of first change. */
  recent: Set<StoredMessage>;
  waiters: Set<MessageWaiter>;
  rate?: SlidingWindow;
}

interface QueueEntry {
  update: TgUpdate;
  done: boolean;
  inFlight: boolean;
  attempts: number;
}

interface CallbackQueryState {
  id: string;
  chatId: number;
  createdAt: number;
  answered: boolean;
  answer?: CallbackAnswer;
  waiters: { resolve: (answer: CallbackAnswer) => void; reject: (error: Error) => void }[];
}

interface PreCheckoutState {
  id: string;
  chatId: number;
  createdAt: number;
  answered: boolean;
  resolve?: (answer: { ok: boolean; error_message?: string } | undefined) => void;
}

interface Poller {
  wake: () => void;
  fail: (error: ApiError) => void;
  finish: () => void;
}

interface Injection {
  method: string;
  error: ApiErrorSpec;
  remaining: number;
  chatId?: number;
}

/** A log of event times within a sliding window; times arrive in order. */
class SlidingWindow {
  private times: number[] = [];
  private head = 0;
  constructor(private readonly rule: RateLimitRule) {}

  /** 0 when one more event fits now, otherwise ms until the oldest one leaves the window. */
  waitMs(now: number): number {
    const from = now - this.rule.windowMs;
    while (this.head < this.times.length && this.times[this.head] <= from) this.head++;
    if (this.head > 256 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    if (this.times.length - this.head < this.rule.count) return 0;
    return this.times[this.head] + this.rule.windowMs - now;
  }

  record(now: number): void {
    this.times.push(now);
  }
}

// ---------------------------------------------------------------------------------------------
// Parameter helpers (form-encoded values arrive as strings, JSON values as their types)
// ---------------------------------------------------------------------------------------------

function optString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw bad(`field "${name}" must be of type String`);
}

function optInt(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw bad(`field "${name}" must be of type Integer`);
  return n;
}

function optBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (v === true || v === 'true' || v === 'True' || v === '1' || v === 1) return true;
  if (v === false || v === 'false' || v === 'False' || v === '0' || v === 0) return false;
  throw bad(`field "${name}" must be of type Boolean`);
}

function optJson(p: Params, name: string): unknown {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw bad(`can't parse ${name} JSON object`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BUTTON_ACTIONS = [
  'callback_data',
  'url',
  'pay',
  'login_url',
  'web_app',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'callback_game',
  'copy_text',
] as const;

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const SCOPE_TYPES = new Set([
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
]);

/** Rebuild a button with its fields in a fixed order so two equal keyboards serialize equally. */
function normalizeButton(b: Record<string, unknown>): InlineKeyboardButton {
  const out: Record<string, unknown> = { text: b.text };
  for (const key of Object.keys(b).sort()) if (key !== 'text' && b[key] !== undefined) out[key] = b[key];
  return out as InlineKeyboardButton;
}

function isInlineMarkup(m: ReplyMarkup | undefined): m is InlineKeyboardMarkup {
  return m !== undefined && Array.isArray((m as InlineKeyboardMarkup).inline_keyboard);
}

function buttonRows(m: ReplyMarkup | undefined): string[][] {
  return isInlineMarkup(m) ? m.inline_keyboard.map((row) => row.map((b) => b.text)) : [];
}

function sameEntities(a: MessageEntity[] | undefined, b: MessageEntity[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

function chatKeyOf(u: TgUpdate): number {
  const m = u.message ?? u.edited_message;
  if (m) return m.chat.id;
  if (u.callback_query) return u.callback_query.message?.chat.id ?? u.callback_query.from.id;
  if (u.pre_checkout_query) return u.pre_checkout_query.from.id;
  if (u.my_chat_member) return u.my_chat_member.chat.id;
  return 0;
}

function updateType(u: TgUpdate): string {
  return Object.keys(u).find((k) => k !== 'update_id') ?? 'unknown';
}

function describeMatcher(m: MessageMatcher | ButtonMatcher): string {
  if (typeof m === 'string') return JSON.stringify(m);
  if (m instanceof RegExp) return String(m);
  return 'a predicate';
}

function textMatches(m: string | RegExp, text: string): boolean {
  if (typeof m === 'string') return text.includes(m);
  m.lastIndex = 0;
  return m.test(text);
}

const clone = <T>(v: T): T => structuredClone(v);

const FORTY_EIGHT_HOURS = 48 * 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

interface EmulatorEvents {
  call: [CallRecord];
  update: [TgUpdate];
}

export class TelegramEmulator extends EventEmitter<EmulatorEvents> {
  readonly token: string;
  readonly botUser: TgUser;
  /** Every API call in arrival order (completed calls only). */
  readonly calls: CallRecord[] = [];

  private readonly options: Required<Omit<EmulatorOptions, 'token' | 'botUser' | 'rateLimit'>>;
  private readonly perChatRule?: RateLimitRule;
  private readonly globalWindow?: SlidingWindow;
  private server?: Server;
  private port = 0;
  private stopped = false;
  private clockOffset = 0;

  private readonly callsByMethod = new Map<string, CallRecord[]>();
  private readonly chats = new Map<number, ChatState>();
  private readonly users = new Map<number, TestUser>();
  private readonly queries = new Map<string, CallbackQueryState>();
  private readonly preCheckouts = new Map<string, PreCheckoutState>();
  private injections: Injection[] = [];
  private querySeq = 0;
  private chargeSeq = 0;

  // Update queue: entries in update_id order; `head` skips the confirmed prefix.
  private queue: QueueEntry[] = [];
  private head = 0;
  private pending = 0;
  private nextUpdateId = 1;
  private confirmed = 0;
  private allowedUpdates: Set<string> | null = null;
  private poller?: Poller;
  private wakeScheduled = false;

  // Webhook
  private webhookConfig?: WebhookState;
  private webhookGeneration = 0;
  private webhookInFlight = 0;
  private readonly webhookBusyChats = new Set<number>();
  private readonly webhookAborts = new Set<AbortController>();
  private readonly webhookTimers = new Set<NodeJS.Timeout>();

  // Commands and descriptions
  private readonly commandSets = new Map<string, BotCommand[]>();
  private readonly descriptions = new Map<string, string>();
  private readonly shortDescriptions = new Map<string, string>();

  // Idle tracking for settle(): non-getUpdates calls in progress and the last activity time.
  private inFlight = 0;
  private lastActivityAt = performance.now();
  private readonly idleWaiters = new Set<() => void>();
  private polled = false;
  private readonly pollWaiters = new Set<(error?: Error) => void>();

  constructor(options: EmulatorOptions = {}) {
    super();
    this.token = options.token ?? '123456:TEST-TOKEN';
    this.botUser = options.botUser ?? {
      id: 100000,
      is_bot: true,
      first_name: 'Market Bot',
      username: 'market_test_bot',
    };
    this.options = {
      callbackQueryTtlMs: options.callbackQueryTtlMs ?? 15000,
      latencyMs: options.latencyMs ?? 0,
      preCheckoutTtlMs: options.preCheckoutTtlMs ?? 10000,
      webhookRetryDelayMs: options.webhookRetryDelayMs ?? 50,
      strictHtml: options.strictHtml ?? true,
    };
    const rl = options.rateLimit;
    if (rl !== false) {
      const perChat = rl?.perChat === undefined ? { count: 20, windowMs: 1000 } : rl.perChat;
      const global = rl?.global === undefined ? { count: 30, windowMs: 1000 } : rl.global;
      if (perChat) this.perChatRule = perChat;
      if (global) this.globalWindow = new SlidingWindow(global);
    }
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              ok: false,
              error_code: 500,
              description: `Internal Server Error: ${String(e)}`,
            }),
          );
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  get apiRoot(): string {
    if (!this.server) throw new Error('TelegramEmulator: call start() first');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Ends pending long polls with an empty result, stops webhook delivery and closes the server. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.poller?.finish();
    for (const ac of this.webhookAborts) ac.abort();
    for (const t of this.webhookTimers) clearTimeout(t);
    this.webhookTimers.clear();
    for (const chat of this.chats.values()) {
      for (const w of chat.waiters) w.reject(new Error('waitForMessage: the emulator was stopped'));
      chat.waiters.clear();
    }
    for (const q of this.preCheckouts.values()) q.resolve?.(undefined);
    const stopped = (what: string): Error => new Error(`${what}: the emulator was stopped`);
    for (const q of this.queries.values()) for (const w of q.waiters) w.reject(stopped(`answerOf(${q.id})`));
    for (const done of this.pollWaiters) done(stopped('waitForPolling'));
    this.pollWaiters.clear();
    for (const check of [...this.idleWaiters]) check();
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
    return Date.now() + this.clockOffset;
  }

  /** Moves the clock forward (message age for deleteMessage, query TTLs, rate-limit windows). */
  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  private unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  // ------------------------------------------------------------------ assertions API

  callsOf(method: string): CallRecord[] {
    return this.callsByMethod.get(method.toLowerCase()) ?? [];
  }

  /** Updates queued but not yet confirmed (polling) or delivered (webhook). */
  pendingUpdates(): number {
    return this.pending;
  }

  /** The highest offset getUpdates confirmed so far (every update_id below it is confirmed). */
  get confirmedOffset(): number {
    return this.confirmed;
  }

  commands(scope: BotCommandScope = { type: 'default' }, languageCode = ''): BotCommand[] {
    return clone(this.commandSets.get(this.scopeKey(scope, languageCode)) ?? []);
  }

  get description(): string {
    return this.descriptions.get('') ?? '';
  }

  get shortDescription(): string {
    return this.shortDescriptions.get('') ?? '';
  }

  descriptionFor(languageCode: string): string {
    return this.descriptions.get(languageCode) ?? '';
  }

  shortDescriptionFor(languageCode: string): string {
    return this.shortDescriptions.get(languageCode) ?? '';
  }

  get webhook(): WebhookState | undefined {
    return this.webhookConfig ? clone(this.webhookConfig) : undefined;
  }

  /** Bot messages of any chat (e.g. a group), in order, current state. */
  botMessages(chatId: number): BotMessageView[] {
    const chat = this.chats.get(chatId);
    return chat ? chat.botMessages.map((m) => this._view(m)) : [];
  }

  /** Fails the next `times` (default 1) calls of `method` (optionally only those for one chat). */
  failNext(method: string, error: ApiErrorSpec, opts: FailNextOptions = {}): void {
    this.injections.push({
      method: method.toLowerCase(),
      error: { ...error },
      remaining: opts.times ?? 1,
      chatId: opts.chatId,
    });
  }

  // ------------------------------------------------------------------ test drivers

  user(info: TestUserInfo): TestUser {
    const existing = this.users.get(info.id);
    const tgUser: TgUser = {
      id: info.id,
      is_bot: false,
      first_name: info.first_name,
      ...(info.last_name !== undefined ? { last_name: info.last_name } : {}),
      ...(info.username !== undefined ? { username: info.username } : {}),
      ...(info.language_code !== undefined ? { language_code: info.language_code } : {}),
    };
    if (existing) {
      existing.info = tgUser;
      return existing;
    }
    const chat = this._chatState({
      id: info.id,
      type: 'private',
      first_name: info.first_name,
      ...(info.last_name !== undefined ? { last_name: info.last_name } : {}),
      ...(info.username !== undefined ? { username: info.username } : {}),
    });
    const user = new TestUser(this, chat, tgUser);
    this.users.set(info.id, user);
    return user;
  }

  groupChat(
    info: { id: number; title: string; type?: 'group' | 'supergroup' },
    fromUser: TestUser,
  ): GroupChat {
    if (info.id >= 0) throw new Error('groupChat: a group id is negative');
    const chat = this._chatState({ id: info.id, type: info.type ?? 'group', title: info.title });
    return new GroupChat(this, chat, fromUser);
  }

  /**
   * Resolves once the bot has called getUpdates (at once if it already has). Telegraf's launch()
   * calls deleteWebhook({ drop_pending_updates }) before its first poll, so updates queued before
   * that may be dropped: wait for this before the first user action in a polling test.
   */
  waitForPolling(timeoutMs = 5000): Promise<void> {
    if (this.polled) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pollWaiters.delete(done);
        reject(new Error(`waitForPolling: no getUpdates call within ${timeoutMs} ms (is the bot launched?)`));
      }, timeoutMs);
      const done = (error?: Error): void => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      this.pollWaiters.add(done);
    });
  }

  /**
   * Resolves when no Bot API call (other than the long poll itself) has arrived or been in progress
   * for `quietMs`, and every queued update was confirmed (polling) or delivered (webhook). Rejects
   * after `timeoutMs` with what is still pending.
   */
  settle(quietMs = 150, timeoutMs = 10000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        this.idleWaiters.delete(check);
        const t = performance.now();
        if (this.stopped) return resolve();
        const idle = this.inFlight === 0 && this.pending === 0;
        const quiet = t - this.lastActivityAt;
        if (idle && quiet >= quietMs) return resolve();
        if (t >= deadline) {
          return reject(
            new Error(
              `settle(): not idle after ${timeoutMs} ms: ${this.pending} update(s) not confirmed, ` +
                `${this.inFlight} call(s) in progress (is the bot running?)`,
            ),
          );
        }
        // Busy: wake on the next activity. Idle but not yet quiet: wake when the quiet time is up.
        if (!idle) this.idleWaiters.add(check);
        timer = setTimeout(check, Math.min(idle ? quietMs - quiet : quietMs, deadline - t) + 1);
      };
      check();
    });
  }

  // ------------------------------------------------------------------ internals used by TestUser

  /** @internal */
  _chatState(chat: TgChat): ChatState {
    let state = this.chats.get(chat.id);
    if (!state) {
      state = {
        chat,
        known: false,
        nextMessageId: 1,
        messages: new Map(),
        botMessages: [],
        userMessages: [],
        blocked: false,
        recent: new Set(),
        waiters: new Set(),
      };
      this.chats.set(chat.id, state);
    }
    return state;
  }

  /** @internal The chat's user acted: later bot messages answer this action. */
  _markAction(chat: ChatState): void {
    chat.known = true;
    chat.recent = new Set();
  }

  /** @internal */
  _enqueue(body: UpdateBody): TgUpdate {
    const update = { update_id: this.nextUpdateId++, ...body } as TgUpdate;
    const type = updateType(update);
    this.emit('update', update);
    if (this.stopped) return update;
    if (this.allowedUpdates && !this.allowedUpdates.has(type)) return update;
    this.queue.push({ update, done: false, inFlight: false, attempts: 0 });
    this.pending++;
    this.activity();
    this.scheduleWake();
    return update;
  }

  /** @internal Adds a message from a user to a chat and queues it as a `message` update. */
  _userMessage(
    chat: ChatState,
    from: TgUser,
    fields: Partial<TgMessage>,
    kind: StoredMessage['kind'],
    markAction = true,
  ): TgMessage {
    if (markAction) this._markAction(chat);
    chat.known = true;
    const message: TgMessage = {
      message_id: chat.nextMessageId++,
      from: clone(from),
      chat: clone(chat.chat),
      date: this.unixNow(),
      ...fields,
    };
    const stored: StoredMessage = {
      chat,
      message,
      fromBot: false,
      kind,
      createdAt: this.now(),
      deleted: false,
      edits: 0,
    };
    chat.messages.set(message.message_id, stored);
    chat.userMessages.push(stored);
    this._enqueue({ message: clone(message) });
    return clone(message);
  }

  /** @internal */
  _newCallbackQuery(chat: ChatState, from: TgUser, stored: StoredMessage, data: string): PressResult {
    this._markAction(chat);
    const id = `${from.id}${String(++this.querySeq).padStart(6, '0')}`;
    this.queries.set(id, { id, chatId: chat.chat.id, createdAt: this.now(), answered: false, waiters: [] });
    const query: TgCallbackQuery = {
      id,
      from: clone(from),
      message: clone(stored.message),
      chat_instance: String(BigInt(chat.chat.id) * 7919n + 4611686018427387904n),
      data,
    };
    this._enqueue({ callback_query: query });
    return { queryId: id, data, messageId: stored.message.message_id };
  }

  /** @internal */
  _answerOf(queryId: string, timeoutMs: number): Promise<CallbackAnswer> {
    const q = this.queries.get(queryId);
    if (!q) return Promise.reject(new Error(`answerOf: unknown callback query ${queryId}`));
    if (q.answer) return Promise.resolve(clone(q.answer));
    return new Promise<CallbackAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        q.waiters = q.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`answerOf(${queryId}): the bot did not answer the callback query within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const waiter = {
        resolve: (a: CallbackAnswer): void => {
          clearTimeout(timer);
          resolve(clone(a));
        },
        reject: (e: Error): void => {
          clearTimeout(timer);
          reject(e);
        },
      };
      q.waiters.push(waiter);
    });
  }

  /** @internal Queues a pre_checkout_query and resolves with the bot's answer (undefined on timeout). */
  _preCheckout(
    chat: ChatState,
    query: Omit<TgPreCheckoutQuery, 'id'>,
    timeoutMs = this.options.preCheckoutTtlMs,
  ): { id: string; answer: Promise<{ ok: boolean; error_message?: string } | undefined> } {
    const id = `pcq${query.from.id}${String(++this.querySeq).padStart(6, '0')}`;
    const state: PreCheckoutState = { id, chatId: chat.chat.id, createdAt: this.now(), answered: false };
    this.preCheckouts.set(id, state);
    const answer = new Promise<{ ok: boolean; error_message?: string } | undefined>((resolve) => {
      const timer = setTimeout(() => {
        state.resolve = undefined;
        resolve(undefined);
      }, timeoutMs);
      state.resolve = (a) => {
        clearTimeout(timer);
        state.resolve = undefined;
        resolve(a);
      };
    });
    this._enqueue({ pre_checkout_query: { id, ...query } });
    return { id, answer };
  }

  /** @internal */
  _nextChargeId(): string {
    return `tg_charge_${++this.chargeSeq}_${randomBytes(6).toString('hex')}`;
  }

  /** @internal */
  _view(m: StoredMessage): BotMessageView {
    const msg = m.message;
    const view: BotMessageView = {
      message_id: msg.message_id,
      chat_id: msg.chat.id,
      text: msg.text ?? msg.caption ?? '',
      buttons: buttonRows(msg.reply_markup),
      deleted: m.deleted,
      edits: m.edits,
      date: msg.date,
    };
    if (m.html !== undefined) view.html = m.html;
    if (m.parseMode !== undefined) view.parse_mode = m.parseMode;
    if (msg.entities) view.entities = clone(msg.entities);
    if (msg.reply_markup) view.reply_markup = clone(msg.reply_markup);
    if (msg.invoice) view.invoice = clone(msg.invoice);
    if (msg.edit_date !== undefined) view.edit_date = msg.edit_date;
    return view;
  }

  /** @internal */
  _waitForMessage(chat: ChatState, matcher: MessageMatcher, timeoutMs: number): Promise<BotMessageView> {
    const matches =
      typeof matcher === 'function' ? matcher : (v: BotMessageView): boolean => textMatches(matcher, v.text);
    for (const m of chat.recent) {
      if (m.deleted) continue;
      const view = this._view(m);
      if (matches(view)) return Promise.resolve(view);
    }
    if (this.stopped) return Promise.reject(new Error('waitForMessage: the emulator is stopped'));
    return new Promise<BotMessageView>((resolve, reject) => {
      const waiter: MessageWaiter = {
        matches,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        chat.waiters.delete(waiter);
        const since = [...chat.recent].map(
          (m) =>
            `#${m.message.message_id}${m.deleted ? ' (deleted)' : ''}: ${JSON.stringify(m.message.text ?? '')}`,
        );
        const latest = chat.botMessages
          .slice(-3)
          .map((m) => `#${m.message.message_id}: ${JSON.stringify(m.message.text ?? '')}`);
        reject(
          new Error(
            `waitForMessage(${describeMatcher(matcher)}) timed out after ${timeoutMs} ms in chat ${chat.chat.id}.\n` +
              `  Bot messages since the user's last action: ${since.length ? since.join('; ') : 'none'}\n` +
              `  Latest bot messages: ${latest.length ? latest.join('; ') : 'none'}`,
          ),
        );
      }, timeoutMs);
      chat.waiters.add(waiter);
    });
  }

  /** @internal */
  _pressError(chat: ChatState, matcher: ButtonMatcher, messageId?: number): Error {
    const withButtons = chat.botMessages.filter((m) => !m.deleted && isInlineMarkup(m.message.reply_markup));
    const listed = withButtons
      .slice(-3)
      .reverse()
      .map(
        (m) =>
          `  #${m.message.message_id}: ` +
          buttonRows(m.message.reply_markup)
            .map((row) => row.map((t) => `[${t}]`).join(' '))
            .join(' / '),
      );
    return new Error(
      `press(${describeMatcher(matcher)}): no such button ${messageId !== undefined ? `on message #${messageId}` : 'on any bot message'} in chat ${chat.chat.id}.\n` +
        (listed.length
          ? `Buttons on the newest bot messages:\n${listed.join('\n')}`
          : 'The bot has sent no buttons in this chat.'),
    );
  }

  // ------------------------------------------------------------------ update delivery

  private scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    // Coalesce updates queued in the same tick into one poll answer, like Telegram batches them.
    setImmediate(() => {
      this.wakeScheduled = false;
      this.poller?.wake();
      this.pumpWebhook();
    });
  }

  private confirm(offset: number): void {
    if (offset < 0) {
      // A negative offset keeps only the last |offset| updates.
      let keep = -offset;
      for (let i = this.queue.length - 1; i >= this.head; i--) {
        const e = this.queue[i];
        if (e.done) continue;
        if (keep > 0) keep--;
        else {
          e.done = true;
          this.pending--;
        }
      }
    } else {
      this.confirmed = Math.max(this.confirmed, offset);
      for (let i = this.head; i < this.queue.length && this.queue[i].update.update_id < offset; i++) {
        const e = this.queue[i];
        if (!e.done) {
          e.done = true;
          this.pending--;
        }
      }
    }
    this.compact();
    this.activity();
  }

  private compact(): void {
    while (this.head < this.queue.length && this.queue[this.head].done) this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private collect(limit: number): TgUpdate[] {
    const out: TgUpdate[] = [];
    for (let i = this.head; i < this.queue.length && out.length < limit; i++) {
      if (!this.queue[i].done) out.push(this.queue[i].update);
    }
    return out;
  }

  private pumpWebhook(): void {
    const hook = this.webhookConfig;
    if (!hook || this.stopped) return;
    const busy = new Set(this.webhookBusyChats);
    for (let i = this.head; i < this.queue.length && this.webhookInFlight < hook.maxConnections; i++) {
      const entry = this.queue[i];
      if (entry.done) continue;
      const key = chatKeyOf(entry.update);
      if (entry.inFlight || busy.has(key)) {
        // One update at a time per chat, in order.
        busy.add(key);
        continue;
      }
      busy.add(key);
      this.deliver(entry, key, hook);
    }
  }

  private deliver(entry: QueueEntry, key: number, hook: WebhookState): void {
    const generation = this.webhookGeneration;
    entry.inFlight = true;
    entry.attempts++;
    this.webhookInFlight++;
    this.webhookBusyChats.add(key);
    const ac = new AbortController();
    this.webhookAborts.add(ac);
    const release = (): void => {
      entry.inFlight = false;
      this.webhookInFlight--;
      this.webhookBusyChats.delete(key);
    };
    const fail = (message: string): void => {
      this.webhookAborts.delete(ac);
      if (generation !== this.webhookGeneration || this.stopped) return release();
      hook.failures++;
      hook.lastErrorDate = this.unixNow();
      hook.lastErrorMessage = message;
      // Keep the chat busy during the backoff so its later updates can't overtake this one.
      const delay = Math.min(2000, this.options.webhookRetryDelayMs * 2 ** Math.min(entry.attempts - 1, 10));
      const timer = setTimeout(() => {
        this.webhookTimers.delete(timer);
        release();
        this.pumpWebhook();
      }, delay);
      this.webhookTimers.add(timer);
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (hook.secretToken) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secretToken;
    fetch(hook.url, { method: 'POST', headers, body: JSON.stringify(entry.update), signal: ac.signal })
      .then(async (res) => {
        const body = await res.text();
        if (res.status < 200 || res.status > 299) {
          return fail(`Wrong response from the webhook: ${res.status} ${res.statusText}`);
        }
        this.webhookAborts.delete(ac);
        if (generation !== this.webhookGeneration || this.stopped) return release();
        await this.webhookReply(body, res.headers.get('content-type'));
        hook.deliveries++;
        if (!entry.done) {
          entry.done = true;
          this.pending--;
          this.compact();
        }
        release();
        this.activity();
        this.pumpWebhook();
      })
      .catch((e: unknown) => {
        const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
        fail(`Connection failed: ${cause}`);
      });
  }

  /** A webhook answer may carry one method call in its body, which Telegram then performs. */
  private async webhookReply(body: string, contentType: string | null): Promise<void> {
    if (!body || !contentType?.includes('application/json')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    if (!isObject(parsed) || typeof parsed.method !== 'string') return;
    const { method, ...params } = parsed;
    await this.dispatch(method, params, undefined, true);
  }

  // ------------------------------------------------------------------ HTTP

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/bot([^/]+)\/([A-Za-z0-9_]*)$/.exec(url.pathname);
    const reply = (status: number, body: unknown): void => {
      if (res.destroyed || res.writableEnded) return;
      const json = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json),
      });
      res.end(json);
    };
    const raw = await readBody(req);
    if (!match) return reply(404, { ok: false, error_code: 404, description: DESCRIPTIONS.notFound });
    if (decodeURIComponent(match[1]) !== this.token) {
      return reply(401, { ok: false, error_code: 401, description: DESCRIPTIONS.unauthorized });
    }
    let params: Params;
    try {
      params = parseParams(raw, req.headers['content-type'], url.searchParams);
    } catch (e) {
      const error = e instanceof ApiError ? e : bad(String(e));
      return reply(error.error_code, {
        ok: false,
        error_code: error.error_code,
        description: error.description,
      });
    }
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const outcome = await this.dispatch(match[2], params, ac.signal, false);
    if (outcome.ok) {
      reply(200, {
        ok: true,
        result: outcome.result,
        ...(outcome.description ? { description: outcome.description } : {}),
      });
    } else {
      const e = outcome.error;
      reply(e.error_code, {
        ok: false,
        error_code: e.error_code,
        description: e.description,
        ...(e.retry_after !== undefined ? { parameters: { retry_after: e.retry_after } } : {}),
      });
    }
  }

  private async dispatch(
    rawMethod: string,
    params: Params,
    signal: AbortSignal | undefined,
    viaWebhookReply: boolean,
  ): Promise<{ ok: true; result: unknown; description?: string } | { ok: false; error: ApiError }> {
    const key = rawMethod.toLowerCase();
    const handler = this.handlers[key];
    const method = handler ? handler.name : rawMethod;
    const at = this.now();
    const counted = key !== 'getupdates';
    if (counted) {
      this.inFlight++;
      this.activity();
    }
    let outcome: { ok: true; result: unknown; description?: string } | { ok: false; error: ApiError };
    try {
      if (this.options.latencyMs > 0) await delay(this.options.latencyMs);
      if (!handler) throw new ApiError(404, DESCRIPTIONS.notFound);
      this.takeInjection(key, params);
      const result = await handler.run(params, signal);
      outcome =
        result instanceof Described
          ? { ok: true, result: result.value, description: result.description }
          : { ok: true, result };
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(`TelegramEmulator: ${method} crashed`, e);
      outcome = {
        ok: false,
        error: e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${String(e)}`),
      };
    }
    const record: CallRecord = outcome.ok
      ? { method, params, ok: true, result: outcome.result, at }
      : {
          method,
          params,
          ok: false,
          error_code: outcome.error.error_code,
          description: outcome.error.description,
          at,
        };
    if (viaWebhookReply) record.viaWebhookReply = true;
    this.calls.push(record);
    let list = this.callsByMethod.get(key);
    if (!list) this.callsByMethod.set(key, (list = []));
    list.push(record);
    if (counted) this.inFlight--;
    this.activity();
    this.emit('call', record);
    return outcome;
  }

  private activity(): void {
    this.lastActivityAt = performance.now();
    if (this.idleWaiters.size === 0 || this.inFlight > 0 || this.pending > 0) return;
    for (const check of [...this.idleWaiters]) check();
  }

  private takeInjection(method: string, params: Params): void {
    if (this.injections.length === 0) return;
    const chatId = this.chatIdOf(params);
    const i = this.injections.findIndex(
      (inj) => inj.method === method && (inj.chatId === undefined || inj.chatId === chatId),
    );
    if (i === -1) return;
    const inj = this.injections[i];
    if (--inj.remaining <= 0) this.injections.splice(i, 1);
    throw new ApiError(inj.error.error_code, inj.error.description, inj.error.retry_after);
  }

  private chatIdOf(params: Params): number | undefined {
    const raw = params.chat_id;
    if (typeof raw === 'number') return raw;
    if (typeof raw === 'string' && /^-?\d+$/.test(raw)) return Number(raw);
    const qid = params.callback_query_id ?? params.pre_checkout_query_id;
    if (typeof qid === 'string') return (this.queries.get(qid) ?? this.preCheckouts.get(qid))?.chatId;
    return undefined;
  }

  // ------------------------------------------------------------------ validation helpers

  private resolveChat(p: Params): ChatState {
    const raw = p.chat_id;
    if (raw === undefined || raw === null || raw === '') throw bad('chat_id is empty');
    const id =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    const chat = Number.isSafeInteger(id) ? this.chats.get(id) : undefined;
    if (!chat || !chat.known) throw new ApiError(400, DESCRIPTIONS.chatNotFound);
    return chat;
  }

  private requireMessageId(p: Params): number {
    const id = optInt(p, 'message_id');
    if (id === undefined) throw bad('message identifier is not specified');
    return id;
  }

  private parseText(p: Params): {
    text: string;
    entities?: MessageEntity[];
    html?: string;
    parseMode?: string;
  } {
    const raw = optString(p, 'text');
    if (raw === undefined || raw === '') throw new ApiError(400, DESCRIPTIONS.textEmpty);
    const parseMode = optString(p, 'parse_mode');
    let text: string;
    let entities: MessageEntity[] | undefined;
    let html: string | undefined;
    if (parseMode) {
      if (parseMode.toLowerCase() !== 'html') {
        throw bad(
          /^markdown(v2)?$/i.test(parseMode)
            ? `unsupported parse_mode "${parseMode}" (the emulator implements HTML only)`
            : 'unsupported parse_mode',
        );
      }
      try {
        ({ text, entities } = parseHtml(raw, { strict: this.options.strictHtml }));
      } catch (e) {
        if (e instanceof HtmlParseError) throw bad(e.message);
        throw e;
      }
      html = raw;
    } else {
      text = raw.trim();
      const given = optJson(p, 'entities');
      if (given !== undefined) {
        if (!Array.isArray(given)) throw bad("can't parse entities JSON object");
        entities = given as MessageEntity[];
      }
    }
    if (text.length === 0) throw new ApiError(400, DESCRIPTIONS.textEmpty);
    if (text.length > 4096) throw new ApiError(400, DESCRIPTIONS.textTooLong);
    return {
      text,
      ...(entities && entities.length > 0 ? { entities } : {}),
      ...(html !== undefined ? { html, parseMode: 'HTML' } : {}),
    };
  }

  private parseMarkup(p: Params): ReplyMarkup | undefined {
    const v = optJson(p, 'reply_markup');
    if (v === undefined) return undefined;
    if (!isObject(v)) throw bad("can't parse reply keyboard markup JSON object");
    if (!('inline_keyboard' in v)) return v;
    const rows = v.inline_keyboard;
    if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r))) {
      throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    }
    const out: InlineKeyboardButton[][] = [];
    for (const row of rows as unknown[][]) {
      const normalized: InlineKeyboardButton[] = [];
      for (const b of row) {
        if (!isObject(b))
          throw bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
        if (typeof b.text !== 'string') {
          throw bad('can\'t parse inline keyboard button: Field "text" must be of type String');
        }
        if (b.text.trim() === '') throw bad('BUTTON_TEXT_INVALID');
        const actions = BUTTON_ACTIONS.filter((f) => b[f] !== undefined);
        if (actions.length === 0) throw bad('text buttons are unallowed in the inline keyboard');
        if (actions.length > 1) {
          throw bad(`can't parse inline keyboard button: exactly one of ${actions.join(', ')} must be used`);
        }
        if (b.callback_data !== undefined) {
          const data = b.callback_data;
          if (typeof data !== 'string' || data === '' || utf8Length(data) > 64)
            throw bad('BUTTON_DATA_INVALID');
        }
        if (b.url !== undefined && (typeof b.url !== 'string' || !/^\S+$/.test(b.url))) {
          throw bad('BUTTON_URL_INVALID');
        }
        if (b.pay !== undefined && b.pay !== true) throw bad('BUTTON_TYPE_INVALID');
        normalized.push(normalizeButton(b));
      }
      if (normalized.length > 0) out.push(normalized);
    }
    if (out.reduce((n, r) => n + r.length, 0) > 100) throw bad('reply markup is too long');
    return out.length > 0 ? { inline_keyboard: out } : undefined;
  }

  private checkBlocked(chat: ChatState): void {
    if (chat.blocked) throw new ApiError(403, DESCRIPTIONS.blocked);
  }

  /** Counts a message sent, edited or deleted in a chat; 429 when the chat or the bot is over its limit. */
  private checkRate(chat: ChatState): void {
    const now = this.now();
    let waitMs = this.globalWindow?.waitMs(now) ?? 0;
    if (this.perChatRule) {
      chat.rate ??= new SlidingWindow(this.perChatRule);
      waitMs = Math.max(waitMs, chat.rate.waitMs(now));
    }
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiError(429, `Too Many Requests: retry after ${seconds}`, seconds);
    }
    this.globalWindow?.record(now);
    chat.rate?.record(now);
  }

  private botMessage(chat: ChatState, fields: Partial<TgMessage>, extra: Partial<StoredMessage>): TgMessage {
    const message: TgMessage = {
      message_id: chat.nextMessageId++,
      from: clone(this.botUser),
      chat: clone(chat.chat),
      date: this.unixNow(),
      ...fields,
    };
    const stored: StoredMessage = {
      chat,
      message,
      fromBot: true,
      kind: message.invoice ? 'invoice' : 'text',
      createdAt: this.now(),
      deleted: false,
      edits: 0,
      ...extra,
    };
    chat.messages.set(message.message_id, stored);
    chat.botMessages.push(stored);
    this.changed(stored);
    return clone(message);
  }

  /** A bot message was sent, edited or deleted: wake the chat's waiters it satisfies. */
  private changed(m: StoredMessage): void {
    const chat = m.chat;
    if (m.deleted) return;
    chat.recent.add(m);
    if (chat.waiters.size === 0) return;
    const view = this._view(m);
    for (const w of [...chat.waiters]) {
      if (w.matches(view)) {
        chat.waiters.delete(w);
        w.resolve(view);
      }
    }
  }

  private scopeKey(scope: BotCommandScope, languageCode: string): string {
    return `${scope.type}|${scope.chat_id ?? ''}|${scope.user_id ?? ''}|${languageCode}`;
  }

  private parseScope(p: Params): { scope: BotCommandScope; lang: string } {
    const raw = optJson(p, 'scope') ?? { type: 'default' };
    if (!isObject(raw) || typeof raw.type !== 'string' || !SCOPE_TYPES.has(raw.type)) {
      throw bad("can't parse BotCommandScope JSON object");
    }
    const scope: BotCommandScope = { type: raw.type };
    if (['chat', 'chat_administrators', 'chat_member'].includes(raw.type)) {
      if (typeof raw.chat_id !== 'number' && typeof raw.chat_id !== 'string') throw bad('chat_id is empty');
      scope.chat_id = raw.chat_id;
    }
    if (raw.type === 'chat_member') {
      if (typeof raw.user_id !== 'number') throw bad('user_id is empty');
      scope.user_id = raw.user_id;
    }
    const lang = optString(p, 'language_code') ?? '';
    if (lang !== '' && !/^[a-z]{2}$/.test(lang)) throw bad('invalid language_code specified');
    return { scope, lang };
  }

  // ------------------------------------------------------------------ Bot API methods

  private readonly handlers: Record<
    string,
    { name: string; run: (p: Params, signal?: AbortSignal) => unknown }
  > = Object.fromEntries(
    (
      [
        [
          'getMe',
          () => ({
            ...clone(this.botUser),
            can_join_groups: true,
            can_read_all_group_messages: false,
            supports_inline_queries: false,
          }),
        ],
        ['getUpdates', (p: Params, signal?: AbortSignal) => this.getUpdates(p, signal)],
        ['setWebhook', (p: Params) => this.setWebhook(p)],
        ['deleteWebhook', (p: Params) => this.deleteWebhook(p)],
        ['getWebhookInfo', () => this.getWebhookInfo()],
        ['sendMessage', (p: Params) => this.sendMessage(p)],
        ['editMessageText', (p: Params) => this.editMessageText(p)],
        ['editMessageReplyMarkup', (p: Params) => this.editMessageReplyMarkup(p)],
        ['deleteMessage', (p: Params) => this.deleteMessage(p)],
        ['answerCallbackQuery', (p: Params) => this.answerCallbackQuery(p)],
        ['setMyCommands', (p: Params) => this.setMyCommands(p)],
        ['getMyCommands', (p: Params) => this.getMyCommands(p)],
        ['deleteMyCommands', (p: Params) => this.deleteMyCommands(p)],
        ['setMyDescription', (p: Params) => this.setDescription(p, 'description', 512, this.descriptions)],
        ['getMyDescription', (p: Params) => ({ description: this.getDescription(p, this.descriptions) })],
        [
          'setMyShortDescription',
          (p: Params) => this.setDescription(p, 'short_description', 120, this.shortDescriptions),
        ],
        [
          'getMyShortDescription',
          (p: Params) => ({ short_description: this.getDescription(p, this.shortDescriptions) }),
        ],
        ['sendInvoice', (p: Params) => this.sendInvoice(p)],
        ['answerPreCheckoutQuery', (p: Params) => this.answerPreCheckoutQuery(p)],
        ['sendChatAction', (p: Params) => this.sendChatAction(p)],
      ] as [string, (p: Params, signal?: AbortSignal) => unknown][]
    ).map(([name, run]) => [name.toLowerCase(), { name, run }]),
  );

  private getUpdates(p: Params, signal?: AbortSignal): TgUpdate[] | Promise<TgUpdate[]> {
    const offset = optInt(p, 'offset');
    const limit = optInt(p, 'limit') ?? 100;
    const timeout = optInt(p, 'timeout') ?? 0;
    if (limit < 1 || limit > 100) throw bad('limit must be between 1 and 100');
    if (timeout < 0) throw bad('timeout must be non-negative');
    const allowed = optJson(p, 'allowed_updates');
    if (this.webhookConfig) throw new ApiError(409, DESCRIPTIONS.conflictWebhook);
    if (!this.polled) {
      this.polled = true;
      for (const done of this.pollWaiters) done();
      this.pollWaiters.clear();
    }
    // A newer getUpdates terminates the older one, which gets the 409.
    this.poller?.fail(new ApiError(409, DESCRIPTIONS.conflictPolling));
    if (allowed !== undefined) {
      if (!Array.isArray(allowed)) throw bad("can't parse allowed_updates JSON array");
      this.allowedUpdates = allowed.length > 0 ? new Set(allowed.map(String)) : null;
    }
    if (offset !== undefined) this.confirm(offset);
    const ready = this.collect(limit);
    if (ready.length > 0 || timeout === 0 || this.stopped || signal?.aborted) return ready;

    return new Promise<TgUpdate[]>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.poller === poller) this.poller = undefined;
      };
      const done = (updates: TgUpdate[]): void => {
        cleanup();
        resolve(updates);
      };
      const onAbort = (): void => done([]);
      const poller: Poller = {
        wake: () => {
          const updates = this.collect(limit);
          if (updates.length > 0) done(updates);
        },
        fail: (error) => {
          cleanup();
          reject(error);
        },
        finish: () => done([]),
      };
      const timer = setTimeout(() => done(this.collect(limit)), timeout * 1000);
      signal?.addEventListener('abort', onAbort);
      this.poller = poller;
    });
  }

  private setWebhook(p: Params): Described {
    const url = optString(p, 'url') ?? '';
    if (url === '') return this.deleteWebhook(p);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw bad('bad webhook: invalid URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw bad('bad webhook: An HTTPS URL must be provided for webhook');
    }
    const secret = optString(p, 'secret_token');
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
      throw bad('bad webhook: secret token contains unallowed characters');
    }
    const maxConnections = optInt(p, 'max_connections') ?? 40;
    if (maxConnections < 1 || maxConnections > 100)
      throw bad('bad webhook: max_connections must be between 1 and 100');
    const allowed = optJson(p, 'allowed_updates');
    if (allowed !== undefined && !Array.isArray(allowed)) throw bad("can't parse allowed_updates JSON array");
    if (optBool(p, 'drop_pending_updates')) this.dropPending();
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    const previous = this.webhookConfig;
    this.webhookGeneration++;
    this.webhookConfig = {
      url,
      ...(secret !== undefined ? { secretToken: secret } : {}),
      maxConnections,
      port,
      portAllowedByTelegram: [443, 80, 88, 8443].includes(port),
      https: parsed.protocol === 'https:',
      ...(Array.isArray(allowed) && allowed.length > 0 ? { allowedUpdates: allowed.map(String) } : {}),
      deliveries: previous?.deliveries ?? 0,
      failures: previous?.failures ?? 0,
    };
    if (Array.isArray(allowed))
      this.allowedUpdates = allowed.length > 0 ? new Set(allowed.map(String)) : null;
    this.poller?.fail(new ApiError(409, DESCRIPTIONS.conflictWebhook));
    this.scheduleWake();
    return new Described(true, 'Webhook was set');
  }

  private deleteWebhook(p: Params): Described {
    if (optBool(p, 'drop_pending_updates')) this.dropPending();
    const had = this.webhookConfig !== undefined;
    this.webhookConfig = undefined;
    this.webhookGeneration++;
    for (const ac of this.webhookAborts) ac.abort();
    return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
  }

  private dropPending(): void {
    for (let i = this.head; i < this.queue.length; i++) {
      const e = this.queue[i];
      if (!e.done) {
        e.done = true;
        this.pending--;
      }
    }
    this.compact();
    this.activity();
  }

  private getWebhookInfo(): Record<string, unknown> {
    const hook = this.webhookConfig;
    if (!hook) return { url: '', has_custom_certificate: false, pending_update_count: this.pending };
    return {
      url: hook.url,
      has_custom_certificate: false,
      pending_update_count: this.pending,
      max_connections: hook.maxConnections,
      ip_address: '127.0.0.1',
      ...(hook.lastErrorDate !== undefined
        ? { last_error_date: hook.lastErrorDate, last_error_message: hook.lastErrorMessage }
        : {}),
      ...(hook.allowedUpdates ? { allowed_updates: hook.allowedUpdates } : {}),
    };
  }

  private sendMessage(p: Params): TgMessage {
    const chat = this.resolveChat(p);
    const t = this.parseText(p);
    const markup = this.parseMarkup(p);
    this.checkBlocked(chat);
    this.checkRate(chat);
    return this.botMessage(
      chat,
      {
        text: t.text,
        ...(t.entities ? { entities: t.entities } : {}),
        ...(markup ? { reply_markup: markup } : {}),
      },
      { html: t.html, parseMode: t.parseMode },
    );
  }

  private editable(p: Params): { chat: ChatState; stored: StoredMessage } {
    if (p.inline_message_id !== undefined) throw new ApiError(400, DESCRIPTIONS.editNotFound);
    const chat = this.resolveChat(p);
    const id = this.requireMessageId(p);
    const stored = chat.messages.get(id);
    if (!stored || stored.deleted) throw new ApiError(400, DESCRIPTIONS.editNotFound);
    if (!stored.fromBot) throw bad("message can't be edited");
    return { chat, stored };
  }

  private editMessageText(p: Params): TgMessage {
    const { chat, stored } = this.editable(p);
    const t = this.parseText(p);
    const markup = this.parseMarkup(p);
    const m = stored.message;
    if (m.text === undefined) throw bad('there is no text in the message to edit');
    this.checkBlocked(chat);
    if (
      m.text === t.text &&
      sameEntities(m.entities, t.entities) &&
      JSON.stringify(m.reply_markup) === JSON.stringify(markup)
    ) {
      throw new ApiError(400, DESCRIPTIONS.notModified);
    }
    this.checkRate(chat);
    m.text = t.text;
    if (t.entities) m.entities = t.entities;
    else delete m.entities;
    // Like Telegram: an edit without reply_markup removes the inline keyboard.
    if (markup) m.reply_markup = markup;
    else delete m.reply_markup;
    stored.html = t.html;
    stored.parseMode = t.parseMode;
    return this.applyEdit(stored);
  }

  private editMessageReplyMarkup(p: Params): TgMessage {
    const { chat, stored } = this.editable(p);
    const markup = this.parseMarkup(p);
    this.checkBlocked(chat);
    if (JSON.stringify(stored.message.reply_markup) === JSON.stringify(markup)) {
      throw new ApiError(400, DESCRIPTIONS.notModified);
    }
    this.checkRate(chat);
    if (markup) stored.message.reply_markup = markup;
    else delete stored.message.reply_markup;
    return this.applyEdit(stored);
  }

  private applyEdit(stored: StoredMessage): TgMessage {
    stored.edits++;
    stored.message.edit_date = this.unixNow();
    this.changed(stored);
    return clone(stored.message);
  }

  private deleteMessage(p: Params): true {
    const chat = this.resolveChat(p);
    const id = this.requireMessageId(p);
    const stored = chat.messages.get(id);
    if (!stored || stored.deleted) throw new ApiError(400, DESCRIPTIONS.deleteNotFound);
    if (this.now() - stored.createdAt > FORTY_EIGHT_HOURS) throw new ApiError(400, DESCRIPTIONS.cantDelete);
    this.checkRate(chat);
    stored.deleted = true;
    return true;
  }

  private answerCallbackQuery(p: Params): true {
    const id = optString(p, 'callback_query_id');
    if (!id) throw bad('query_id is empty');
    const text = optString(p, 'text');
    const showAlert = optBool(p, 'show_alert');
    const url = optString(p, 'url');
    const cacheTime = optInt(p, 'cache_time');
    if (text !== undefined && text.length > 200) throw bad('MESSAGE_TOO_LONG');
    const q = this.queries.get(id);
    if (!q || q.answered || this.now() - q.createdAt > this.options.callbackQueryTtlMs) {
      throw new ApiError(400, DESCRIPTIONS.queryTooOld);
    }
    const answer: CallbackAnswer = {
      ...(text !== undefined ? { text } : {}),
      ...(showAlert !== undefined ? { show_alert: showAlert } : {}),
      ...(url !== undefined ? { url } : {}),
      ...(cacheTime !== undefined ? { cache_time: cacheTime } : {}),
    };
    q.answered = true;
    q.answer = answer;
    for (const w of q.waiters) w.resolve(answer);
    q.waiters = [];
    return true;
  }

  private setMyCommands(p: Params): true {
    const raw = optJson(p, 'commands');
    if (!Array.isArray(raw)) throw bad("can't parse commands JSON array");
    if (raw.length > 100) throw bad('too many commands: at most 100 are allowed');
    const commands: BotCommand[] = raw.map((c) => {
      if (!isObject(c) || typeof c.command !== 'string' || typeof c.description !== 'string') {
        throw bad("can't parse BotCommand JSON object");
      }
      const command = c.command.startsWith('/') ? c.command.slice(1) : c.command;
      if (!/^[a-z0-9_]{1,32}$/.test(command)) throw bad('BOT_COMMAND_INVALID');
      const description = c.description.trim();
      if (description.length < 1 || description.length > 256) throw bad('command description is invalid');
      return { command, description };
    });
    const { scope, lang } = this.parseScope(p);
    const key = this.scopeKey(scope, lang);
    if (commands.length === 0) this.commandSets.delete(key);
    else this.commandSets.set(key, commands);
    return true;
  }

  private getMyCommands(p: Params): BotCommand[] {
    const { scope, lang } = this.parseScope(p);
    return clone(this.commandSets.get(this.scopeKey(scope, lang)) ?? []);
  }

  private deleteMyCommands(p: Params): true {
    const { scope, lang } = this.parseScope(p);
    this.commandSets.delete(this.scopeKey(scope, lang));
    return true;
  }

  private setDescription(p: Params, field: string, max: number, store: Map<string, string>): true {
    const text = optString(p, field) ?? '';
    if (text.length > max) throw bad(`${field.replace('_', ' ')} is too long (at most ${max} characters)`);
    const lang = optString(p, 'language_code') ?? '';
    if (lang !== '' && !/^[a-z]{2}$/.test(lang)) throw bad('invalid language_code specified');
    if (text === '') store.delete(lang);
    else store.set(lang, text);
    return true;
  }

  private getDescription(p: Params, store: Map<string, string>): string {
    return store.get(optString(p, 'language_code') ?? '') ?? '';
  }

  private sendInvoice(p: Params): TgMessage {
    const chat = this.resolveChat(p);
    const title = optString(p, 'title') ?? '';
    const description = optString(p, 'description') ?? '';
    const payload = optString(p, 'payload') ?? '';
    const providerToken = optString(p, 'provider_token');
    const currency = optString(p, 'currency') ?? '';
    const startParameter = optString(p, 'start_parameter') ?? '';
    if (title.length < 1 || title.length > 32)
      throw bad('INVOICE_TITLE_INVALID: title must be 1-32 characters');
    if (description.length < 1 || description.length > 255) {
      throw bad('INVOICE_DESCRIPTION_INVALID: description must be 1-255 characters');
    }
    const payloadBytes = utf8Length(payload);
    if (payloadBytes < 1 || payloadBytes > 128)
      throw bad('INVOICE_PAYLOAD_INVALID: payload must be 1-128 bytes');
    if (!/^[A-Z]{3}$/.test(currency)) throw bad('CURRENCY_INVALID');
    if (currency === 'XTR') {
      if (providerToken)
        throw bad('PAYMENT_PROVIDER_INVALID: payments in Telegram Stars take an empty provider_token');
    } else if (!providerToken) {
      throw bad('PAYMENT_PROVIDER_INVALID');
    }
    const prices = optJson(p, 'prices');
    if (!Array.isArray(prices) || prices.length === 0)
      throw bad('LABELED_PRICES_EMPTY: prices must be a non-empty array');
    let total = 0;
    for (const price of prices) {
      if (!isObject(price) || typeof price.label !== 'string' || price.label === '') {
        throw bad("can't parse LabeledPrice JSON object: label must be a non-empty String");
      }
      if (typeof price.amount !== 'number' || !Number.isSafeInteger(price.amount)) {
        throw bad("can't parse LabeledPrice JSON object: amount must be an Integer");
      }
      total += price.amount;
    }
    if (currency === 'XTR' && prices.length !== 1)
      throw bad('Telegram Stars invoices must have exactly one price');
    if (total <= 0) throw bad('CURRENCY_TOTAL_AMOUNT_INVALID');
    const markup = this.parseMarkup(p);
    this.checkBlocked(chat);
    this.checkRate(chat);
    const invoice: TgInvoice = {
      title,
      description,
      start_parameter: startParameter,
      currency,
      total_amount: total,
    };
    return this.botMessage(
      chat,
      { invoice, ...(markup ? { reply_markup: markup } : {}) },
      { invoicePayload: payload },
    );
  }

  private answerPreCheckoutQuery(p: Params): true {
    const id = optString(p, 'pre_checkout_query_id');
    if (!id) throw bad('query_id is empty');
    const ok = optBool(p, 'ok');
    if (ok === undefined) throw bad('parameter "ok" is required');
    const errorMessage = optString(p, 'error_message');
    if (!ok && !errorMessage) throw bad('ERROR_MESSAGE_EMPTY: error_message is required when ok is false');
    const q = this.preCheckouts.get(id);
    if (!q || q.answered || this.now() - q.createdAt > this.options.preCheckoutTtlMs) {
      throw new ApiError(400, DESCRIPTIONS.queryTooOld);
    }
    q.answered = true;
    q.resolve?.({ ok, ...(errorMessage !== undefined && !ok ? { error_message: errorMessage } : {}) });
    return true;
  }

  private sendChatAction(p: Params): true {
    const chat = this.resolveChat(p);
    const action = optString(p, 'action');
    if (!action || !CHAT_ACTIONS.has(action)) throw bad('wrong parameter action in request');
    this.checkBlocked(chat);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Simulated users
// ---------------------------------------------------------------------------------------------

export class TestUser {
  constructor(
    private readonly emu: TelegramEmulator,
    private readonly state: ChatState,
    /** The user as Telegram describes them in updates. */
    public info: TgUser,
  ) {}

  get id(): number {
    return this.info.id;
  }

  get chatId(): number {
    return this.state.chat.id;
  }

  /** Queues a `message` update from this user in their private chat. */
  send(text: string): TgMessage {
    if (this.state.blocked) this.unblockBot();
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    return this.emu._userMessage(
      this.state,
      this.info,
      {
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      },
      'text',
    );
  }

  /** Edits one of this user's text messages and queues an `edited_message` update. */
  edit(messageId: number, newText: string): TgMessage {
    const stored = this.state.messages.get(messageId);
    if (!stored || stored.fromBot || stored.deleted || stored.message.text === undefined) {
      throw new Error(`edit: #${messageId} is not a text message of user ${this.id}`);
    }
    this.emu._markAction(this.state);
    stored.message.text = newText;
    stored.message.edit_date = Math.floor(this.emu.now() / 1000);
    stored.edits++;
    this.emu._enqueue({ edited_message: structuredClone(stored.message) });
    return structuredClone(stored.message);
  }

  sendSticker(emoji = '👍'): TgMessage {
    return this.emu._userMessage(
      this.state,
      this.info,
      {
        sticker: {
          file_id: `CAACAgIAAxkBAAE${randomBytes(8).toString('hex')}`,
          file_unique_id: `AgAD${randomBytes(4).toString('hex')}`,
          type: 'regular',
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
          emoji,
        },
      },
      'sticker',
    );
  }

  sendPhoto(caption?: string): TgMessage {
    const id = randomBytes(8).toString('hex');
    return this.emu._userMessage(
      this.state,
      this.info,
      {
        photo: [
          {
            file_id: `AgACAgIAAxkBAAE${id}s`,
            file_unique_id: `AQAD${id}s`,
            width: 90,
            height: 90,
            file_size: 1200,
          },
          {
            file_id: `AgACAgIAAxkBAAE${id}m`,
            file_unique_id: `AQAD${id}m`,
            width: 320,
            height: 320,
            file_size: 9800,
          },
        ],
        ...(caption !== undefined ? { caption } : {}),
      },
      'photo',
    );
  }

  /**
   * Presses an inline callback button found by its text (exact string, RegExp or predicate) on
   * `messageId`, or by default on the newest bot message in this chat that has such a button.
   */
  press(button: ButtonMatcher, opts: { messageId?: number } = {}): PressResult {
    const matches = (b: InlineKeyboardButton): boolean =>
      typeof button === 'string'
        ? b.text === button
        : button instanceof RegExp
          ? textMatches(button, b.text)
          : button(b);
    const candidates =
      opts.messageId !== undefined
        ? [this.state.messages.get(opts.messageId)].filter(
            (m): m is StoredMessage => m !== undefined && m.fromBot,
          )
        : this.state.botMessages;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const m = candidates[i];
      if (m.deleted || !isInlineMarkup(m.message.reply_markup)) continue;
      for (const row of m.message.reply_markup.inline_keyboard) {
        for (const b of row) {
          if (!matches(b)) continue;
          if (b.callback_data === undefined) {
            throw new Error(
              `press: button [${b.text}] on #${m.message.message_id} is not a callback button` +
                (b.pay ? ' (use pay() for an invoice)' : ''),
            );
          }
          return this.emu._newCallbackQuery(this.state, this.info, m, b.callback_data);
        }
      }
    }
    throw this.emu._pressError(this.state, button, opts.messageId);
  }

  /** Queues a callback_query with any data (forged or stale) on an existing bot message. */
  pressData(messageId: number, data: string): PressResult {
    const m = this.state.messages.get(messageId);
    if (!m || !m.fromBot)
      throw new Error(`pressData: #${messageId} is not a bot message in chat ${this.chatId}`);
    return this.emu._newCallbackQuery(this.state, this.info, m, data);
  }

  /** The bot's answerCallbackQuery for this query. */
  answerOf(queryId: string, timeoutMs = 5000): Promise<CallbackAnswer> {
    return this.emu._answerOf(queryId, timeoutMs);
  }

  /** The bot's messages in this chat, in order, in their current state (deleted ones flagged). */
  chat(): BotMessageView[] {
    return this.state.botMessages.map((m) => this.emu._view(m));
  }

  /** The newest bot message that is not deleted. */
  lastBotMessage(): BotMessageView | undefined {
    for (let i = this.state.botMessages.length - 1; i >= 0; i--) {
      const m = this.state.botMessages[i];
      if (!m.deleted) return this.emu._view(m);
    }
    return undefined;
  }

  /** Rows of button texts of `messageId`, or of the newest bot message that is not deleted. */
  buttons(messageId?: number): string[][] {
    if (messageId === undefined) return this.lastBotMessage()?.buttons ?? [];
    const m = this.state.messages.get(messageId);
    return m ? buttonRows(m.message.reply_markup) : [];
  }

  /**
   * Resolves with the first bot message in this chat, sent or edited after this user's most recent
   * action (send, edit, press, pay), that matches: a RegExp on the text, a string the text
   * includes, or a predicate on the message view. Already-arrived messages count.
   */
  waitForMessage(matcher: MessageMatcher, timeoutMs = 5000): Promise<BotMessageView> {
    return this.emu._waitForMessage(this.state, matcher, timeoutMs);
  }

  /** See TelegramEmulator.settle(): the whole emulator is idle, not only this chat. */
  waitForIdle(quietMs = 150, timeoutMs = 10000): Promise<void> {
    return this.emu.settle(quietMs, timeoutMs);
  }

  userMessages(): UserMessageView[] {
    return this.state.userMessages.map((m) => ({
      message_id: m.message.message_id,
      chat_id: m.message.chat.id,
      kind: m.kind === 'invoice' ? 'text' : m.kind,
      ...(m.message.text !== undefined ? { text: m.message.text } : {}),
      deleted: m.deleted,
      edits: m.edits,
      date: m.message.date,
    }));
  }

  /**
   * Pays the newest (or the given) invoice: queues a pre_checkout_query, waits for the bot's answer
   * and, if it accepted, queues the `successful_payment` message.
   */
  async pay(invoiceMessageId?: number, opts: PayOptions = {}): Promise<PayResult> {
    let stored: StoredMessage | undefined;
    if (invoiceMessageId !== undefined) {
      stored = this.state.messages.get(invoiceMessageId);
    } else {
      for (let i = this.state.botMessages.length - 1; i >= 0 && !stored; i--) {
        const m = this.state.botMessages[i];
        if (!m.deleted && m.message.invoice) stored = m;
      }
    }
    const invoice = stored?.message.invoice;
    if (!stored || !invoice || stored.deleted) {
      throw new Error(
        `pay: ${invoiceMessageId !== undefined ? `#${invoiceMessageId} is not an invoice` : 'no invoice'} in chat ${this.chatId}`,
      );
    }
    this.emu._markAction(this.state);
    const currency = opts.currency ?? invoice.currency;
    const totalAmount = opts.totalAmount ?? invoice.total_amount;
    const payload = opts.payload ?? stored.invoicePayload ?? '';
    const { id, answer } = this.emu._preCheckout(
      this.state,
      { from: structuredClone(this.info), currency, total_amount: totalAmount, invoice_payload: payload },
      opts.timeoutMs,
    );
    const a = await answer;
    if (!a) return { ok: false, timedOut: true, preCheckoutQueryId: id };
    if (!a.ok) return { ok: false, errorMessage: a.error_message, preCheckoutQueryId: id };
    const chargeId = opts.chargeId ?? this.emu._nextChargeId();
    const providerChargeId = opts.providerChargeId ?? `provider_${chargeId}`;
    this.emu._userMessage(
      this.state,
      this.info,
      {
        successful_payment: {
          currency,
          total_amount: totalAmount,
          invoice_payload: payload,
          telegram_payment_charge_id: chargeId,
          provider_payment_charge_id: providerChargeId,
        },
      },
      'successful_payment',
      false,
    );
    return { ok: true, chargeId, providerChargeId, preCheckoutQueryId: id };
  }

  /** The user blocks the bot: sends and edits get 403, and the bot gets a my_chat_member update. */
  blockBot(): void {
    if (this.state.blocked) return;
    this.state.blocked = true;
    this.memberUpdate('member', 'kicked');
  }

  unblockBot(): void {
    if (!this.state.blocked) return;
    this.state.blocked = false;
    this.memberUpdate('kicked', 'member');
  }

  private memberUpdate(from: 'member' | 'kicked', to: 'member' | 'kicked'): void {
    const bot = this.emu.botUser;
    this.emu._enqueue({
      my_chat_member: {
        chat: structuredClone(this.state.chat),
        from: structuredClone(this.info),
        date: Math.floor(this.emu.now() / 1000),
        old_chat_member: {
          user: structuredClone(bot),
          status: from,
          ...(from === 'kicked' ? { until_date: 0 } : {}),
        },
        new_chat_member: {
          user: structuredClone(bot),
          status: to,
          ...(to === 'kicked' ? { until_date: 0 } : {}),
        },
      },
    });
  }
}

/** A group chat the bot is in, to check that it ignores (or handles) group messages. */
export class GroupChat {
  constructor(
    private readonly emu: TelegramEmulator,
    private readonly state: ChatState,
    private readonly defaultFrom: TestUser,
  ) {}

  get id(): number {
    return this.state.chat.id;
  }

  send(text: string, from: TestUser = this.defaultFrom): TgMessage {
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    return this.emu._userMessage(
      this.state,
      from.info,
      {
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      },
      'text',
    );
  }

  botMessages(): BotMessageView[] {
    return this.emu.botMessages(this.id);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseParams(raw: string, contentType: string | undefined, query: URLSearchParams): Params {
  const params: Params = Object.fromEntries(query);
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (raw.trim() === '') return params;
  if (type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw bad("can't parse JSON object");
    }
    if (!isObject(body)) throw bad("can't parse JSON object");
    return { ...params, ...body };
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
  }
  if (type === 'multipart/form-data') {
    throw bad('multipart/form-data is not supported by the emulator (send JSON or form-urlencoded)');
  }
  throw bad(`unsupported Content-Type "${type}"`);
}
