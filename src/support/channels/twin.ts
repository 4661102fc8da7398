/**
 * The TWIN chat platform channel (kind 'twin'): a seller's conversation is a TWIN chat session started
 * in widget mode ("No Auth", `x_widget=1`), as TWIN's integration article describes it.
 *
 * - open(): POST {apiBase}/api/chats/v1/chats/{chatId}/sessions?x_widget=1 with the seller's name,
 *   a stable clientExternalId (a hash, not the Telegram id) and clientMetadata (role, shops, language).
 *   The session's first messages (TWIN's bot greeting) go to the seller once the core knows the
 *   conversation (the first send()).
 * - send(): files are fetched from Telegram (size-capped) and uploaded (multipart `file[]`), then
 *   POST {messagesBase}/api/v1/sessions/{id}/messages with `body`, `attachments` and `replyToMessageId`.
 * - One socket.io connection per open session (path `socketPath`, query `key=<session id>`), Engine.IO 3
 *   (socket.io-client 2.x: old TWIN servers and new ones allowing EIO3). Every `chatMessageCreatedEmit`
 *   is handed to the core first, then acknowledged with `messageReceived` (ids remembered per session:
 *   a server's replay after a reconnect is not re-sent, and acknowledged only if the server sends it
 *   again, i.e. it did not get our acknowledgement); the seller's
 *   own messages echoed back are acknowledged and dropped. HELP → waiting, TERMINAL → delivered then
 *   closed, an operator assignment → assigned, typing → typing. The session's ttl closes it quietly.
 * - A session the platform refuses (404/410) is lost: a send opens a new session and resends; a refused
 *   socket closes the conversation quietly. Sockets are capped per process (TWIN_MAX_SOCKETS).
 *
 * No message text is kept or logged: only ids, counts, sizes and statuses.
 */
import { createHash } from 'node:crypto';
import type { Telegram } from 'telegraf';
import io from 'socket.io-client';
import {
  ChannelError,
  type Capabilities,
  type ChannelFactory,
  type ChannelRuntime,
  type ConversationRef,
  type OperatorMessage,
  type SellerCard,
  type SellerMessage,
  type StartCheck,
  type SupportChannel,
} from '../channel.js';

export const TWIN_DEFAULTS = {
  apiBase: 'https://tcl.twin24.ai',
  messagesBase: 'https://chats-api.twin24.ai',
  socketPath: '/operator/socket.io',
} as const;

/** Files both ways: Telegram's bots download at most 20 MB, and send by URL at most 20 MB for photos. */
export const TWIN_MAX_FILE_BYTES = 20 * 1024 * 1024;
const HTTP_TIMEOUT_MS = 15_000;
/** Message ids remembered per session (acknowledged, or our own): a replay of older ones is rare. */
const REMEMBERED_IDS = 500;

export interface TwinSettings {
  chatId: string;
  apiBase: string;
  messagesBase: string;
  socketPath: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

function baseUrl(raw: unknown, name: string, fallback: string): string {
  const v = raw === undefined || raw === null || raw === '' ? fallback : raw;
  if (typeof v !== 'string') throw `${name} must be a URL like ${fallback}`;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw `${name} must be a URL like ${fallback} (got something that is not a URL)`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw `${name} must start with https://`;
  return trimSlash(v.trim());
}

/** The channel's settings from support_channels.settings, or what is wrong with them. */
export function parseTwinSettings(raw: Record<string, unknown>): TwinSettings | string {
  const chatId = typeof raw.chatId === 'string' ? raw.chatId.trim() : '';
  if (!/^[A-Za-z0-9-]{8,64}$/.test(chatId))
    return "chatId must be the chat's id from TWIN's cabinet (like 3eb5cf6d-4d20-41c2-b886-f60374d11d19)";
  try {
    const socketPath =
      typeof raw.socketPath === 'string' && raw.socketPath.trim() !== ''
        ? raw.socketPath.trim()
        : TWIN_DEFAULTS.socketPath;
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(socketPath))
      return 'socketPath must be a path starting with / (default /operator/socket.io)';
    return {
      chatId,
      apiBase: baseUrl(raw.apiBase, 'apiBase', TWIN_DEFAULTS.apiBase),
      messagesBase: baseUrl(raw.messagesBase, 'messagesBase', TWIN_DEFAULTS.messagesBase),
      socketPath: trimSlash(socketPath),
    };
  } catch (problem) {
    return String(problem);
  }
}

/** Sockets open in this process, over every TWIN channel. */
const sockets = { open: 0, capWarnedAt: 0 };
export const twinSocketCount = () => sockets.open;

/** TWIN's attachment: `sugestedExtension` in a session's answer, `suggestedExtension` elsewhere. */
export interface TwinAttachment {
  id?: string;
  name?: string;
  contentType?: string;
  size?: number | string;
  url?: string;
  downloadLink?: string;
  extension?: string;
  suggestedExtension?: string;
  sugestedExtension?: string;
}

/** A message as TWIN sends it over the socket (and, without most fields, in a session's answer). */
export interface TwinMessage {
  id?: string;
  authorId?: string;
  authorType?: string;
  authorName?: string;
  type?: string;
  body?: string;
  answers?: unknown[];
  attachments?: TwinAttachment[];
  sessionId?: string;
  operatorId?: string;
  operatorName?: string;
  replyToMessageId?: string;
}

/** The author types that are the client (our seller) writing: their echo is not sent back. */
const CLIENT_AUTHORS = new Set(['client', 'user', 'visitor', 'customer']);

function answerTexts(answers: unknown[] | undefined): string[] | undefined {
  const out: string[] = [];
  for (const a of answers ?? []) {
    if (typeof a === 'string' && a.trim()) out.push(a);
    else if (a && typeof a === 'object') {
      const o = a as Record<string, unknown>;
      const t = [o.text, o.body, o.title, o.value].find((x) => typeof x === 'string' && x.trim());
      if (typeof t === 'string') out.push(t);
    }
  }
  return out.length ? out.slice(0, 20) : undefined;
}

/** One open session this process listens to. */
interface Live {
  conversationId: number;
  sessionId: string;
  socket?: SocketIOClient.Socket;
  timer?: NodeJS.Timeout;
  /** Message ids acknowledged (insertion order: the oldest are forgotten first). */
  seen: Set<string>;
  /** Ids of the messages we sent: their echo is acknowledged, not sent back. */
  ours: Set<string>;
  lastTyping: number;
  closed: boolean;
}

interface HttpAnswer {
  status: number;
  json: unknown;
}

export function createTwinChannel(runtime: ChannelRuntime, telegram: Telegram): SupportChannel {
  return new TwinChannel(runtime, telegram);
}

export const twinFactory: ChannelFactory = createTwinChannel;

class TwinChannel implements SupportChannel {
  readonly kind = 'twin' as const;
  readonly capabilities: Capabilities = {
    files: 'upload',
    maxFileBytes: TWIN_MAX_FILE_BYTES,
    edits: false,
    reopens: false,
  };
  private settings!: TwinSettings;
  private readonly live = new Map<string, Live>();
  /** A new session's first messages, until the core's first send() says which conversation it is. */
  private readonly greetings = new Map<string, TwinMessage[]>();
  private stopped = false;

  constructor(
    private readonly runtime: ChannelRuntime,
    private readonly telegram: Telegram,
  ) {}

  private get maxSockets(): number {
    return this.runtime.limits?.twinMaxSockets ?? 2000;
  }

  async start(): Promise<StartCheck> {
    const parsed = parseTwinSettings(this.runtime.settings);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    this.settings = parsed;
    // The open sessions of before a restart listen again; the server replays what they missed.
    const open = (await this.runtime.openConversations?.()) ?? [];
    let expired = 0;
    for (const conv of open) {
      if (!conv.externalId) continue;
      if (this.expiresAt(conv) <= Date.now()) {
        expired++;
        await this.runtime.emit({ type: 'closed', conversation: conv, by: 'system', quiet: true });
        continue;
      }
      this.listen(conv);
    }
    this.runtime.log.info(
      { sessions: this.live.size, expired, sockets: sockets.open },
      'twin channel started: open sessions listening',
    );
    return { ok: true };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.live.values()) this.forget(l);
    this.greetings.clear();
  }

  private expiresAt(conv: ConversationRef): number {
    const at = conv.state?.expiresAt;
    return typeof at === 'number' ? at : Number.POSITIVE_INFINITY;
  }

  // --- HTTP ------------------------------------------------------------------------------------

  private async http(url: string, init: RequestInit, what: string, onMessage: boolean): Promise<HttpAnswer> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.runtime.log.warn({ what, reason }, 'twin unreachable');
      throw new ChannelError(`TWIN unreachable (${what}): ${reason}`, 'retry');
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 200 && res.status < 300) {
      try {
        return { status: res.status, json: text ? JSON.parse(text) : null };
      } catch {
        throw new ChannelError(`TWIN answered ${what} with something that is not JSON`, 'retry');
      }
    }
    const body = text.replace(/\s+/g, ' ').slice(0, 200);
    this.runtime.log.warn({ what, status: res.status, body }, 'twin refused a call');
    const reason = `TWIN answered ${what} with ${res.status}: ${body}`;
    if (res.status === 429 || res.status >= 500 || res.status === 408) {
      const after = Number(res.headers.get('retry-after'));
      throw new ChannelError(reason, 'retry', Number.isFinite(after) && after > 0 ? after : undefined);
    }
    if (res.status === 404 || res.status === 410)
      throw new ChannelError(reason, onMessage ? 'lost' : 'reject');
    throw new ChannelError(reason, onMessage ? 'reject' : 'retry');
  }

  // --- the contract ----------------------------------------------------------------------------

  async open(
    seller: SellerCard,
    existing?: ConversationRef,
  ): Promise<{ externalId: string; state?: Record<string, unknown> }> {
    const old = existing && this.live.get(existing.externalId);
    if (old) this.forget(old);
    const clientExternalId = createHash('sha256')
      .update(`market-bot:${this.runtime.name}:${seller.telegramId}`)
      .digest('hex')
      .slice(0, 24);
    const name = [seller.firstName, seller.lastName].filter(Boolean).join(' ').trim() || 'Seller';
    const body = {
      name: `${name}${seller.username ? ` @${seller.username}` : ''} · ${clientExternalId.slice(0, 8)}`,
      clientExternalId,
      clientMetadata: {
        role: seller.role,
        shops: seller.shops.join(', '),
        language: seller.languageCode ?? '',
        subscription: seller.subscription,
      },
    };
    const { json } = await this.http(
      `${this.settings.apiBase}/api/chats/v1/chats/${encodeURIComponent(this.settings.chatId)}/sessions?x_widget=1`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      'session start',
      false,
    );
    const s = json as { id?: unknown; ttl?: unknown; startedAt?: unknown; messages?: unknown };
    if (typeof s?.id !== 'string' || !s.id)
      throw new ChannelError('TWIN started a session without an id', 'retry');
    const ttl = typeof s.ttl === 'number' && s.ttl > 0 ? s.ttl : undefined;
    const started = typeof s.startedAt === 'string' ? Date.parse(s.startedAt) : NaN;
    const from = Number.isFinite(started) ? Math.min(started, Date.now()) : Date.now();
    const messages = Array.isArray(s.messages) ? (s.messages as TwinMessage[]) : [];
    if (messages.length) this.greetings.set(s.id, messages);
    this.runtime.log.info({ session: s.id, ttl, greeting: messages.length }, 'twin session started');
    return {
      externalId: s.id,
      state: ttl ? { ttl, expiresAt: from + ttl * 1000 } : {},
    };
  }

  async send(
    conversation: ConversationRef,
    message: SellerMessage,
  ): Promise<{ externalMessageIds: string[] }> {
    const live = await this.ensureLive(conversation);
    const attachments: string[] = [];
    for (const f of message.files) attachments.push(await this.upload(f.fileId, f.name, f.mime, f.size));
    const payload: Record<string, unknown> = { body: message.text ?? '', attachments };
    if (message.replyToExternalId) payload.replyToMessageId = message.replyToExternalId;
    const { json } = await this.http(
      `${this.settings.messagesBase}/api/v1/sessions/${encodeURIComponent(conversation.externalId)}/messages`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) },
      'message',
      true,
    );
    const id = (json as { id?: unknown })?.id;
    if (typeof id !== 'string') throw new ChannelError('TWIN took a message without giving its id', 'reject');
    remember(live.ours, id);
    this.runtime.log.info(
      {
        conversation: conversation.id,
        session: conversation.externalId,
        message: id,
        files: attachments.length,
      },
      'twin message sent',
    );
    return { externalMessageIds: [id] };
  }

  private async upload(
    fileId: string,
    name: string,
    mime: string | undefined,
    size?: number,
  ): Promise<string> {
    if (size !== undefined && size > TWIN_MAX_FILE_BYTES)
      throw new ChannelError(`file of ${size} bytes is past TWIN's limit`, 'reject');
    let bytes: Buffer;
    try {
      const link = await this.telegram.getFileLink(fileId);
      const res = await fetch(link, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`Telegram file download answered ${res.status}`);
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw new ChannelError(
        `file not fetched from Telegram: ${err instanceof Error ? err.message : String(err)}`,
        'retry',
      );
    }
    if (bytes.length > TWIN_MAX_FILE_BYTES) throw new ChannelError('file past the size limit', 'reject');
    const form = new FormData();
    form.append('file[]', new Blob([bytes], { type: mime ?? 'application/octet-stream' }), name || 'file');
    const { json } = await this.http(
      `${this.settings.apiBase}/api/chats/v1/files?x_widget=1`,
      { method: 'POST', body: form },
      'file upload',
      true,
    );
    const first = Array.isArray(json) ? (json[0] as { id?: unknown } | undefined) : undefined;
    if (typeof first?.id !== 'string')
      throw new ChannelError('TWIN took a file without giving its id', 'retry');
    this.runtime.log.info({ file: first.id, bytes: bytes.length }, 'twin file uploaded');
    return first.id;
  }

  /** TWIN has no place for the bot's own lines in a session: they stay with the seller. */
  async notice(): Promise<void> {}

  async close(conversation: ConversationRef): Promise<void> {
    const l = this.live.get(conversation.externalId);
    if (l) this.forget(l);
    this.greetings.delete(conversation.externalId);
  }

  // --- listening -------------------------------------------------------------------------------

  private async ensureLive(conversation: ConversationRef): Promise<Live> {
    let live = this.live.get(conversation.externalId);
    if (!live) {
      live = this.listen(conversation);
      if (!live) {
        throw new ChannelError(
          `no free socket: TWIN_MAX_SOCKETS (${this.maxSockets}) sessions are listened to in this process`,
          'retry',
          10,
        );
      }
    }
    const greeting = this.greetings.get(conversation.externalId);
    if (greeting) {
      this.greetings.delete(conversation.externalId);
      let i = 0;
      for (const m of greeting) {
        const id = m.id ?? `${conversation.externalId}:start:${i++}`;
        await this.deliver(live, { ...m, id }, false);
      }
    }
    return live;
  }

  /** Opens the session's socket; undefined when the per-process cap is reached. */
  private listen(conversation: ConversationRef): Live | undefined {
    if (this.stopped) return undefined;
    const existing = this.live.get(conversation.externalId);
    if (existing) return existing;
    if (sockets.open >= this.maxSockets) {
      if (Date.now() - sockets.capWarnedAt > 60_000) {
        sockets.capWarnedAt = Date.now();
        this.runtime.log.error(
          { cap: this.maxSockets, open: sockets.open, conversation: conversation.id },
          'TWIN socket cap reached (TWIN_MAX_SOCKETS): this session waits until another one closes; raise TWIN_MAX_SOCKETS or run another process',
        );
      }
      return undefined;
    }
    const l: Live = {
      conversationId: conversation.id,
      sessionId: conversation.externalId,
      seen: new Set(),
      ours: new Set(),
      lastTyping: 0,
      closed: false,
    };
    this.live.set(l.sessionId, l);
    sockets.open++;
    const origin = new URL(this.settings.apiBase).origin;
    const socket = io(origin, {
      path: this.settings.socketPath,
      query: { key: l.sessionId },
      transports: ['polling', 'websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 30_000,
      randomizationFactor: 0.5,
      timeout: 20_000,
    });
    l.socket = socket;
    socket.on('chatMessageCreatedEmit', (data: TwinMessage) => {
      void this.deliver(l, data).catch((err: unknown) => {
        this.runtime.log.warn(
          { conversation: l.conversationId, reason: err instanceof Error ? err.message : String(err) },
          'twin message not taken: the server replays it on reconnect',
        );
      });
    });
    socket.on('showTypingIndicatorEmit', () => {
      if (Date.now() - l.lastTyping < 4000) return;
      l.lastTyping = Date.now();
      void this.runtime.emit({ type: 'typing', conversation: this.ref(l) }).catch(() => undefined);
    });
    socket.on('connect', () =>
      this.runtime.log.info(
        { conversation: l.conversationId, session: l.sessionId },
        'twin socket connected',
      ),
    );
    // A server that disconnects us on purpose is not reconnected to by socket.io-client: we do, with
    // backoff (a session it no longer knows is then refused, and closed).
    let kicked = 0;
    socket.on('disconnect', (reason: string) => {
      if (reason !== 'io server disconnect' || l.closed || this.stopped) return;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(kicked++, 5)) * (0.75 + Math.random() / 2);
      this.runtime.log.warn(
        { conversation: l.conversationId, retryInMs: Math.round(delay) },
        'twin server disconnected the socket',
      );
      setTimeout(() => {
        if (!l.closed && l.socket === socket) socket.connect();
      }, delay).unref();
    });
    socket.on('connect', () => {
      kicked = 0;
    });
    socket.on('reconnect_attempt', (n: number) => {
      if (n === 1 || n % 10 === 0)
        this.runtime.log.warn({ conversation: l.conversationId, attempt: n }, 'twin socket reconnecting');
    });
    // The server refuses the session (unknown, expired): the conversation is over.
    socket.on('error', (err: unknown) => {
      const reason = typeof err === 'string' ? err : err instanceof Error ? err.message : JSON.stringify(err);
      if (/\b(404|410)\b|not found|gone|expired|unknown session/i.test(reason ?? '')) {
        this.runtime.log.warn(
          { conversation: l.conversationId, reason: reason.slice(0, 200) },
          'twin refused the session: closed',
        );
        void this.endSession(l, false);
      } else {
        this.runtime.log.warn(
          { conversation: l.conversationId, reason: String(reason).slice(0, 200) },
          'twin socket error',
        );
      }
    });
    const expiresAt = this.expiresAt(conversation);
    if (Number.isFinite(expiresAt)) {
      l.timer = setTimeout(
        () => {
          this.runtime.log.info(
            { conversation: l.conversationId, session: l.sessionId },
            'twin session ttl over: closed',
          );
          void this.endSession(l, false);
        },
        Math.max(0, expiresAt - Date.now()),
      );
      l.timer.unref();
    }
    return l;
  }

  private ref(l: Live): ConversationRef {
    return { id: l.conversationId, externalId: l.sessionId };
  }

  /** One message from the socket (or the session's greeting): to the core first, then acknowledged. */
  private async deliver(l: Live, m: TwinMessage, viaSocket = true): Promise<void> {
    const id = typeof m.id === 'string' && m.id ? m.id : undefined;
    if (!id) return;
    if (l.seen.has(id)) {
      // Taken already: the server sends it again because our acknowledgement did not reach it (it
      // left on a connection that was dropping). Acknowledged again, not re-sent to the seller.
      if (viaSocket) l.socket?.emit('messageReceived', { action: 'chatMessageCreated', data: { id } });
      return;
    }
    const conversation = this.ref(l);
    const author = (m.authorType ?? '').toLowerCase();
    const own = CLIENT_AUTHORS.has(author) || l.ours.has(id);
    const type = (m.type ?? 'REGULAR').toUpperCase();
    if (!own) {
      if (m.operatorName && !m.body && !m.attachments?.length) {
        await this.runtime.emit({ type: 'assigned', conversation, operatorName: m.operatorName });
      } else {
        const files = (m.attachments ?? [])
          .map((a) => ({
            url: a.downloadLink || a.url || '',
            name: a.name,
            mime: a.contentType,
            size: a.size === undefined ? undefined : Number(a.size),
          }))
          .filter((a) => /^https?:\/\//.test(a.url));
        const kept = files.filter((a) => !(a.size !== undefined && a.size > TWIN_MAX_FILE_BYTES));
        if (kept.length < files.length)
          this.runtime.log.warn(
            { conversation: l.conversationId, dropped: files.length - kept.length },
            'twin attachment past the size limit not sent',
          );
        const message: OperatorMessage = {
          externalMessageId: id,
          operatorName: author === 'bot' ? undefined : m.authorName || m.operatorName,
          ...(m.body || !kept.length ? { text: m.body ?? '' } : {}),
          ...(kept.length ? { attachments: kept } : {}),
          ...(answerTexts(m.answers) ? { answers: answerTexts(m.answers) } : {}),
          ...(m.replyToMessageId ? { replyToExternalId: m.replyToMessageId } : {}),
        };
        if (m.body || kept.length)
          await this.runtime.emit({ type: 'operator_message', conversation, message });
        if (type === 'HELP') await this.runtime.emit({ type: 'waiting', conversation });
      }
    }
    remember(l.seen, id);
    if (viaSocket) l.socket?.emit('messageReceived', { action: 'chatMessageCreated', data: { id } });
    this.runtime.log.info(
      { conversation: l.conversationId, message: id, author: author || 'unknown', type, own },
      'twin message received',
    );
    if (type === 'TERMINAL') await this.endSession(l, true);
  }

  /** The session is over on TWIN's side: the core closes the conversation (telling the seller or not). */
  private async endSession(l: Live, tell: boolean): Promise<void> {
    if (l.closed) return;
    l.closed = true;
    // Let the last acknowledgement leave before the socket goes.
    setTimeout(() => this.forget(l), 200).unref();
    await this.runtime
      .emit({ type: 'closed', conversation: this.ref(l), by: tell ? 'operator' : 'system', quiet: !tell })
      .catch((err: unknown) =>
        this.runtime.log.warn(
          { conversation: l.conversationId, reason: String(err) },
          'twin close not recorded',
        ),
      );
  }

  private forget(l: Live): void {
    if (l.timer) clearTimeout(l.timer);
    if (this.live.get(l.sessionId) === l) {
      this.live.delete(l.sessionId);
      sockets.open--;
    }
    if (l.socket) {
      l.socket.removeAllListeners();
      l.socket.close();
      l.socket = undefined;
    }
  }
}

function remember(seen: Set<string>, id: string): void {
  seen.add(id);
  if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string);
}
