/**
 * The Webim Custom Channel (kind 'webim'): operators answer in Webim; sellers write in Telegram.
 *
 * - Each conversation is a Webim visitor: a random UUID per seller and channel (the conversation's
 *   external id, also the Webim chat id we send), made on the seller's first message and kept when
 *   the conversation is reopened: one Telegram chat, one visitor. Nothing identifying leaves but the
 *   card's name, @username, shops and subscription (the visitor's fields).
 * - Seller messages are POSTed to the channel's apiUrl (webim-wire.ts has the JSON); files go by our
 *   signed, expiring URL, which Webim fetches. 429, 5xx, timeouts and unreachable Webim are retried by
 *   the outbox (same message ids, so a repeat can be told); another 4xx is given up and the seller told.
 * - Webim calls POST /webim-callback/<channel name> (or /webim-callback for the channel named
 *   `webim`) with `Authorization: Token <callbackSecret>`: operator text and files reach the seller,
 *   `chat_closed` closes the conversation, service kinds (info, operator_busy…) are logged only.
 *   The answer is 200 once the event is queued (durably); a repeated message id is delivered once.
 *
 * No message text is kept or logged: ids, kinds, sizes and statuses only.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Services } from '../../services/index.js';
import {
  ChannelError,
  type Capabilities,
  type ChannelFactory,
  type ChannelRuntime,
  type ConversationRef,
  type InboundRequest,
  type InboundResponse,
  type SellerCard,
  type SellerMessage,
  type StartCheck,
  type SupportChannel,
} from '../channel.js';
import {
  callbackAuthorized,
  fileMessage,
  readAnswer,
  readCallback,
  stableMessageId,
  textMessage,
  visitorFields,
  type OutgoingMessage,
  type VisitorFields,
} from './webim-wire.js';

/** The path Webim calls us on (channels/index.ts inboundPaths). */
export const WEBIM_CALLBACK_PATH = '/webim-callback';
/** Telegram fetches a file we send by URL up to this size; larger operator files reach the seller as a link. */
export const MAX_OPERATOR_FILE_BYTES = 20 * 1024 * 1024;
/** Bots download seller files up to this size (getFile): larger ones are refused before they are queued. */
const MAX_SELLER_FILE_BYTES = 20 * 1024 * 1024;

export interface WebimSettings {
  apiUrl: string;
  accessToken: string;
  callbackSecret: string;
  timeoutSeconds: number;
}

const isLoopback = (host: string) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(host);

/** The channel's settings from support_channels.settings, or a sentence saying what is wrong. */
export function parseWebimSettings(raw: Record<string, unknown>): WebimSettings | string {
  const apiUrl = typeof raw.apiUrl === 'string' ? raw.apiUrl.trim() : '';
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return 'apiUrl must be the Custom Channel address Webim gave the account (https://<account>.webim.ru/…).';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    return 'apiUrl must be an https:// address (plain http only for a local test server).';
  const accessToken = typeof raw.accessToken === 'string' ? raw.accessToken.trim() : '';
  if (!accessToken) return 'accessToken is required: the Custom Channel access token from Webim.';
  const callbackSecret = typeof raw.callbackSecret === 'string' ? raw.callbackSecret.trim() : '';
  if (callbackSecret.length < 16)
    return 'callbackSecret is required, at least 16 characters: the secret key entered in the channel settings in Webim.';
  const t = raw.timeoutSeconds === undefined || raw.timeoutSeconds === '' ? 10 : Number(raw.timeoutSeconds);
  if (!Number.isFinite(t) || t < 1 || t > 120) return 'timeoutSeconds must be a number from 1 to 120.';
  return { apiUrl: url.toString(), accessToken, callbackSecret, timeoutSeconds: t };
}

const MIME_BY_KIND: Record<string, string> = {
  photo: 'image/jpeg',
  voice: 'audio/ogg',
  video: 'video/mp4',
  video_note: 'video/mp4',
  animation: 'video/mp4',
  sticker: 'image/webp',
  audio: 'audio/mpeg',
};

class WebimChannel implements SupportChannel {
  readonly kind = 'webim' as const;
  readonly capabilities: Capabilities = {
    files: 'url',
    maxFileBytes: MAX_SELLER_FILE_BYTES,
    edits: false,
    reopens: true,
  };
  private settings?: WebimSettings;
  /** Visitor fields refreshed since the conversation was opened (updateSeller). */
  private readonly fields = new Map<number, VisitorFields>();

  constructor(private readonly runtime: ChannelRuntime) {}

  start(): Promise<StartCheck> {
    const parsed = parseWebimSettings(this.runtime.settings);
    if (typeof parsed === 'string') return Promise.resolve({ ok: false, reason: parsed });
    this.settings = parsed;
    if (/^https?:\/\/(localhost|127\.|\[::1\])/i.test(this.runtime.publicUrl))
      this.runtime.log.warn(
        { publicUrl: this.runtime.publicUrl },
        'PUBLIC_URL is a local address: Webim can neither call the callback nor fetch seller files',
      );
    this.runtime.log.info(
      { callbackUrl: `${this.runtime.publicUrl}${WEBIM_CALLBACK_PATH}/${this.runtime.name}` },
      'webim channel ready',
    );
    return Promise.resolve({ ok: true });
  }

  stop(): Promise<void> {
    this.settings = undefined;
    return Promise.resolve();
  }

  open(seller: SellerCard, existing?: ConversationRef) {
    const fields = visitorFields(seller);
    // One visitor per seller and channel: a reopened conversation keeps its visitor id.
    const externalId = existing?.externalId && !existing.lost ? existing.externalId : randomUUID();
    return Promise.resolve({ externalId, state: { fields } });
  }

  updateSeller(conversation: ConversationRef, seller: SellerCard): Promise<void> {
    this.fields.set(conversation.id, visitorFields(seller));
    return Promise.resolve();
  }

  private fieldsOf(conversation: ConversationRef): VisitorFields {
    const known = this.fields.get(conversation.id);
    if (known) return known;
    const f = conversation.state?.fields as VisitorFields | undefined;
    return f && typeof f.display_name === 'string' ? f : { display_name: 'Telegram user', info: '' };
  }

  async send(
    conversation: ConversationRef,
    message: SellerMessage,
  ): Promise<{ externalMessageIds: string[] }> {
    const visitor = conversation.externalId;
    const fields = this.fieldsOf(conversation);
    const first = message.messageIds[0] ?? 0;
    const ids: string[] = [];
    if (message.text !== undefined && message.text !== '') {
      const id = stableMessageId(conversation.id, message.chatId, first, 'text');
      await this.post(textMessage(visitor, fields, id, message.text), conversation.id);
      ids.push(id);
    }
    const fileIds: string[] = [];
    for (const [i, f] of message.files.entries()) {
      const id = stableMessageId(conversation.id, message.chatId, message.messageIds[i] ?? first, 'file', i);
      const data = {
        url: f.url(),
        name: f.name,
        media_type: f.mime ?? MIME_BY_KIND[message.kind] ?? 'application/octet-stream',
        ...(f.size !== undefined ? { size: f.size } : {}),
      };
      await this.post(fileMessage(visitor, fields, id, data), conversation.id);
      fileIds.push(id);
    }
    if (!ids.length && !fileIds.length) {
      const id = stableMessageId(conversation.id, message.chatId, first, 'text');
      await this.post(textMessage(visitor, fields, id, `[${message.kind}]`), conversation.id);
      ids.push(id);
    }
    // One id per Telegram message: an album's items are its files; a single message is its file or text.
    return { externalMessageIds: message.messageIds.map((_, i) => fileIds[i] ?? fileIds[0] ?? ids[0]!) };
  }

  async notice(conversation: ConversationRef, text: string): Promise<void> {
    const fields = this.fieldsOf(conversation);
    await this.post(
      textMessage(conversation.externalId, fields, randomUUID(), `🤖 ${text}`),
      conversation.id,
    );
  }

  async close(conversation: ConversationRef, by: 'seller' | 'staff'): Promise<void> {
    await this.notice(
      conversation,
      by === 'seller' ? 'The seller ended the conversation.' : 'Our staff closed the conversation.',
    );
  }

  /** One POST to Webim; throws the ChannelError the outbox acts on. */
  private async post(body: OutgoingMessage, conversation: number): Promise<void> {
    const s = this.settings;
    if (!s) throw new ChannelError('webim channel stopped', 'retry', 15);
    const facts = {
      conversation,
      message: body.message.id,
      kind: body.message.kind,
      ...('text' in body.message ? { chars: body.message.text.length } : { bytes: body.message.data.size }),
    };
    let res: Response;
    let answer: string;
    try {
      res = await fetch(s.apiUrl, {
        method: 'POST',
        headers: { Authorization: `Token ${s.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(s.timeoutSeconds * 1000),
      });
      answer = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const reason =
        e.name === 'TimeoutError' ? `no answer in ${s.timeoutSeconds} s` : (e.cause?.code ?? e.name);
      this.runtime.log.error({ ...facts, reason }, 'webim unreachable');
      throw new ChannelError(`webim unreachable: ${reason}`, 'retry');
    }
    const outcome = readAnswer(res.status, answer, res.headers.get('retry-after'));
    if (outcome.ok) {
      this.runtime.log.info({ ...facts, status: res.status }, 'message sent to webim');
      return;
    }
    this.runtime.log.error(
      { ...facts, status: res.status, detail: outcome.detail },
      'webim refused a message',
    );
    throw new ChannelError(
      `webim: ${outcome.detail}`,
      outcome.action,
      outcome.action === 'retry' ? outcome.retryAfter : undefined,
    );
  }

  async inbound(request: InboundRequest): Promise<InboundResponse> {
    const s = this.settings;
    if (!s) return { status: 503, json: { error: 'channel offline' } };
    if (request.path !== '') return { status: 404, json: { error: 'not found' } };
    if (!callbackAuthorized(request.headers.authorization, s.callbackSecret)) {
      this.runtime.log.warn({ bytes: request.body.length }, 'webim callback refused: wrong or missing token');
      return { status: 401, json: { error: 'unauthorized' } };
    }
    const cb = readCallback(request.body);
    if (cb.type === 'invalid') {
      this.runtime.log.warn(
        { reason: cb.reason, bytes: request.body.length },
        'webim callback not understood',
      );
      return { status: 400, json: { error: 'bad_request', desc: cb.reason } };
    }
    const ok = { status: 200, json: { result: 'ok' } };
    if (cb.type === 'other') {
      this.runtime.log.info({ event: cb.event }, 'webim callback ignored');
      return ok;
    }
    const conversation =
      (await this.runtime.conversationByExternalId(cb.chatId)) ??
      (cb.type === 'message' && cb.visitorId && cb.visitorId !== cb.chatId
        ? await this.runtime.conversationByExternalId(cb.visitorId)
        : null);
    if (!conversation) {
      // Webim may know a visitor we no longer do (data removed, another installation): 200, logged.
      this.runtime.log.error(
        { event: cb.type, visitor: cb.chatId, ...(cb.type === 'message' ? { message: cb.messageId } : {}) },
        'webim callback for an unknown visitor',
      );
      return ok;
    }
    if (cb.type === 'closed') {
      await this.runtime.emit({ type: 'closed', conversation, by: 'operator' });
      this.runtime.log.info({ conversation: conversation.id }, 'webim chat closed');
      return ok;
    }
    const facts = { conversation: conversation.id, message: cb.messageId, kind: cb.kind };
    if (cb.kind === 'operator' || cb.kind === 'file_operator') {
      const operatorName = cb.operator?.name;
      const file = cb.file;
      const tooLarge = file?.size !== undefined && file.size > MAX_OPERATOR_FILE_BYTES;
      await this.runtime.emit({
        type: 'operator_message',
        conversation,
        message: {
          externalMessageId: cb.messageId,
          ...(operatorName ? { operatorName } : {}),
          ...(file && !tooLarge
            ? {
                attachments: [{ url: file.url, name: file.name, mime: file.media_type, size: file.size }],
                ...(cb.text ? { text: cb.text } : {}),
              }
            : file
              ? { text: `📎 ${file.name}: ${file.url}` }
              : { text: cb.text ?? '' }),
        },
      });
      this.runtime.log.info(
        { ...facts, chars: cb.text?.length ?? 0, bytes: file?.size, asLink: tooLarge || undefined },
        'webim operator message received',
      );
      return ok;
    }
    // info, operator_busy, for_operator, keyboard…: service messages, not for the seller.
    this.runtime.log.info(facts, 'webim service message ignored');
    return ok;
  }
}

export const createWebimChannel: ChannelFactory = (runtime) => new WebimChannel(runtime);

/**
 * WEBIM_API_URL, WEBIM_ACCESS_TOKEN and WEBIM_CALLBACK_SECRET (a one-channel deployment): the channel
 * named `webim` is created with them, running, or its three settings are updated (its other settings
 * stay). A channel of that name of another kind is left alone, with an error in the log.
 */
export async function applyWebimEnvironment(
  services: Pick<Services, 'support'>,
  config: Pick<Config, 'webim'>,
  logger: Logger,
): Promise<'created' | 'updated' | 'conflict' | 'none'> {
  const env = config.webim;
  if (!env) return 'none';
  const settings = { apiUrl: env.apiUrl, accessToken: env.accessToken, callbackSecret: env.callbackSecret };
  const existing = await services.support.channel('webim');
  if (existing && existing.kind !== 'webim') {
    logger.error(
      { channel: 'webim', kind: existing.kind },
      'WEBIM_* settings not applied: a channel named "webim" of another kind exists',
    );
    return 'conflict';
  }
  if (existing) {
    await services.support.updateChannel('webim', { settings });
    logger.info({ channel: 'webim' }, 'webim channel settings taken from the environment');
    return 'updated';
  }
  await services.support.createChannel({ name: 'webim', kind: 'webim', settings, running: true });
  logger.info({ channel: 'webim' }, 'webim channel created from the environment');
  return 'created';
}
