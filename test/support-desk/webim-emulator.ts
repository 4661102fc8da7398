/**
 * A local Webim Custom Channel for the tests (HTTP on loopback). It takes visitor messages the way
 * webim-wire.ts sends them and refuses what the mapping would not allow: a wrong or missing token
 * (401), a body that is not the documented JSON (400 with {"error","desc"}). It records what it
 * accepted (a repeated message id is answered ok and counted, not recorded twice), fetches every file
 * URL it is given (proving our signed links work), serves operator files, plays operators through
 * our callback URL (message, file, info, close, a repeat), and fails on demand (500, 429, a 400,
 * a silence longer than our timeout, a refused connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface ReceivedMessage {
  chatId: string;
  visitorId: string;
  fields: Record<string, unknown>;
  id: string;
  kind: 'visitor' | 'file_visitor';
  text?: string;
  data?: { url: string; name: string; media_type: string; size?: number };
}

export interface FetchedFile {
  messageId: string;
  status: number;
  bytes: number;
  contentType?: string;
}

export type Failure =
  { status: 500 | 429 | 400 | 503; retryAfter?: number } | { silence: true } | { refuse: true };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class WebimEmulator {
  readonly received: ReceivedMessage[] = [];
  readonly fetched: FetchedFile[] = [];
  /** Every POST that reached the API, accepted or not. */
  attempts = 0;
  duplicates = 0;
  private readonly failures: Failure[] = [];
  private down = false;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private lastCallback?: { body: string };
  private port = 0;

  constructor(private readonly opts: { accessToken: string; callbackSecret: string; callbackUrl?: string }) {}

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/custom-channel/v1/messages`;
  }

  /** Where operator files are served. */
  fileUrl(name: string): string {
    return `http://127.0.0.1:${this.port}/l/download/${randomUUID()}/${encodeURIComponent(name)}`;
  }

  set callbackUrl(url: string) {
    this.opts.callbackUrl = url;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next `times` POSTs fail this way. */
  fail(failure: Failure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(failure);
  }

  /** Until `up()`, every POST is answered 503 (Webim down). */
  goDown(): void {
    this.down = true;
  }

  up(): void {
    this.down = false;
  }

  texts(chatId?: string): string[] {
    return this.received
      .filter((m) => m.kind === 'visitor' && (!chatId || m.chatId === chatId))
      .map((m) => m.text!);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname.startsWith('/l/download/')) {
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(1000, 7));
      return;
    }
    if (req.method !== 'POST' || url.pathname !== new URL(this.apiUrl).pathname) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    this.attempts++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const failure = this.down ? { status: 503 as const } : this.failures.shift();
    if (failure) {
      if ('refuse' in failure) {
        req.socket.destroy();
        return;
      }
      if ('silence' in failure) return; // never answered: the caller's timeout
      res
        .writeHead(failure.status, {
          'content-type': 'application/json',
          ...(failure.retryAfter ? { 'retry-after': String(failure.retryAfter) } : {}),
        })
        .end(
          JSON.stringify({ error: failure.status === 400 ? 'bad_request' : 'unavailable', desc: 'injected' }),
        );
      return;
    }
    const answer = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Token ${this.opts.accessToken}`)
      return void answer(401, { error: 'unauthorized', desc: 'wrong access token' });
    if (!/^application\/json/.test(req.headers['content-type'] ?? ''))
      return void answer(400, { error: 'bad_request', desc: 'expected application/json' });
    let body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      body = JSON.parse(raw) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    } catch {
      return void answer(400, { error: 'bad_request', desc: 'invalid JSON' });
    }
    const problem = this.check(body);
    if (problem) return void answer(400, { error: 'bad_request', desc: problem });
    const m = body.message as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (this.received.some((r) => r.id === m.id)) {
      this.duplicates++;
      return void answer(200, { result: 'ok' });
    }
    const msg: ReceivedMessage = {
      chatId: body.chat.id,
      visitorId: body.visitor.id,
      fields: body.visitor.fields,
      id: m.id,
      kind: m.kind,
      ...(m.kind === 'visitor' ? { text: m.text } : { data: m.data }),
    };
    if (msg.data) {
      // Webim fetches the file from the URL it was given.
      try {
        const file = await fetch(msg.data.url);
        const bytes = (await file.arrayBuffer()).byteLength;
        this.fetched.push({
          messageId: msg.id,
          status: file.status,
          bytes,
          contentType: file.headers.get('content-type') ?? undefined,
        });
      } catch {
        this.fetched.push({ messageId: msg.id, status: 0, bytes: 0 });
      }
    }
    this.received.push(msg);
    answer(200, { result: 'ok' });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private check(b: Record<string, any>): string | undefined {
    if (b.event !== 'new_message') return 'event must be new_message';
    if (typeof b.chat?.id !== 'string' || !b.chat.id) return 'chat.id is required';
    if (b.visitor?.id !== b.chat.id) return 'visitor.id must be the chat id';
    if (typeof b.visitor?.fields?.display_name !== 'string') return 'visitor.fields.display_name is required';
    const m = b.message;
    if (!m || typeof m.id !== 'string' || !UUID.test(m.id)) return 'message.id must be a UUID';
    if (m.kind === 'visitor') {
      if (typeof m.text !== 'string' || !m.text) return 'message.text is required';
      if (m.text.length > 4096 * 4) return 'message.text too long';
      return undefined;
    }
    if (m.kind === 'file_visitor') {
      const d = m.data;
      if (!d || typeof d.url !== 'string' || !/^https?:\/\//.test(d.url))
        return 'message.data.url is required';
      if (typeof d.name !== 'string' || typeof d.media_type !== 'string')
        return 'message.data.name and media_type are required';
      return undefined;
    }
    return `message.kind ${String(m.kind)} is not accepted from a visitor`;
  }

  // --- operators --------------------------------------------------------------------------------

  /** POSTs a raw callback (tests of forged and broken ones); returns the answer. */
  async callback(
    body: unknown,
    opts: { secret?: string | null; url?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const secret = opts.secret === undefined ? this.opts.callbackSecret : opts.secret;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (opts.secret === undefined && !opts.url) this.lastCallback = { body: text };
    const res = await fetch(opts.url ?? this.opts.callbackUrl!, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(secret !== null ? { Authorization: `Token ${secret}` } : {}),
      },
      body: text,
    });
    return { status: res.status, body: await res.text() };
  }

  /** An operator's text. */
  say(chatId: string, text: string, operator = { id: 42, name: 'Olga K' }) {
    return this.callback({
      event: 'new_message',
      chat: { id: chatId },
      message: { id: randomUUID(), kind: 'operator', text, operator },
    });
  }

  /** An operator's file (served by this emulator). */
  sendFile(chatId: string, name = 'label.png', size = 1000, mediaType = 'image/png') {
    return this.callback({
      event: 'new_message',
      chat: { id: chatId },
      message: {
        id: randomUUID(),
        kind: 'file_operator',
        data: { url: this.fileUrl(name), name, media_type: mediaType, size },
        operator: { id: 42, name: 'Olga K' },
      },
    });
  }

  /** A service message (Webim's own line in the chat). */
  info(chatId: string, text: string, kind = 'info') {
    return this.callback({
      event: 'new_message',
      chat: { id: chatId },
      message: { id: randomUUID(), kind, text },
    });
  }

  close(chatId: string) {
    return this.callback({ event: 'chat_closed', chat: { id: chatId } });
  }

  /** Sends the last callback again, as a platform retrying after a lost answer would. */
  repeat() {
    return this.callback(this.lastCallback!.body);
  }
}
