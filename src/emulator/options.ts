/** The emulator's options and the shapes its test-facing API returns. */
import type { BotMessageView, InlineKeyboardButton, TgUser } from './types.js';

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
  /**
   * Defaults: 20 per 1000 ms per chat, 20 per 60 s per group or supergroup, 30 per 1000 ms overall;
   * `false` disables (e.g. a benchmark).
   */
  rateLimit?:
    | false
    | { perChat?: RateLimitRule | false; perGroup?: RateLimitRule | false; global?: RateLimitRule | false };
  /** Artificial delay before every API call is processed. Default 0. */
  latencyMs?: number;
  /** How long a pre_checkout_query may stay unanswered. Default 10000 (emulator clock). */
  preCheckoutTtlMs?: number;
  /** First webhook retry delay; doubles per attempt up to 2 s. Default 50. */
  webhookRetryDelayMs?: number;
  /**
   * How webhook delivery queues a chat's updates; each queue has one update in flight at a time and
   * retries its head until a 2xx. 'per-class' (default), as the Bot API server does: a chat's
   * messages (message, edited_message), the callback queries of a user, their pre-checkout queries
   * and the chat's member updates travel in queues of their own, so a slow or failing message does
   * not hold a button press of the same chat (and the bot, not Telegram, must keep them in order).
   * 'per-chat': one queue per chat for every kind, stricter than Telegram.
   */
  webhookQueues?: 'per-class' | 'per-chat';
  /**
   * Origins (`http://127.0.0.1:8081`) that stand in for the webhook URL's host, as a load balancer
   * in front of N receivers does: each post goes to the next one in turn, with the webhook URL's
   * path and query. A target that refuses the connection (nothing was sent) is skipped for the
   * next one at once; a connection lost mid-request is a failed delivery, retried with backoff
   * like any other. Lets a process whose WEBHOOK_URL must be https:// be reached over plain HTTP.
   */
  webhookTargets?: string[];
  /** Refuse a stray `>` or `&` in HTML like a stray `<` (default true, see html.ts). */
  strictHtml?: boolean;
  /** Methods answered 404 "Not Found", as by a Bot API server that doesn't implement them. */
  unsupportedMethods?: string[];
  /**
   * The first update_id. Default: the wall clock in ms, so an emulator started again against the
   * same bot database goes on above the ids it gave before, as Telegram's do (the bot drops an id it
   * has stored before, for an hour after handling it).
   */
  firstUpdateId?: number;
  /**
   * The first message_id of every chat (default 1). A stand-in started again against a kept bot
   * database starts past the ids it handed out before, as Telegram never hands one out twice.
   */
  firstMessageId?: number;
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
  /**
   * The provider declines the card after the bot accepted the pre-checkout query, as a payment
   * provider does: no `successful_payment` reaches the bot.
   */
  declineCard?: boolean;
}

export interface PayResult {
  ok: boolean;
  errorMessage?: string;
  /** The bot never answered the pre_checkout_query in time. */
  timedOut?: boolean;
  /** The bot accepted, then the provider declined the card (PayOptions.declineCard). */
  declined?: boolean;
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
