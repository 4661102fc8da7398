/**
 * Reading a method's parameters (form-encoded values arrive as strings, JSON values as their
 * types) and validating the text and keyboard a message carries, as the Bot API does.
 */
import { HtmlParseError, parseHtml, utf8Length, type MessageEntity } from './html.js';
import { ApiError, DESCRIPTIONS, bad } from './errors.js';
import type { MessageMatcher, ButtonMatcher } from './options.js';
import type { InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup } from './types.js';

export type Params = Record<string, unknown>;

export function optString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw bad(`field "${name}" must be of type String`);
}

export function optInt(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw bad(`field "${name}" must be of type Integer`);
  return n;
}

export function optBool(p: Params, name: string): boolean | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (v === true || v === 'true' || v === 'True' || v === '1' || v === 1) return true;
  if (v === false || v === 'false' || v === 'False' || v === '0' || v === 0) return false;
  throw bad(`field "${name}" must be of type Boolean`);
}

export function optJson(p: Params, name: string): unknown {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw bad(`can't parse ${name} JSON object`);
  }
}

export function requireMessageId(p: Params): number {
  const id = optInt(p, 'message_id');
  if (id === undefined) throw bad('message identifier is not specified');
  return id;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const clone = <T>(v: T): T => structuredClone(v);

const BUTTON_ACTIONS = [
  'callback_data',
  'url',
  'pay',
  'login_url',
  'web_app',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'callback_game',
  'copy_text',
] as const;

/** Rebuild a button with its fields in a fixed order so two equal keyboards serialize equally. */
function normalizeButton(b: Record<string, unknown>): InlineKeyboardButton {
  const out: Record<string, unknown> = { text: b.text };
  for (const key of Object.keys(b).sort()) if (key !== 'text' && b[key] !== undefined) out[key] = b[key];
  return out as InlineKeyboardButton;
}

export function isInlineMarkup(m: ReplyMarkup | undefined): m is InlineKeyboardMarkup {
  return m !== undefined && Array.isArray((m as InlineKeyboardMarkup).inline_keyboard);
}

export function buttonRows(m: ReplyMarkup | undefined): string[][] {
  return isInlineMarkup(m) ? m.inline_keyboard.map((row) => row.map((b) => b.text)) : [];
}

export function sameEntities(a: MessageEntity[] | undefined, b: MessageEntity[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

export function describeMatcher(m: MessageMatcher | ButtonMatcher): string {
  if (typeof m === 'string') return JSON.stringify(m);
  if (m instanceof RegExp) return String(m);
  return 'a predicate';
}

export function textMatches(m: string | RegExp, text: string): boolean {
  if (typeof m === 'string') return text.includes(m);
  m.lastIndex = 0;
  return m.test(text);
}

export interface ParsedText {
  text: string;
  entities?: MessageEntity[];
  html?: string;
  parseMode?: string;
}

/** `text` with `parse_mode` (HTML only) or `entities`; empty and over-long texts are refused. */
export function parseText(p: Params, strictHtml: boolean): ParsedText {
  const raw = optString(p, 'text');
  if (raw === undefined || raw === '') throw new ApiError(400, DESCRIPTIONS.textEmpty);
  const parseMode = optString(p, 'parse_mode');
  let text: string;
  let entities: MessageEntity[] | undefined;
  let html: string | undefined;
  if (parseMode) {
    if (parseMode.toLowerCase() !== 'html') {
      throw bad(
        /^markdown(v2)?$/i.test(parseMode)
          ? `unsupported parse_mode "${parseMode}" (the emulator implements HTML only)`
          : 'unsupported parse_mode',
      );
    }
    try {
      ({ text, entities } = parseHtml(raw, { strict: strictHtml }));
    } catch (e) {
      if (e instanceof HtmlParseError) throw bad(e.message);
      throw e;
    }
    html = raw;
  } else {
    text = raw.trim();
    const given = optJson(p, 'entities');
    if (given !== undefined) {
      if (!Array.isArray(given)) throw bad("can't parse entities JSON object");
      entities = given as MessageEntity[];
    }
  }
  if (text.length === 0) throw new ApiError(400, DESCRIPTIONS.textEmpty);
  if (text.length > 4096) throw new ApiError(400, DESCRIPTIONS.textTooLong);
  return {
    text,
    ...(entities && entities.length > 0 ? { entities } : {}),
    ...(html !== undefined ? { html, parseMode: 'HTML' } : {}),
  };
}

/** `reply_markup`: inline keyboards are checked button by button; other markups are kept as sent. */
export function parseMarkup(p: Params): ReplyMarkup | undefined {
  const v = optJson(p, 'reply_markup');
  if (v === undefined) return undefined;
  if (!isObject(v)) throw bad("can't parse reply keyboard markup JSON object");
  if (!('inline_keyboard' in v)) return v;
  const rows = v.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r))) {
    throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  const out: InlineKeyboardButton[][] = [];
  for (const row of rows as unknown[][]) {
    const normalized: InlineKeyboardButton[] = [];
    for (const b of row) {
      if (!isObject(b))
        throw bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      if (typeof b.text !== 'string') {
        throw bad('can\'t parse inline keyboard button: Field "text" must be of type String');
      }
      if (b.text.trim() === '') throw bad('BUTTON_TEXT_INVALID');
      const actions = BUTTON_ACTIONS.filter((f) => b[f] !== undefined);
      if (actions.length === 0) throw bad('text buttons are unallowed in the inline keyboard');
      if (actions.length > 1) {
        throw bad(`can't parse inline keyboard button: exactly one of ${actions.join(', ')} must be used`);
      }
      if (b.callback_data !== undefined) {
        const data = b.callback_data;
        if (typeof data !== 'string' || data === '' || utf8Length(data) > 64)
          throw bad('BUTTON_DATA_INVALID');
      }
      if (b.url !== undefined && (typeof b.url !== 'string' || !/^\S+$/.test(b.url))) {
        throw bad('BUTTON_URL_INVALID');
      }
      if (b.pay !== undefined && b.pay !== true) throw bad('BUTTON_TYPE_INVALID');
      normalized.push(normalizeButton(b));
    }
    if (normalized.length > 0) out.push(normalized);
  }
  if (out.reduce((n, r) => n + r.length, 0) > 100) throw bad('reply markup is too long');
  return out.length > 0 ? { inline_keyboard: out } : undefined;
}
