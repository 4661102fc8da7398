/**
 * A local Planfix chat API ("API ПланФикса для чатов") as documented: POST /webchat/api takes
 * form-urlencoded commands (newMessage, getTask, getContact, updateContact, messageStatus) with
 * `planfix_token`, repeated attachments[name]/attachments[url] keys, answers JSON, 401
 * {"error":"Invalid token"} and 400 {"error":"Invalid parameters"} exactly as Planfix does; numbers
 * tasks and contacts on a chat's first message; records every command. It plays operators: replies
 * (with attachments, served by the emulator itself), first messages by phone, repeated deliveries;
 * and fails on demand (500, a timeout, a refused connection).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Integration {
  providerId: string;
  planfixToken: string;
  /** Our URL, entered in the integration dialog. */
  url: string;
  /** Our token, entered in the integration dialog: sent back to us as `token`. */
  token: string;
}

export interface Command {
  cmd: string;
  fields: Record<string, string>;
  attachments: { name: string; url: string }[];
  status: number;
}

export interface TaskView {
  providerId: string;
  chatId: string;
  number: number;
  title?: string;
  contactId: string;
  messages: { message: string; isEcho: boolean; attachments: { name: string; url: string }[] }[];
}

export type Failure = { status: number } | { timeout: true } | { refuse: true };

const REQUIRED: Record<string, string[]> = {
  newMessage: ['chatId', 'message', 'contactId', 'contactName'],
  getTask: ['chatId'],
  getContact: ['contactId'],
  updateContact: ['contactId', 'contactName'],
  messageStatus: ['messageId', 'messageStatus'],
};

export class PlanfixEmulator {
  private server?: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  readonly commands: Command[] = [];
  readonly tasks = new Map<string, TaskView>();
  readonly contacts = new Map<string, { number: number; name: string; lastName?: string; data?: string }>();
  readonly statuses = new Map<string, { status: string; text?: string }[]>();
  /** What the attachment links we were given answered when fetched (status, bytes). */
  readonly fetched: { url: string; status: number; bytes: number }[] = [];
  private failure?: Failure;
  private seq = 0;

  constructor(private readonly integrations: Integration[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/webchat/api`;
  }

  /** A file the emulator serves for operators' attachments. */
  fileUrl(name: string): string {
    return `http://127.0.0.1:${this.port}/files/${encodeURIComponent(name)}`;
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

  /** Every command from now on fails this way, until heal(). */
  fail(failure: Failure): void {
    this.failure = failure;
  }

  heal(): void {
    this.failure = undefined;
  }

  task(providerId: string, chatId: string): TaskView | undefined {
    return this.tasks.get(`${providerId}~${chatId}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
      const png = /\.png$/i.test(url.pathname);
      res
        .writeHead(200, { 'content-type': png ? 'image/png' : 'application/pdf' })
        .end(Buffer.alloc(2048, 7));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.failure && 'refuse' in this.failure) {
      req.socket.destroy();
      return;
    }
    if (this.failure && 'timeout' in this.failure) return; // never answers
    if (req.method !== 'POST' || url.pathname !== '/webchat/api') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const fields: Record<string, string> = {};
    for (const [k, v] of form) if (!k.startsWith('attachments[')) fields[k] = v;
    const names = form.getAll('attachments[name]');
    const urls = form.getAll('attachments[url]');
    const attachments = names.map((name, i) => ({ name, url: urls[i] ?? '' }));
    const answer = (status: number, json?: unknown) => {
      this.commands.push({ cmd: fields.cmd ?? '', fields, attachments, status });
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(json === undefined ? '' : JSON.stringify(json));
    };
    if (this.failure && 'status' in this.failure)
      return answer(this.failure.status, { error: 'Internal error' });
    const integration = this.integrations.find((i) => i.providerId === fields.providerId);
    if (!integration || fields.planfix_token !== integration.planfixToken)
      return answer(401, { error: 'Invalid token' });
    const required = REQUIRED[fields.cmd ?? ''];
    if (!required || required.some((k) => fields[k] === undefined) || names.length !== urls.length)
      return answer(400, { error: 'Invalid parameters' });
    const key = `${fields.providerId}~${fields.chatId}`;
    switch (fields.cmd) {
      case 'newMessage': {
        let task = this.tasks.get(key);
        if (!task) {
          task = {
            providerId: fields.providerId!,
            chatId: fields.chatId!,
            number: 1000 + ++this.seq,
            title: fields.title,
            contactId: fields.contactId!,
            messages: [],
          };
          this.tasks.set(key, task);
        }
        if (!this.contacts.has(`${fields.providerId}~${fields.contactId}`))
          this.contacts.set(`${fields.providerId}~${fields.contactId}`, {
            number: 2000 + ++this.seq,
            name: fields.contactName!,
            lastName: fields.contactLastName,
            data: fields.contactData,
          });
        // Planfix copies the files before the message shows in the task.
        for (const a of attachments) {
          const got = await fetch(a.url).catch(() => null);
          const bytes = got?.ok ? (await got.arrayBuffer()).byteLength : 0;
          this.fetched.push({ url: a.url, status: got?.status ?? 0, bytes });
        }
        task.messages.push({ message: fields.message!, isEcho: fields.isEcho === 'true', attachments });
        return answer(200);
      }
      case 'getTask': {
        const task = this.tasks.get(key);
        return task
          ? answer(200, { data: { number: task.number } })
          : answer(400, { error: 'task not found' });
      }
      case 'getContact': {
        const c = this.contacts.get(`${fields.providerId}~${fields.contactId}`);
        return c ? answer(200, { data: { number: c.number } }) : answer(400, { error: 'unknown contact' });
      }
      case 'updateContact': {
        const k = `${fields.providerId}~${fields.contactId}`;
        const c = this.contacts.get(k);
        if (!c) return answer(400, { error: 'unknown contact' });
        this.contacts.set(k, {
          ...c,
          name: fields.contactName!,
          lastName: fields.contactLastName,
          data: fields.contactData,
        });
        return answer(200);
      }
      case 'messageStatus': {
        const list = this.statuses.get(fields.messageId!) ?? [];
        list.push({ status: fields.messageStatus!, text: fields.messageStatusText });
        this.statuses.set(fields.messageId!, list);
        return answer(200);
      }
      default:
        return answer(400, { error: 'Invalid parameters' });
    }
  }

  // --- operators ---------------------------------------------------------------------------------

  /** POSTs a form to our side as Planfix would; returns what we answered. */
  async post(
    integration: Integration,
    fields: Record<string, string | undefined>,
    attachments: { name: string; url: string }[] = [],
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.append(k, v);
    for (const a of attachments) {
      body.append('attachments[name]', a.name);
      body.append('attachments[url]', a.url);
    }
    const res = await fetch(integration.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  private operatorFields(integration: Integration, messageId: string): Record<string, string> {
    return {
      cmd: 'newMessage',
      providerId: integration.providerId,
      token: integration.token,
      messageId,
      userName: 'Olga',
      userLastName: 'K',
      userIco: `http://127.0.0.1:${this.port}/?action=getuserpic&id=1`,
      taskEmail: 'task+1001@example.planfix.com',
    };
  }

  /** An operator's reply in the task of `chatId` (messageId: a new one unless given, to repeat a delivery). */
  reply(
    integration: Integration,
    chatId: string,
    message: string,
    opts: { attachments?: string[]; messageId?: string; token?: string } = {},
  ): Promise<{ status: number; json: Record<string, unknown>; messageId: string }> {
    const messageId = opts.messageId ?? String(50_000_000 + ++this.seq);
    return this.post(
      integration,
      {
        ...this.operatorFields(integration, messageId),
        ...(opts.token !== undefined ? { token: opts.token } : {}),
        chatId,
        message,
        channel: 'market_bot',
      },
      (opts.attachments ?? []).map((name) => ({ name, url: this.fileUrl(name) })),
    ).then((r) => ({ ...r, messageId }));
  }

  /** "Написать" on a contact with a phone: a first message without chatId. */
  firstMessage(
    integration: Integration,
    contactPhone: string,
    message: string,
  ): Promise<{ status: number; json: Record<string, unknown>; messageId: string }> {
    const messageId = String(50_000_000 + ++this.seq);
    return this.post(integration, {
      ...this.operatorFields(integration, messageId),
      contactPhone,
      message,
    }).then((r) => ({ ...r, messageId }));
  }
}
