/**
 * The support desk's contract between its core (conversations, outboxes, the seller's side, the panel,
 * the CLI, the management API) and one channel: the platform the operators work on (a Telegram forum
 * with a topic per seller; later Webim, Planfix, TWIN). A channel knows its platform's protocol and
 * nothing of our tables; the core knows our tables and nothing of any protocol.
 *
 * Rules every channel keeps:
 * - No message text is stored by a channel, and none is logged (log the fact: ids, sizes, kinds).
 * - A call that fails throws a ChannelError saying what the core should do (retry, recreate, give up).
 * - Inbound events go through ChannelRuntime.emit; the core de-duplicates them by
 *   (channel, externalMessageId) and delivers them to the seller through its durable outbox.
 */
import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';

export type ChannelKind = 'topics' | 'webim' | 'planfix' | 'twin';

/** What the core tells a channel about a seller: the card operators see, and what titles are made of. */
export interface SellerCard {
  telegramId: number;
  firstName: string;
  lastName?: string;
  username?: string;
  languageCode?: string;
  phone?: string;
  role: 'seller' | 'admin';
  /** Names of the shops the seller has linked (admins: empty). */
  shops: string[];
  /** The subscription in words the operators read ("active until 2026-12-31", "inactive"). */
  subscription: string;
}

/** A conversation as a channel sees it: our id and the platform's. */
export interface ConversationRef {
  /** Our conversation id (support_conversations.id). */
  id: number;
  /** The platform's id of it: a forum thread id, a visitor id, a chat id, a session id. */
  externalId: string;
  /** Channel-specific ids the conversation keeps (e.g. a TWIN session's ttl), as the channel wrote them. */
  state?: Record<string, unknown>;
  /**
   * The platform lost it (a call answered ChannelError 'lost', e.g. a deleted topic): open() gets it
   * as `existing` so it makes a new one (and may say there that the previous one was lost) instead
   * of reopening it.
   */
  lost?: boolean;
}

/** A file of a seller's message, as a channel may take it. */
export interface SellerFile {
  /** Telegram's file_id (a channel that copies inside Telegram needs nothing else). */
  fileId: string;
  name: string;
  mime?: string;
  /** Bytes, as Telegram reported them (may be missing for stickers). */
  size?: number;
  /** A signed, expiring URL on our server (GET /support/files/<signed id>) that streams the file. */
  url(): string;
}

export type SellerMessageKind =
  | 'text'
  | 'photo'
  | 'document'
  | 'voice'
  | 'audio'
  | 'video'
  | 'video_note'
  | 'animation'
  | 'sticker'
  | 'album';

/** One unit the seller sent to support: a message, or an album (its items, in order). */
export interface SellerMessage {
  /** The seller's private chat with the bot. */
  chatId: number;
  /** The Telegram message ids in that chat (one, or an album's items in order). */
  messageIds: number[];
  kind: SellerMessageKind;
  /** The text or caption, handed over in memory only (for channels that can't copy inside Telegram). */
  text?: string;
  files: SellerFile[];
  /** The external id of the operator message the seller replied to, when there is a pair for it. */
  replyToExternalId?: string;
}

/** A message of the bot itself inside the conversation (greeting, off-hours notice), for the history. */
export interface EchoMessage {
  text: string;
}

/** An operator's message for the seller, as the channel received it. */
export interface OperatorMessage {
  /** The platform's id of the message: the (channel, externalMessageId) pair de-duplicates. */
  externalMessageId: string;
  operatorName?: string;
  text?: string;
  /**
   * For channels inside Telegram: the message(s) to copy to the seller (copyMessage/copyMessages keep
   * media, formatting and albums without our downloading anything). The core sends a "💬 Support ·
   * name" line first. For a plain text message give `text` instead (no `copy`): the core then sends
   * one message, the mark and the text together.
   */
  copy?: { fromChatId: number; messageIds: number[] };
  /** For channels on other platforms: files to fetch (size-capped) and send to the seller. */
  attachments?: {
    url: string;
    name?: string;
    mime?: string;
    size?: number;
  }[];
  /** Quick answers the platform offers; the core shows them as buttons whose press sends the text. */
  answers?: string[];
  /** The external id of the seller message this one replies to. */
  replyToExternalId?: string;
}

export type ChannelEvent =
  | { type: 'operator_message'; conversation: ConversationRef; message: OperatorMessage }
  | {
      type: 'operator_edit';
      conversation: ConversationRef;
      externalMessageId: string;
      text?: string;
      copy?: { fromChatId: number; messageIds: number[] };
    }
  | { type: 'assigned'; conversation: ConversationRef; operatorName: string }
  | { type: 'typing'; conversation: ConversationRef }
  | { type: 'waiting'; conversation: ConversationRef }
  /** Closed on the platform (an operator, the platform's timeout): the core closes it and tells the seller (unless quiet). */
  | { type: 'closed'; conversation: ConversationRef; by: 'operator' | 'system'; quiet?: boolean }
  /** Operators set or lifted the support ban from their side (the forum's /ban and /unban). */
  | { type: 'ban'; conversation: ConversationRef; banned: boolean; by?: string }
  /** Operators asked for the seller card again (/info). */
  | { type: 'card_requested'; conversation: ConversationRef };

export interface Capabilities {
  /** Files reach the platform by Telegram file_id (copy), by our signed URL, or by upload. */
  files: 'copy' | 'url' | 'upload';
  /** The largest file the platform takes, in bytes (unset: Telegram's own limits). */
  maxFileBytes?: number;
  /** Seller edits are carried as edits (else the core sends "✏️ edited: …" as a new message). */
  edits: boolean;
  /** The platform keeps history: "End conversation" then a new message reopens the same one. */
  reopens: boolean;
  /**
   * The platform wants the bot's own lines to the seller (greeting, off-hours notice) in its history:
   * the core then hands them to notice() with `echo`.
   */
  echoes?: boolean;
}

/** What became of an operator's message on its way to the seller (for platforms that show delivery). */
export type DeliveryOutcome = { status: 'sent' } | { status: 'error'; reason: string };

export type ChannelErrorAction =
  /** A passing failure (platform down, 5xx, timeout, 429): the outbox tries again later. */
  | 'retry'
  /** The conversation is gone on the platform (a deleted topic, an expired session): open a new one and resend. */
  | 'lost'
  /** This message can never go through (too large, refused): the seller is told, the row is dropped. */
  | 'reject';

export class ChannelError extends Error {
  constructor(
    message: string,
    readonly action: ChannelErrorAction,
    /** Seconds to wait before the next try (Telegram's retry_after, a platform's Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** What the core hands a channel when it starts it. */
export interface ChannelRuntime {
  /** The channel's name (support_channels.name). */
  name: string;
  /** Its settings, secrets decrypted. */
  settings: Record<string, unknown>;
  /** Hands an inbound event to the core (de-duplicated, then delivered through the outbox). */
  emit(event: ChannelEvent): Promise<void>;
  /** Finds the open or most recent conversation of this channel with that external id. */
  conversationByExternalId(externalId: string): Promise<ConversationRef | null>;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
  /** The app's public base URL (PUBLIC_URL), for callback URLs and file links. */
  publicUrl: string;
  /** The open conversations of this channel (a channel that listens per conversation resumes them at start). */
  openConversations?(): Promise<ConversationRef[]>;
  /** Per-process limits from the configuration (TWIN_MAX_SOCKETS). */
  limits?: { twinMaxSockets?: number };
  /**
   * Shows the platform's name for a conversation in the panel (e.g. "Planfix task 1014"); kept in the
   * conversation's state as `reference` until it is opened again.
   */
  setReference?(conversationId: number, reference: string): Promise<void>;
  /** Sets keys of a conversation's state (what open() returned), keeping the others. */
  saveState?(conversationId: number, patch: Record<string, unknown>): Promise<void>;
  /**
   * A first message from the platform addressed by phone number (digits only): the open or a new
   * conversation of this channel with the seller who shared that number (opened through open()), or
   * null when no seller did.
   */
  conversationByPhone?(phone: string): Promise<ConversationRef | null>;
}

/** An HTTP request a platform sent to one of our channels (Webim's callback, Planfix's messages). */
export interface InboundRequest {
  method: string;
  /** What follows the channel's own path: '' for POST /webim-callback/main, '/x' for …/main/x. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  query: Record<string, string>;
  /** The raw body (at most 1 MB): the channel parses it and checks its signature or token. */
  body: Buffer;
}

/** The channel's answer: a status and a JSON (or text) body. */
export interface InboundResponse {
  status: number;
  json?: unknown;
  text?: string;
}

/** The outcome of a channel's start-up check. */
export type StartCheck = { ok: true } | { ok: false; reason: string };

/** One running channel. */
export interface SupportChannel {
  readonly kind: ChannelKind;
  readonly capabilities: Capabilities;
  /** Checks the settings against the platform (token, rights…) and starts listening. */
  start(): Promise<StartCheck>;
  stop(): Promise<void>;
  /**
   * Opens a conversation for the seller on the platform (a topic with the seller card as its first
   * message), or reopens `existing` when the platform keeps history. Returns its external id.
   */
  open(
    seller: SellerCard,
    existing?: ConversationRef,
  ): Promise<{ externalId: string; state?: Record<string, unknown> }>;
  /** Relays one unit from the seller. Returns the platform's ids of what it posted (one per item). */
  send(conversation: ConversationRef, message: SellerMessage): Promise<{ externalMessageIds: string[] }>;
  /** Carries an edit of a relayed message (only when capabilities.edits). */
  edit?(conversation: ConversationRef, externalMessageId: string, message: SellerMessage): Promise<void>;
  /** Writes a line of the bot's own into the conversation (greeting, off-hours notice, "the seller blocked the bot"). */
  notice(conversation: ConversationRef, text: string, echo?: EchoMessage): Promise<void>;
  /** The seller ended the conversation, or staff closed it. */
  close(conversation: ConversationRef, by: 'seller' | 'staff'): Promise<void>;
  /** The seller's name, username or shops changed. */
  updateSeller?(conversation: ConversationRef, seller: SellerCard): Promise<void>;
  /**
   * An operator message (by its external id) reached the seller or was refused by Telegram (the seller
   * blocked the bot); called through the outbox, so a failure here is retried like a message.
   */
  delivered?(
    conversation: ConversationRef,
    externalMessageId: string,
    outcome: DeliveryOutcome,
  ): Promise<void>;
  /** Re-posts the seller card (the forum's /info). */
  postCard?(conversation: ConversationRef, seller: SellerCard): Promise<void>;
  /**
   * Channels inside Telegram (topics): an update from a chat that is not a private chat with a seller.
   * Returns true when the update was this channel's (it then emits events through the runtime).
   */
  handleUpdate?(update: Update): Promise<boolean>;
  /**
   * Channels whose platform calls us over HTTP: a request to the kind's path (channels/index.ts
   * inboundPaths, e.g. POST /webim-callback/<channel name>). The core routes it to the running channel
   * of that name (no name: the kind's default channel) and answers 404/503 itself when there is none.
   */
  inbound?(request: InboundRequest): Promise<InboundResponse>;
}

/** Builds a channel of one kind from its runtime (settings included) and the bot's Telegram client. */
export type ChannelFactory = (runtime: ChannelRuntime, telegram: Telegram) => SupportChannel;
