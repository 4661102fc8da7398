/**
 * Webim's Custom Channel wire format, in one place: what we POST to Webim, what its answers mean,
 * what its callbacks to us carry. Webim's Custom Channel document could not be read in full: this
 * mapping follows the vendor's Bot API 2.0 conventions (see the README's Webim section) and must be
 * checked against the account's Custom Channel document before going live. The fixtures in
 * test/support-desk/fixtures/webim/ hold one example of every message kind; correct both together.
 *
 * Pure functions: no network, no logging, no state.
 */
import { createHash } from 'node:crypto';
import type { SellerCard } from '../channel.js';
import { safeEqual } from '../../services/secrets.js';

/** The seller as Webim's visitor card shows it: nothing else identifying leaves for Webim. */
export interface VisitorFields {
  display_name: string;
  login?: string;
  info: string;
}

export interface WebimFile {
  url: string;
  name: string;
  media_type: string;
  size?: number;
}

/** A visitor message we POST to the channel's apiUrl. */
export interface OutgoingMessage {
  event: 'new_message';
  chat: { id: string };
  visitor: { id: string; fields: VisitorFields };
  message:
    { id: string; kind: 'visitor'; text: string } | { id: string; kind: 'file_visitor'; data: WebimFile };
}

export function visitorFields(card: SellerCard): VisitorFields {
  const name = [card.firstName, card.lastName].filter(Boolean).join(' ').trim() || 'Telegram user';
  const shops = card.shops.length ? card.shops.join(', ') : '—';
  return {
    display_name: name,
    ...(card.username ? { login: `@${card.username}` } : {}),
    info: `shops: ${shops}; subscription: ${card.subscription}`,
  };
}

/** A visitor's text message. */
export function textMessage(
  visitorId: string,
  fields: VisitorFields,
  id: string,
  text: string,
): OutgoingMessage {
  return {
    event: 'new_message',
    chat: { id: visitorId },
    visitor: { id: visitorId, fields },
    message: { id, kind: 'visitor', text },
  };
}

/** A visitor's file, passed by our signed URL (Webim fetches it). */
export function fileMessage(
  visitorId: string,
  fields: VisitorFields,
  id: string,
  file: WebimFile,
): OutgoingMessage {
  return {
    event: 'new_message',
    chat: { id: visitorId },
    visitor: { id: visitorId, fields },
    message: { id, kind: 'file_visitor', data: file },
  };
}

/**
 * A message id that stays the same when the same item is sent again (a retry after a timeout):
 * Webim can tell the repeat. UUID-shaped, derived from our conversation and Telegram's ids.
 */
export function stableMessageId(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join(':')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What Webim's answer to our POST means. */
export type SendOutcome =
  | { ok: true }
  /** A refusal that will not change (4xx other than 429, an error in a 2xx body): given up. */
  | { ok: false; action: 'reject'; detail: string }
  /** 429, 5xx, or an answer we cannot read: tried again (Retry-After seconds when given). */
  | { ok: false; action: 'retry'; detail: string; retryAfter?: number };

const cut = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function readAnswer(status: number, body: string, retryAfterHeader?: string | null): SendOutcome {
  let json: unknown;
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  const obj = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  const error = typeof obj.error === 'string' ? obj.error : undefined;
  const desc = typeof obj.desc === 'string' ? obj.desc : undefined;
  const detail = `status ${status}${error ? ` error ${error}` : ''}${desc ? `: ${cut(desc)}` : ''}${
    !error && !desc && body && obj.result !== 'ok' ? ` body ${cut(body)}` : ''
  }`;
  if (status >= 200 && status < 300) {
    if (obj.result === 'ok' && !error) return { ok: true };
    if (error) return { ok: false, action: 'reject', detail };
    return { ok: false, action: 'retry', detail };
  }
  if (status === 429 || status >= 500) {
    const seconds = Number(retryAfterHeader);
    return {
      ok: false,
      action: 'retry',
      detail,
      ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfter: Math.min(seconds, 3600) } : {}),
    };
  }
  return { ok: false, action: 'reject', detail };
}

/** Checks `Authorization: Token <secret>` in constant time. */
export function callbackAuthorized(header: string | undefined, secret: string): boolean {
  const expected = `Token ${secret}`;
  return safeEqual(header ?? '', expected);
}

/** A callback from Webim, read. */
export type Callback =
  | {
      type: 'message';
      chatId: string;
      /** visitor.id when Webim sends it (looked up when chat.id is Webim's own chat number). */
      visitorId?: string;
      messageId: string;
      kind: string;
      text?: string;
      file?: WebimFile;
      operator?: { id?: string; name?: string };
    }
  | { type: 'closed'; chatId: string }
  /** An event this channel does not act on (answered 200, logged by its name). */
  | { type: 'other'; event: string; chatId?: string }
  | { type: 'invalid'; reason: string };

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

export function readCallback(body: Buffer): Callback {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { type: 'invalid', reason: 'the body is not JSON' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { type: 'invalid', reason: 'the body is not a JSON object' };
  const o = json as Record<string, unknown>;
  const event = str(o.event);
  if (!event) return { type: 'invalid', reason: 'no "event"' };
  const chat = o.chat && typeof o.chat === 'object' ? (o.chat as Record<string, unknown>) : undefined;
  const chatId = str(chat?.id);
  if (event === 'chat_closed') {
    if (!chatId) return { type: 'invalid', reason: 'no "chat.id"' };
    return { type: 'closed', chatId };
  }
  if (event !== 'new_message') return { type: 'other', event, chatId };
  if (!chatId) return { type: 'invalid', reason: 'no "chat.id"' };
  const m = o.message && typeof o.message === 'object' ? (o.message as Record<string, unknown>) : undefined;
  const messageId = str(m?.id);
  const kind = str(m?.kind);
  if (!m || !messageId || !kind) return { type: 'invalid', reason: 'no "message.id" or "message.kind"' };
  const text = typeof m.text === 'string' ? m.text : undefined;
  const op =
    m.operator && typeof m.operator === 'object' ? (m.operator as Record<string, unknown>) : undefined;
  const operator = op ? { id: str(op.id), name: str(op.name) } : undefined;
  let file: WebimFile | undefined;
  if (kind === 'file_operator') {
    const d = m.data && typeof m.data === 'object' ? (m.data as Record<string, unknown>) : {};
    const url = str(d.url);
    if (!url || !/^https?:\/\//i.test(url)) return { type: 'invalid', reason: 'no "message.data.url"' };
    const size = typeof d.size === 'number' && d.size >= 0 ? d.size : undefined;
    file = {
      url,
      name: str(d.name) ?? 'file',
      media_type: str(d.media_type) ?? 'application/octet-stream',
      ...(size !== undefined ? { size } : {}),
    };
  } else if (kind === 'operator' && text === undefined) {
    return { type: 'invalid', reason: 'an "operator" message without "message.text"' };
  }
  const visitor =
    o.visitor && typeof o.visitor === 'object' ? (o.visitor as Record<string, unknown>) : undefined;
  const visitorId = str(visitor?.id);
  return {
    type: 'message',
    chatId,
    ...(visitorId ? { visitorId } : {}),
    messageId,
    kind,
    text,
    file,
    operator,
  };
}
