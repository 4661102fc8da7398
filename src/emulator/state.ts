/**
 * The emulator's shared state: the clock, chats and their messages, callback and pre-checkout
 * queries, the update queue, the webhook, commands and descriptions, and the bookkeeping that
 * settle() and waitForPolling() wait on. The Bot API methods, the delivery and the actors all read
 * and change this one object.
 */
import type { EventEmitter } from 'node:events';
import { ApiError, DESCRIPTIONS, bad } from './errors.js';
import { UpdateQueue, type UpdateBody } from './delivery/queue.js';
import type { CallbackAnswer, EmulatorOptions, RateLimitRule, WebhookState } from './options.js';
import type { Params } from './params.js';
import type {
  ApiErrorSpec,
  BotCommand,
  BotMessageView,
  CallRecord,
  MessageKind,
  TgChat,
  TgChatMember,
  TgMessage,
  TgUpdate,
  TgUser,
} from './types.js';

export interface EmulatorEvents {
  call: [CallRecord];
  update: [TgUpdate];
}

export interface StoredMessage {
  chat: ChatState;
  message: TgMessage;
  fromBot: boolean;
  kind: MessageKind;
  /** Emulator clock, ms. */
  createdAt: number;
  html?: string;
  parseMode?: string;
  deleted: boolean;
  edits: number;
  invoicePayload?: string;
}

export interface MessageWaiter {
  matches: (view: BotMessageView) => boolean;
  resolve: (view: BotMessageView) => void;
  reject: (error: Error) => void;
}

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
  /** Groups: the ~20 messages a minute Telegram lets a bot post in one group. */
  groupRate?: SlidingWindow;
  /** Groups: members by user id (the bot included) with their status and rights. */
  members: Map<number, TgChatMember>;
  /** Forums: topics by message_thread_id (the id of their forum_topic_created message). */
  topics: Map<number, TopicState>;
}

export interface TopicState {
  id: number;
  name: string;
  icon_color: number;
  icon_custom_emoji_id?: string;
  closed: boolean;
  /** Deleted by a human: sends into it answer "message thread not found". */
  deleted: boolean;
  creatorId: number;
}

/** A file Telegram holds: what getFile describes and /file/bot<token>/<path> serves. */
export interface FileRecord {
  file_id: string;
  file_unique_id: string;
  size: number;
  path: string;
  kind: MessageKind;
  /** The media object a message carries for it (a photo: all its sizes). */
  media: Record<string, unknown> | Record<string, unknown>[];
}

export interface CallbackQueryState {
  id: string;
  chatId: number;
  createdAt: number;
  answered: boolean;
  answer?: CallbackAnswer;
  waiters: { resolve: (answer: CallbackAnswer) => void; reject: (error: Error) => void }[];
}

export interface PreCheckoutState {
  id: string;
  chatId: number;
  createdAt: number;
  answered: boolean;
  resolve?: (answer: { ok: boolean; error_message?: string } | undefined) => void;
}

/** The long poll in progress, if any. */
export interface Poller {
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
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;
  constructor(private readonly rule: RateLimitRule) {}

  /** 0 when `n` more events fit now, otherwise ms until enough of the oldest leave the window. */
  waitMs(now: number, n = 1): number {
    const from = now - this.rule.windowMs;
    while (this.head < this.times.length && this.times[this.head] <= from) this.head++;
    if (this.head > 256 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const inWindow = this.times.length - this.head;
    if (inWindow + n <= this.rule.count) return 0;
    const leaving = inWindow + n - this.rule.count;
    // More than the window ever holds: the answer stays 429.
    if (leaving > inWindow) return this.rule.windowMs;
    return this.times[this.head + leaving - 1] + this.rule.windowMs - now;
  }

  record(now: number): void {
    this.times.push(now);
  }
}

export type ResolvedOptions = Required<
  Omit<
    EmulatorOptions,
    'token' | 'botUser' | 'rateLimit' | 'unsupportedMethods' | 'firstUpdateId' | 'webhookTargets'
  >
>;

export class EmulatorState {
  readonly token: string;
  readonly botUser: TgUser;
  readonly options: ResolvedOptions;
  /** Methods this server answers 404 (options.unsupportedMethods), lower-cased. */
  readonly unsupportedMethods: Set<string>;
  private readonly perChatRule?: RateLimitRule;
  private readonly perGroupRule?: RateLimitRule;
  private readonly globalWindow?: SlidingWindow;
  stopped = false;
  private clockOffset = 0;

  /** Every API call in arrival order (completed calls only). */
  readonly calls: CallRecord[] = [];
  readonly callsByMethod = new Map<string, CallRecord[]>();
  readonly chats = new Map<number, ChatState>();
  readonly queries = new Map<string, CallbackQueryState>();
  readonly preCheckouts = new Map<string, PreCheckoutState>();
  /** Files by file_id and by file_path. */
  readonly files = new Map<string, FileRecord>();
  readonly filePaths = new Map<string, FileRecord>();
  fileSeq = 0;
  mediaGroupSeq = 0;
  injections: Injection[] = [];
  querySeq = 0;
  chargeSeq = 0;

  readonly queue = new UpdateQueue();
  poller?: Poller;
  private wakeScheduled = false;
  /** Called once per tick in which updates were queued or the webhook changed (set by delivery). */
  onWake: () => void = () => this.poller?.wake();

  readonly webhook = {
    config: undefined as WebhookState | undefined,
    generation: 0,
    inFlight: 0,
    /** Webhook queues (see webhookQueueKey) whose head is in flight or waits for its retry. */
    busyQueues: new Set<string>(),
    /** options.webhookTargets, and the next one to post to (round-robin). */
    targets: [] as string[],
    nextTarget: 0,
    aborts: new Set<AbortController>(),
    timers: new Set<NodeJS.Timeout>(),
  };

  readonly commandSets = new Map<string, BotCommand[]>();
  readonly descriptions = new Map<string, string>();
  readonly shortDescriptions = new Map<string, string>();

  // Idle tracking for settle(): non-getUpdates calls in progress and the last activity time.
  inFlight = 0;
  lastActivityAt = performance.now();
  readonly idleWaiters = new Set<() => void>();
  polled = false;
  readonly pollWaiters = new Set<(error?: Error) => void>();

  constructor(
    options: EmulatorOptions,
    readonly events: EventEmitter<EmulatorEvents>,
  ) {
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
      webhookQueues: options.webhookQueues ?? 'per-class',
      strictHtml: options.strictHtml ?? true,
      firstMessageId: options.firstMessageId ?? 1,
    };
    this.unsupportedMethods = new Set((options.unsupportedMethods ?? []).map((m) => m.toLowerCase()));
    this.queue.nextUpdateId = options.firstUpdateId ?? Date.now();
    this.webhook.targets = (options.webhookTargets ?? []).map((t) => new URL(t).origin);
    const rl = options.rateLimit;
    if (rl !== false) {
      const perChat = rl?.perChat === undefined ? { count: 20, windowMs: 1000 } : rl.perChat;
      const global = rl?.global === undefined ? { count: 30, windowMs: 1000 } : rl.global;
      const perGroup = rl?.perGroup === undefined ? { count: 20, windowMs: 60_000 } : rl.perGroup;
      if (perChat) this.perChatRule = perChat;
      if (perGroup) this.perGroupRule = perGroup;
      if (global) this.globalWindow = new SlidingWindow(global);
    }
  }

  // ------------------------------------------------------------------ clock

  /** The emulator clock in ms: real time plus whatever advanceTime() added. */
  now(): number {
    return Date.now() + this.clockOffset;
  }

  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  // ------------------------------------------------------------------ chats

  chat(chat: TgChat): ChatState {
    let state = this.chats.get(chat.id);
    if (!state) {
      state = {
        chat,
        known: false,
        nextMessageId: this.options.firstMessageId,
        messages: new Map(),
        botMessages: [],
        userMessages: [],
        blocked: false,
        recent: new Set(),
        waiters: new Set(),
        members: new Map(),
        topics: new Map(),
      };
      this.chats.set(chat.id, state);
    }
    return state;
  }

  /** The chat a method's chat_id names; the bot may only write where someone wrote to it. */
  resolveChat(p: Params): ChatState {
    const raw = p.chat_id;
    if (raw === undefined || raw === null || raw === '') throw bad('chat_id is empty');
    const id =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    const chat = Number.isSafeInteger(id) ? this.chats.get(id) : undefined;
    if (!chat || !chat.known) throw new ApiError(400, DESCRIPTIONS.chatNotFound);
    const bot = chat.members.get(this.botUser.id);
    if (bot?.status === 'kicked')
      throw new ApiError(403, `Forbidden: bot was kicked from the ${chat.chat.type} chat`);
    if (bot?.status === 'left')
      throw new ApiError(403, `Forbidden: bot is not a member of the ${chat.chat.type} chat`);
    return chat;
  }

  checkBlocked(chat: ChatState): void {
    if (chat.blocked) throw new ApiError(403, DESCRIPTIONS.blocked);
  }

  /**
   * Counts `n` messages sent, edited or deleted in a chat; 429 when the chat, the group (~20 a
   * minute) or the bot is over its limit.
   */
  checkRate(chat: ChatState, n = 1): void {
    const now = this.now();
    let waitMs = this.globalWindow?.waitMs(now, n) ?? 0;
    if (this.perChatRule) {
      chat.rate ??= new SlidingWindow(this.perChatRule);
      waitMs = Math.max(waitMs, chat.rate.waitMs(now, n));
    }
    const isGroup = chat.chat.type === 'group' || chat.chat.type === 'supergroup';
    if (isGroup && this.perGroupRule) {
      chat.groupRate ??= new SlidingWindow(this.perGroupRule);
      waitMs = Math.max(waitMs, chat.groupRate.waitMs(now, n));
    }
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiError(429, `Too Many Requests: retry after ${seconds}`, seconds);
    }
    for (let i = 0; i < n; i++) {
      this.globalWindow?.record(now);
      chat.rate?.record(now);
      if (isGroup) chat.groupRate?.record(now);
    }
  }

  // ------------------------------------------------------------------ updates

  enqueue(body: UpdateBody): TgUpdate {
    const update = this.queue.number(body);
    this.events.emit('update', update);
    if (this.stopped || !this.queue.push(update)) return update;
    this.activity();
    this.scheduleWake();
    return update;
  }

  scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    // Coalesce updates queued in the same tick into one poll answer, like Telegram batches them.
    setImmediate(() => {
      this.wakeScheduled = false;
      this.onWake();
    });
  }

  /** Something happened: restart the quiet time and let settle() re-check. */
  activity(): void {
    this.lastActivityAt = performance.now();
    if (this.idleWaiters.size === 0 || this.inFlight > 0 || this.queue.pending > 0) return;
    for (const check of [...this.idleWaiters]) check();
  }

  // ------------------------------------------------------------------ injected failures

  addInjection(method: string, error: ApiErrorSpec, times: number, chatId?: number): void {
    this.injections.push({ method: method.toLowerCase(), error: { ...error }, remaining: times, chatId });
  }

  /** Throws the next injected failure for this call, if one is due. */
  takeInjection(method: string, params: Params): void {
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
}

/** A Bot API method: its parameters in, its result out (or an ApiError thrown). */
export type Method = (s: EmulatorState, p: Params, signal?: AbortSignal) => unknown;
