/**
 * A local TWIN chat platform (widget mode) for tests, as TWIN's integration article documents it:
 *
 * - POST /api/chats/v1/chats/:chatId/sessions?x_widget=1 {name, clientExternalId?, clientMetadata?}
 *   → 201 {id, clientId, startedAt, ttl, messages[]} (attachments spelled `sugestedExtension`);
 * - POST /api/v1/sessions/:id/messages {body, attachments?, replyToMessageId?} → 201 {id, createdAt}
 *   (404 unknown session, 410 closed or expired, 422 bad body or unknown attachment id);
 * - POST /api/chats/v1/files?x_widget=1 multipart `file[]` → 201 [{…, suggestedExtension, …}];
 *   GET /files/:id streams an uploaded or operator file (the downloadLink);
 * - socket.io (v4 server with allowEIO3: old and new clients) on /operator/socket.io, a room per
 *   `key` (session id); an unknown or ended session is refused; every message a client has not
 *   acknowledged with `messageReceived` is sent again when it connects (the replay after a reconnect).
 *
 * It plays TWIN's echo bot (the seed's example: it repeats; "стоп"/"stop" ends the session with a
 * TERMINAL message) and operators (help, join, say with files, type, end), expires sessions, drops
 * sockets, and fails on demand (500, a timeout, a refused connection).
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';

export interface EmuAttachment {
  id: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

export interface EmuMessage {
  id: string;
  authorType: 'bot' | 'operator' | 'client';
  authorName?: string;
  type: 'REGULAR' | 'HELP' | 'TERMINAL';
  body: string;
  answers: string[];
  attachments: string[];
  createdAt: string;
  replyToMessageId?: string;
  /** Operator assignment (a payload without a body). */
  operatorId?: string;
  operatorName?: string;
}

export interface EmuSession {
  id: string;
  chatId: string;
  name: string;
  clientExternalId?: string;
  clientMetadata?: Record<string, unknown>;
  startedAt: number;
  ttl: number;
  ended: boolean;
  /** Everything said in the session, in order (the client's messages too). */
  messages: EmuMessage[];
  /** Messages sent over the socket and not yet acknowledged. */
  unacked: Set<string>;
}

export interface TwinEmulatorOptions {
  chatId: string;
  ttlSeconds?: number;
  /** The bot greets with a picture too (as the seed's screenshot shows). */
  greetingPicture?: boolean;
  /** The bot echoes the client (the seed's example program). */
  echo?: boolean;
}

export class TwinEmulator {
  readonly http: HttpServer;
  readonly io: Server;
  readonly sessions = new Map<string, EmuSession>();
  readonly files = new Map<string, EmuAttachment>();
  /** Every messageReceived acknowledgement, in order. */
  readonly acks: { sessionId: string; messageId: string; payload: unknown }[] = [];
  /** Requests seen, for assertions (method, path, status). */
  readonly requests: { method: string; path: string; status: number }[] = [];
  /** Socket handshakes: the session key and the Engine.IO version the client spoke. */
  readonly handshakes: { key: string; eio: string }[] = [];
  private failures: ('500' | 'timeout')[] = [];
  private refusing = false;
  private readonly conns = new Set<NetSocket>();
  baseUrl = '';

  constructor(private readonly opts: TwinEmulatorOptions) {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.on('connection', (c) => {
      this.conns.add(c);
      c.on('close', () => this.conns.delete(c));
    });
    this.io = new Server(this.http, { path: '/operator/socket.io', allowEIO3: true, cors: { origin: '*' } });
    this.io.use((socket, next) => {
      const key = String(socket.handshake.query.key ?? '');
      const s = this.sessions.get(key);
      if (!s) return next(new Error('404 session not found'));
      if (s.ended || this.expired(s)) return next(new Error('410 session gone'));
      next();
    });
    this.io.on('connection', (socket) => {
      const key = String(socket.handshake.query.key);
      this.handshakes.push({ key, eio: String(socket.handshake.query.EIO ?? '') });
      void socket.join(key);
      socket.on('messageReceived', (payload: { action?: string; data?: { id?: string } }) => {
        const id = payload?.data?.id;
        if (payload?.action !== 'chatMessageCreated' || typeof id !== 'string') return;
        this.acks.push({ sessionId: key, messageId: id, payload });
        this.sessions.get(key)?.unacked.delete(id);
      });
      // The replay: what this session's client has not acknowledged yet.
      const s = this.sessions.get(key)!;
      for (const m of s.messages)
        if (s.unacked.has(m.id)) socket.emit('chatMessageCreatedEmit', this.wire(s, m));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      void this.io.close(() => resolve());
      for (const c of this.conns) c.destroy();
    });
  }

  /** The next requests fail: '500' answers 500, 'timeout' never answers. */
  failNext(...kinds: ('500' | 'timeout')[]): void {
    this.failures.push(...kinds);
  }

  /** Refuses every connection (the platform is down) until called with false; drops the open ones. */
  refuse(on: boolean): void {
    this.refusing = on;
    if (on) {
      this.dropSockets();
      for (const c of this.conns) c.destroy();
    }
  }

  /** Drops every socket's connection, as a network failure does (the clients reconnect). */
  dropSockets(): void {
    for (const s of this.io.sockets.sockets.values()) s.conn.close();
  }

  /** Disconnects every socket on purpose (socket.io clients then stay away unless they reconnect themselves). */
  kickSockets(): void {
    for (const s of this.io.sockets.sockets.values()) s.disconnect(true);
  }

  /** Connected sockets of a session. */
  async socketsOf(sessionId: string): Promise<number> {
    return (await this.io.in(sessionId).fetchSockets()).length;
  }

  session(id?: string): EmuSession {
    const s = id ? this.sessions.get(id) : [...this.sessions.values()].at(-1);
    if (!s) throw new Error('no such session');
    return s;
  }

  ackCount(messageId: string): number {
    return this.acks.filter((a) => a.messageId === messageId).length;
  }

  /** Messages sent to clients over the socket (not the client's own echoes). */
  sent(s: EmuSession): EmuMessage[] {
    return s.messages.filter((m) => m.authorType !== 'client' && !m.id.startsWith('greet-'));
  }

  // --- operators -------------------------------------------------------------------------------

  say(
    sessionId: string,
    body: string,
    opts: Partial<Pick<EmuMessage, 'type' | 'answers' | 'replyToMessageId' | 'authorType' | 'authorName'>> & {
      files?: { name: string; contentType: string; bytes: Buffer }[];
    } = {},
  ): EmuMessage {
    const s = this.session(sessionId);
    const attachments = (opts.files ?? []).map((f) => {
      const id = randomUUID();
      this.files.set(id, { id, ...f });
      return id;
    });
    const m: EmuMessage = {
      id: randomUUID(),
      authorType: opts.authorType ?? 'operator',
      authorName: opts.authorName ?? (opts.authorType === 'bot' ? 'TWIN bot' : 'Irina'),
      type: opts.type ?? 'REGULAR',
      body,
      answers: opts.answers ?? [],
      attachments,
      createdAt: new Date().toISOString(),
      replyToMessageId: opts.replyToMessageId,
    };
    this.push(s, m);
    if (m.type === 'TERMINAL') s.ended = true;
    return m;
  }

  help(sessionId: string): EmuMessage {
    return this.say(sessionId, 'Connecting you with an operator', { type: 'HELP', authorType: 'bot' });
  }

  assign(sessionId: string, operatorName = 'Irina'): EmuMessage {
    const s = this.session(sessionId);
    const m: EmuMessage = {
      id: randomUUID(),
      authorType: 'operator',
      type: 'REGULAR',
      body: '',
      answers: [],
      attachments: [],
      createdAt: new Date().toISOString(),
      operatorId: randomUUID(),
      operatorName,
    };
    this.push(s, m);
    return m;
  }

  /** Sends a message of the session again (a duplicate delivery). */
  resend(sessionId: string, messageId: string): void {
    const s = this.session(sessionId);
    const m = s.messages.find((x) => x.id === messageId);
    if (m) this.io.to(s.id).emit('chatMessageCreatedEmit', this.wire(s, m));
  }

  typing(sessionId: string): void {
    this.io.to(sessionId).emit('showTypingIndicatorEmit', { authorType: 'operator' });
  }

  /** The session's ttl runs out now: it refuses messages and sockets from here on. */
  expire(sessionId: string): void {
    this.session(sessionId).ttl = 0;
    void this.io
      .in(sessionId)
      .fetchSockets()
      .then((list) => list.forEach((s) => s.disconnect(true)));
  }

  private expired(s: EmuSession): boolean {
    return Date.now() >= s.startedAt + s.ttl * 1000;
  }

  private push(s: EmuSession, m: EmuMessage): void {
    s.messages.push(m);
    s.unacked.add(m.id);
    this.io.to(s.id).emit('chatMessageCreatedEmit', this.wire(s, m));
  }

  private attachmentOf(id: string, spelling: 'sugestedExtension' | 'suggestedExtension') {
    const f = this.files.get(id)!;
    const ext = f.name.includes('.') ? f.name.split('.').pop()! : '';
    return {
      id,
      isPrivate: true,
      createdAt: new Date().toISOString(),
      contentType: f.contentType,
      name: f.name,
      baseName: f.name.replace(/\.[^.]*$/, ''),
      extension: ext,
      [spelling]: ext,
      path: '',
      size: f.bytes.length,
      url: `${this.baseUrl}/files/${id}`,
      downloadLink: `${this.baseUrl}/files/${id}`,
      ownerId: null,
    };
  }

  private wire(s: EmuSession, m: EmuMessage): Record<string, unknown> {
    if (m.operatorName)
      return {
        id: m.id,
        operatorId: m.operatorId,
        operatorName: m.operatorName,
        avatar: null,
        previousOperatorId: null,
        previousOperatorName: null,
        previousOperatorAvatar: null,
      };
    return {
      id: m.id,
      authorId: m.authorType === 'client' ? s.id : randomUUID(),
      authorType: m.authorType,
      authorName: m.authorName ?? '',
      type: m.type,
      body: m.body,
      answers: m.answers,
      createdAt: m.createdAt,
      sessionId: s.id,
      attachments: m.attachments.map((a) => this.attachmentOf(a, 'suggestedExtension')),
      actions: null,
      avatar: null,
      ...(m.replyToMessageId ? { replyToMessageId: m.replyToMessageId } : {}),
    };
  }

  // --- HTTP ------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/operator/socket.io')) return; // socket.io's own
    const send = (status: number, json: unknown) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (this.refusing) {
      req.socket.destroy();
      return;
    }
    const fail = this.failures.shift();
    if (fail === 'timeout') return; // never answers
    if (fail === '500') return send(500, { message: 'Internal Server Error' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);

    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = /^\/files\/([\w-]+)$/.exec(url.pathname))) {
      const f = this.files.get(m[1]!);
      if (!f) return send(404, { message: 'Not found' });
      res.writeHead(200, { 'content-type': f.contentType, 'content-length': f.bytes.length });
      res.end(f.bytes);
      return;
    }
    if (req.method !== 'POST') return send(405, { message: 'Method not allowed' });

    if ((m = /^\/api\/chats\/v1\/chats\/([^/]+)\/sessions$/.exec(url.pathname))) {
      if (url.searchParams.get('x_widget') !== '1') return send(401, { message: 'Unauthorized' });
      if (decodeURIComponent(m[1]!) !== this.opts.chatId) return send(404, { message: 'Chat not found' });
      const body = parseJson(raw, req.headers['content-type']);
      if (!body || typeof body.name !== 'string' || !body.name.trim())
        return send(422, { message: 'name: This value should not be blank.' });
      if (body.clientExternalId !== undefined && typeof body.clientExternalId !== 'string')
        return send(422, { message: 'clientExternalId: This value should be of type string.' });
      if (
        body.clientMetadata !== undefined &&
        (typeof body.clientMetadata !== 'object' || Array.isArray(body.clientMetadata))
      )
        return send(422, { message: 'clientMetadata: This value should be of type object.' });
      const s: EmuSession = {
        id: randomUUID(),
        chatId: this.opts.chatId,
        name: body.name,
        clientExternalId: body.clientExternalId as string | undefined,
        clientMetadata: body.clientMetadata as Record<string, unknown> | undefined,
        startedAt: Date.now(),
        ttl: this.opts.ttlSeconds ?? 3600,
        ended: false,
        messages: [],
        unacked: new Set(),
      };
      this.sessions.set(s.id, s);
      const greeting: EmuMessage = {
        id: `greet-${randomUUID()}`,
        authorType: 'bot',
        type: 'REGULAR',
        body: 'Hello! I am the echo bot. Write "стоп" to finish.',
        answers: ['Order status', 'Talk to an operator'],
        attachments: [],
        createdAt: new Date().toISOString(),
      };
      if (this.opts.greetingPicture) {
        const id = randomUUID();
        this.files.set(id, { id, name: 'bot.png', contentType: 'image/png', bytes: PNG });
        greeting.attachments.push(id);
      }
      s.messages.push(greeting);
      return send(201, {
        id: s.id,
        clientId: randomUUID(),
        startedAt: new Date(s.startedAt).toISOString().replace(/\.\d+Z$/, '+00:00'),
        ttl: s.ttl,
        messages: [
          {
            body: greeting.body,
            answers: greeting.answers,
            actions: [],
            attachments: greeting.attachments.map((a) => this.attachmentOf(a, 'sugestedExtension')),
            authorType: 'bot',
          },
        ],
      });
    }

    if ((m = /^\/api\/v1\/sessions\/([^/]+)\/messages$/.exec(url.pathname))) {
      const s = this.sessions.get(decodeURIComponent(m[1]!));
      if (!s) return send(404, { message: 'Session not found' });
      if (s.ended || this.expired(s)) return send(410, { message: 'Session is closed' });
      const body = parseJson(raw, req.headers['content-type']);
      if (!body || typeof body.body !== 'string')
        return send(422, { message: 'body: This value should be of type string.' });
      const att = body.attachments ?? [];
      if (!Array.isArray(att) || att.some((a) => typeof a !== 'string' || !this.files.has(a)))
        return send(422, { message: 'attachments: unknown file id' });
      if (body.replyToMessageId !== undefined && !s.messages.some((x) => x.id === body.replyToMessageId))
        return send(422, { message: 'replyToMessageId: unknown message' });
      if (!body.body && att.length === 0)
        return send(422, { message: 'body: This value should not be blank.' });
      const mine: EmuMessage = {
        id: randomUUID(),
        authorType: 'client',
        type: 'REGULAR',
        body: body.body,
        answers: [],
        attachments: att as string[],
        createdAt: new Date().toISOString(),
        replyToMessageId: body.replyToMessageId as string | undefined,
      };
      // The client's own message comes back over the socket too (it must acknowledge it as well).
      this.push(s, mine);
      send(201, { id: mine.id, createdAt: mine.createdAt.replace(/\.\d+Z$/, '+00:00') });
      if (this.opts.echo !== false && mine.body) {
        setTimeout(() => {
          if (s.ended) return;
          const stop = /^(стоп|stop)$/i.test(mine.body.trim());
          this.say(s.id, stop ? 'Bye! The chat is over.' : mine.body, {
            authorType: 'bot',
            type: stop ? 'TERMINAL' : 'REGULAR',
          });
        }, 50);
      }
      return;
    }

    if (url.pathname === '/api/chats/v1/files') {
      if (url.searchParams.get('x_widget') !== '1') return send(401, { message: 'Unauthorized' });
      const type = req.headers['content-type'] ?? '';
      if (!type.startsWith('multipart/form-data'))
        return send(400, { message: 'Expected multipart/form-data' });
      let form: FormData;
      try {
        form = await new Request('http://x/', {
          method: 'POST',
          headers: { 'content-type': type },
          body: raw,
        }).formData();
      } catch {
        return send(400, { message: 'Malformed multipart body' });
      }
      const files = form.getAll('file[]').flatMap((f) => (typeof f === 'string' ? [] : [f]));
      if (files.length === 0) return send(422, { message: 'file[]: This value should not be blank.' });
      const out = [];
      for (const f of files) {
        const id = randomUUID();
        this.files.set(id, {
          id,
          name: f.name,
          contentType: f.type || 'application/octet-stream',
          bytes: Buffer.from(await f.arrayBuffer()),
        });
        out.push(this.attachmentOf(id, 'suggestedExtension'));
      }
      return send(201, out);
    }
    return send(404, { message: 'Not found' });
  }
}

function parseJson(raw: Buffer, type: string | undefined): Record<string, unknown> | null {
  if (!type?.startsWith('application/json')) return null;
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
