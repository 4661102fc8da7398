/**
 * The Planfix channel (kind 'planfix'): operators answer in Planfix tasks through Planfix's chat API
 * ("API ПланФикса для чатов"). Both ways are form-urlencoded POSTs with JSON answers.
 *
 * - To Planfix (`planfixUrl`, authenticated by `planfix_token`): `newMessage` for every seller message
 *   (files as repeated attachments[name]/attachments[url] pairs with our signed links), with
 *   `isEcho=true` for the bot's own lines (greeting, off-hours notice); `title` on the first message a
 *   conversation sends, so the task Planfix creates is named after the seller; `updateContact` when a
 *   reopened conversation finds the seller's name, username or shops changed; `getTask` after the first
 *   message, so the panel shows the task number; `messageStatus` (sent / error) for each operator
 *   message once Telegram took or refused it.
 * - From Planfix (POST <inbound path>[/<channel name>], authenticated by `token`, compared in constant
 *   time): `newMessage` in a known chat, or a first message by phone number (a seller who shared that
 *   number). Answers exactly as documented: 401 {"error":"Invalid token"}, 400 {"error":"Invalid
 *   parameters"}, 400 {"error":"unknown contact"}, 200 {"chatId","contactId"}.
 * - chatId = contactId = the seller's Telegram id: stable per seller, and per channel since each
 *   channel has its own providerId. A Planfix task is one per chat, so a conversation ended and
 *   begun again continues the same task (reopens).
 * - Planfix down, 429, 5xx, a timeout, a wrong planfix_token: 'retry' (the outbox waits and tries
 *   again); a 400 on a message: 'reject' (the seller is told).
 *
 * No message text is kept or logged: only ids, sizes, statuses.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Telegram } from 'telegraf';
import {
  ChannelError,
  type Capabilities,
  type ChannelFactory,
  type ChannelRuntime,
  type ConversationRef,
  type DeliveryOutcome,
  type EchoMessage,
  type InboundRequest,
  type InboundResponse,
  type SellerCard,
  type SellerMessage,
  type StartCheck,
  type SupportChannel,
} from '../channel.js';

/** The path Planfix calls us on: POST /planfix-callback (the default channel) or /planfix-callback/<name>. */
export const PLANFIX_INBOUND_PATH = '/planfix-callback';
/** How long a call to Planfix may take. */
const TIMEOUT_MS = 10_000;
/** Planfix's task title is short; a seller's name and shops fit. */
const MAX_TITLE = 200;

export interface PlanfixSettings {
  planfixUrl: string;
  planfixToken: string;
  providerId: string;
  token: string;
  channel?: string;
}

/** The channel's settings, or a sentence saying what is wrong with them. */
export function parsePlanfixSettings(raw: Record<string, unknown>): PlanfixSettings | string {
  const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string).trim() : '');
  const planfixUrl = str('planfixUrl');
  let url: URL | undefined;
  try {
    url = new URL(planfixUrl);
  } catch {
    url = undefined;
  }
  if (!url || !['https:', 'http:'].includes(url.protocol))
    return 'planfixUrl must be the chat API URL Planfix shows in the integration, like https://<account>.planfix.com/webchat/api';
  const planfixToken = str('planfixToken');
  if (!planfixToken) return "planfixToken must be Planfix's token from the integration dialog";
  const providerId = str('providerId');
  if (!providerId || providerId.includes('~') || providerId.length > 100)
    return 'providerId must be a name for this chat (up to 100 characters, no "~"), the same as in Planfix';
  const token = str('token');
  if (token.length < 16)
    return 'token must be at least 16 characters: Planfix sends it back with every message (enter it in the integration dialog)';
  const channel = str('channel') || undefined;
  return { planfixUrl, planfixToken, providerId, token, channel };
}

/** A phone number as digits only, international form without "+" (what Planfix and the seed use). */
export function normalisePhone(raw: string): string {
  return raw.replace(/\D/g, '');
}

/** The task title: "<seller> · <shops>". */
export function planfixTitle(seller: SellerCard): string {
  const name =
    [seller.firstName, seller.lastName].filter(Boolean).join(' ').trim() || String(seller.telegramId);
  return [name, seller.shops.join(', ')].filter(Boolean).join(' · ').slice(0, MAX_TITLE);
}

/** What the conversation's state keeps for the contact fields Planfix wants with every message. */
interface ContactState {
  contactName: string;
  contactLastName?: string;
  contactPhone?: string;
  contactData: string;
  telegramUserName?: string;
  title: string;
}

function contactOf(seller: SellerCard): ContactState {
  const shops = seller.shops.length ? seller.shops.join(', ') : '—';
  return {
    contactName: seller.firstName || String(seller.telegramId),
    contactLastName: seller.lastName,
    contactPhone: seller.phone ? normalisePhone(seller.phone) : undefined,
    contactData: `Role: ${seller.role}; Shops: ${shops}; Subscription: ${seller.subscription}`,
    telegramUserName: seller.username,
    title: planfixTitle(seller),
  };
}

type Fields = [string, string | undefined][];

/** Compares tokens in constant time, their lengths included (both are hashed first). */
function sameToken(given: string, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

class PlanfixChannel implements SupportChannel {
  readonly kind = 'planfix' as const;
  readonly capabilities: Capabilities = {
    files: 'url',
    edits: false,
    reopens: true,
    echoes: true,
  };
  private settings!: PlanfixSettings;
  private channelName = '';

  constructor(
    private readonly runtime: ChannelRuntime,
    private readonly telegram: Telegram,
  ) {}

  async start(): Promise<StartCheck> {
    const parsed = parsePlanfixSettings(this.runtime.settings);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    this.settings = parsed;
    if (parsed.channel) this.channelName = parsed.channel;
    else {
      try {
        this.channelName = (await this.telegram.getMe()).username;
      } catch (err) {
        return {
          ok: false,
          reason: `Telegram did not answer getMe: ${(err as Error).message.slice(0, 200)}`,
        };
      }
    }
    // Planfix has no "ping": asking for an unknown contact proves the URL and the token.
    const answer = await this.call([
      ['cmd', 'getContact'],
      ['contactId', '0'],
    ]).catch((err: unknown) => err as Error);
    if (answer instanceof Error)
      return { ok: false, reason: `Planfix did not answer at planfixUrl: ${answer.message}` };
    if (answer.status === 401)
      return { ok: false, reason: 'Planfix refused planfixToken (401 Invalid token)' };
    if (answer.status === 404)
      return {
        ok: false,
        reason: 'planfixUrl answered 404: check the chat API URL from the integration dialog',
      };
    if (answer.status >= 500) return { ok: false, reason: `Planfix answered ${answer.status}` };
    return { ok: true };
  }

  async stop(): Promise<void> {
    // Nothing to close: Planfix calls us over HTTP, and the core stops routing to a stopped channel.
  }

  /** One command to Planfix: the status and the JSON answer (throws only when Planfix can't be reached). */
  private async call(
    fields: Fields,
  ): Promise<{ status: number; json: Record<string, unknown>; retryAfter?: number }> {
    const body = new URLSearchParams();
    const [cmd, ...rest] = fields;
    body.append(cmd![0], cmd![1]!);
    body.append('providerId', this.settings.providerId);
    body.append('planfix_token', this.settings.planfixToken);
    for (const [k, v] of rest) if (v !== undefined) body.append(k, v);
    let res: Response;
    try {
      res = await fetch(this.settings.planfixUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new Error(e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message).slice(0, 200), {
        cause: err,
      });
    }
    const text = await res.text().catch(() => '');
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
    } catch {
      json = {};
    }
    const ra = Number(res.headers.get('retry-after'));
    if (res.status >= 400)
      this.runtime.log.warn(
        { cmd: cmd![1], status: res.status, body: text.slice(0, 200) },
        'planfix refused a command',
      );
    return { status: res.status, json, retryAfter: Number.isFinite(ra) && ra > 0 ? ra : undefined };
  }

  /** A command whose failure the outbox handles: 2xx passes, 400 rejects (when `rejectable`), the rest retries. */
  private async command(fields: Fields, rejectable: boolean): Promise<Record<string, unknown>> {
    const cmd = fields[0]![1];
    let answer;
    try {
      answer = await this.call(fields);
    } catch (err) {
      throw new ChannelError(`planfix ${cmd}: ${(err as Error).message}`, 'retry');
    }
    if (answer.status >= 200 && answer.status < 300) return answer.json;
    const error = typeof answer.json.error === 'string' ? answer.json.error.slice(0, 100) : '';
    const what = `planfix ${cmd}: ${answer.status}${error ? ` ${error}` : ''}`;
    if (answer.status === 400 && rejectable) throw new ChannelError(what, 'reject');
    throw new ChannelError(what, 'retry', answer.retryAfter);
  }

  private contactFields(conversation: ConversationRef): Fields {
    const c = (conversation.state?.contact ?? {}) as Partial<ContactState>;
    return [
      ['chatId', conversation.externalId],
      ['contactId', conversation.externalId],
      ['contactName', c.contactName ?? conversation.externalId],
      ['contactLastName', c.contactLastName],
      ['contactPhone', c.contactPhone],
      ['contactData', c.contactData],
      ['channel', this.channelName],
      ['telegramUserName', c.telegramUserName ?? ''],
      ['telegramUserId', conversation.externalId],
    ];
  }

  /**
   * newMessage. Until the task's number is known (the conversation's first message, or the first after
   * a reopen) the message carries the title, and getTask then reads the number for the panel.
   */
  private async newMessage(
    conversation: ConversationRef,
    message: string,
    extra: Fields,
    rejectable = true,
  ): Promise<void> {
    const first = conversation.state?.reference === undefined;
    const title = first
      ? (conversation.state?.contact as Partial<ContactState> | undefined)?.title
      : undefined;
    await this.command(
      [
        ['cmd', 'newMessage'],
        ...this.contactFields(conversation),
        ['message', message],
        ['title', title],
        ...extra,
      ],
      rejectable,
    );
    if (!first) return;
    try {
      const task = await this.command(
        [
          ['cmd', 'getTask'],
          ['chatId', conversation.externalId],
        ],
        false,
      );
      const number = (task.data as { number?: unknown } | undefined)?.number;
      if (number !== undefined && this.runtime.setReference)
        await this.runtime.setReference(conversation.id, `Planfix task ${String(number)}`);
    } catch (err) {
      this.runtime.log.warn(
        { conversation: conversation.id, reason: (err as Error).message },
        'planfix task number not read',
      );
    }
  }

  async open(
    seller: SellerCard,
    existing?: ConversationRef,
  ): Promise<{ externalId: string; state?: Record<string, unknown> }> {
    const externalId = existing?.externalId || String(seller.telegramId);
    return { externalId, state: { contact: contactOf(seller) } };
  }

  async send(
    conversation: ConversationRef,
    message: SellerMessage,
  ): Promise<{ externalMessageIds: string[] }> {
    const attachments: Fields = [];
    for (const f of message.files) {
      attachments.push(['attachments[name]', f.name]);
      attachments.push(['attachments[url]', f.url()]);
    }
    const text = message.text ?? (message.files.length ? '' : `[${message.kind}]`);
    await this.newMessage(conversation, text, attachments);
    this.runtime.log.info(
      { conversation: conversation.id, kind: message.kind, files: message.files.length },
      'planfix newMessage sent',
    );
    // Planfix gives no id for an incoming message: the pair is kept by our own message id.
    return { externalMessageIds: message.messageIds.map((id) => `tg-${message.chatId}-${id}`) };
  }

  async notice(conversation: ConversationRef, text: string, echo?: EchoMessage): Promise<void> {
    // The bot's own lines are outgoing messages of the chat (isEcho): the task shows them as ours.
    await this.newMessage(conversation, echo?.text ?? text, [['isEcho', 'true']], false);
  }

  async close(conversation: ConversationRef, by: 'seller' | 'staff'): Promise<void> {
    // The chat API has no "close": the task gets a line saying who ended the conversation.
    const line =
      by === 'seller'
        ? '🔚 The seller ended the conversation.'
        : '🔚 The conversation was closed in the panel.';
    await this.newMessage(conversation, line, [['isEcho', 'true']], false);
  }

  async updateSeller(conversation: ConversationRef, seller: SellerCard): Promise<void> {
    const c = contactOf(seller);
    c.title = (conversation.state?.contact as Partial<ContactState> | undefined)?.title ?? c.title;
    await this.command(
      [
        ['cmd', 'updateContact'],
        ['contactId', conversation.externalId],
        ['contactName', c.contactName],
        ['contactLastName', c.contactLastName],
        ['contactPhone', c.contactPhone],
        ['contactData', c.contactData],
      ],
      false,
    );
    // Later messages carry the new details too.
    if (conversation.state) conversation.state.contact = c;
    await this.runtime.saveState?.(conversation.id, { contact: c });
    this.runtime.log.info({ conversation: conversation.id }, 'planfix updateContact sent');
  }

  async delivered(
    conversation: ConversationRef,
    externalMessageId: string,
    outcome: DeliveryOutcome,
  ): Promise<void> {
    await this.command(
      [
        ['cmd', 'messageStatus'],
        ['messageId', externalMessageId],
        ['messageStatus', outcome.status],
        ['messageStatusText', outcome.status === 'error' ? outcome.reason : undefined],
      ],
      false,
    );
    this.runtime.log.info(
      { conversation: conversation.id, messageId: externalMessageId, status: outcome.status },
      'planfix messageStatus sent',
    );
  }

  async inbound(request: InboundRequest): Promise<InboundResponse> {
    const invalid = { status: 400, json: { error: 'Invalid parameters' } };
    if (request.method !== 'POST' || request.path !== '') return invalid;
    const form = new URLSearchParams(request.body.toString('utf8'));
    const token = form.get('token') ?? '';
    if (!sameToken(token, this.settings.token)) return { status: 401, json: { error: 'Invalid token' } };
    const cmd = form.get('cmd');
    const messageId = form.get('messageId')?.trim();
    const providerId = form.get('providerId');
    const message = form.get('message') ?? '';
    const names = form.getAll('attachments[name]');
    const urls = form.getAll('attachments[url]');
    if (
      cmd !== 'newMessage' ||
      !messageId ||
      providerId !== this.settings.providerId ||
      names.length !== urls.length ||
      urls.some((u) => !/^https?:\/\//i.test(u)) ||
      (!message && !urls.length)
    )
      return invalid;
    const chatId = form.get('chatId')?.trim();
    let conversation: ConversationRef | null;
    if (chatId) {
      conversation = await this.runtime.conversationByExternalId(chatId);
      if (!conversation) return invalid;
    } else {
      const phone = normalisePhone(form.get('contactPhone') ?? '');
      if (!phone) return invalid;
      conversation = (await this.runtime.conversationByPhone?.(phone)) ?? null;
      if (!conversation) {
        this.runtime.log.info({ messageId }, 'planfix first message for an unknown phone refused');
        return { status: 400, json: { error: 'unknown contact' } };
      }
    }
    const operatorName = [form.get('userName'), form.get('userLastName')].filter(Boolean).join(' ').trim();
    await this.runtime.emit({
      type: 'operator_message',
      conversation,
      message: {
        externalMessageId: messageId,
        operatorName: operatorName || undefined,
        text: message || undefined,
        attachments: urls.map((url, i) => ({ url, name: names[i] || undefined })),
      },
    });
    this.runtime.log.info(
      { conversation: conversation.id, messageId, attachments: urls.length, byPhone: !chatId },
      'planfix message received',
    );
    return { status: 200, json: { chatId: conversation.externalId, contactId: conversation.externalId } };
  }
}

export const createPlanfixChannel: ChannelFactory = (runtime, telegram) =>
  new PlanfixChannel(runtime, telegram);
