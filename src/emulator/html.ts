/**
 * Telegram's HTML parse mode, as the Bot API server (tdlib) parses it, made stricter where the
 * project's limits doc says so: a `<`, `>` or `&` that is not part of a tag or a valid entity is an
 * error (Telegram itself tolerates a stray `>` and a stray `&`; a bot that relies on that tolerance
 * breaks as soon as user text contains a `<`, so the emulator refuses all three).
 *
 * Offsets and lengths are in UTF-16 code units, like Telegram's; error offsets are UTF-8 byte
 * offsets into the raw HTML, like Telegram's "at byte offset N".
 */

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface ParsedText {
  /** The text after entity parsing and trimming, as Telegram stores it. */
  text: string;
  entities: MessageEntity[];
}

/** The reason is worded like Telegram's text after "Bad Request: can't parse entities: ". */
export class HtmlParseError extends Error {
  constructor(readonly reason: string) {
    super(`can't parse entities: ${reason}`);
    this.name = 'HtmlParseError';
  }
}

export interface HtmlOptions {
  /** Refuse a stray `>` and an `&` that does not start a valid entity (default true). */
  strict?: boolean;
}

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

const SIMPLE_ENTITY: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
};

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

interface OpenTag {
  name: string;
  /** href, language, emoji id, "expandable"… */
  argument: string | undefined;
  /** UTF-16 offset in the output text where the entity starts. */
  offset: number;
  /** Index of the `<` in the raw HTML, for error messages. */
  rawPos: number;
  /** Set on a <pre> when its whole content is one <code class="language-…">. */
  innerCode?: { language: string | undefined; end: number };
}

const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v';

const isNameTokenChar = (ch: string | undefined): boolean => ch !== undefined && /[A-Za-z0-9.-]/.test(ch);

export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Escape text for HTML parse mode. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Decode the entity starting at `html[pos] === '&'`. Returns the decoded text and the index after
 * the `;`, or undefined when the characters there do not form a supported entity.
 */
function decodeEntity(html: string, pos: number): { value: string; end: number } | undefined {
  const semi = html.indexOf(';', pos + 1);
  if (semi === -1 || semi - pos > 12) return undefined;
  const body = html.slice(pos + 1, semi);
  let code: number | undefined;
  if (/^#[0-9]{1,8}$/.test(body)) code = Number.parseInt(body.slice(1), 10);
  else if (/^#[xX][0-9a-fA-F]{1,7}$/.test(body)) code = Number.parseInt(body.slice(2), 16);
  else if (Object.hasOwn(NAMED_ENTITIES, body)) return { value: NAMED_ENTITIES[body], end: semi + 1 };
  if (code === undefined || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
    return undefined;
  return { value: String.fromCodePoint(code), end: semi + 1 };
}

/**
 * Parse Telegram HTML into plain text and entities; throws HtmlParseError on markup Telegram
 * (or, with strict, the project's rules) rejects.
 */
export function parseHtml(html: string, options: HtmlOptions = {}): ParsedText {
  const strict = options.strict ?? true;
  const byteOffset = (pos: number): number => utf8Length(html.slice(0, pos));
  const out: string[] = [];
  let outLength = 0;
  const push = (s: string): void => {
    out.push(s);
    outLength += s.length;
  };
  const entities: MessageEntity[] = [];
  const stack: OpenTag[] = [];
  const n = html.length;
  let i = 0;

  while (i < n) {
    const ch = html[i];
    if (ch === '&') {
      const decoded = decodeEntity(html, i);
      if (decoded) {
        push(decoded.value);
        i = decoded.end;
        continue;
      }
      if (strict) {
        const m = /^&#?[A-Za-z0-9]+;/.exec(html.slice(i, i + 14));
        throw new HtmlParseError(
          m
            ? `Unsupported HTML entity "${m[0]}" at byte offset ${byteOffset(i)}`
            : `Unescaped "&" at byte offset ${byteOffset(i)}, use "&amp;"`,
        );
      }
      push(ch);
      i++;
      continue;
    }
    if (ch === '>') {
      if (strict) throw new HtmlParseError(`Unescaped ">" at byte offset ${byteOffset(i)}, use "&gt;"`);
      push(ch);
      i++;
      continue;
    }
    if (ch !== '<') {
      // Copy the run of ordinary characters in one go.
      let j = i + 1;
      while (j < n && html[j] !== '<' && html[j] !== '&' && html[j] !== '>') j++;
      push(html.slice(i, j));
      i = j;
      continue;
    }

    const tagStart = i;
    i++;
    if (i >= n) throw new HtmlParseError(`Unclosed start tag at byte offset ${byteOffset(tagStart)}`);

    if (html[i] !== '/') {
      // Start tag: the name runs to a space or '>'.
      const nameStart = i;
      while (i < n && !isSpace(html[i]) && html[i] !== '>') i++;
      if (i >= n) throw new HtmlParseError(`Unclosed start tag at byte offset ${byteOffset(tagStart)}`);
      const name = html.slice(nameStart, i).toLowerCase();
      if (!ALLOWED_TAGS.has(name)) {
        throw new HtmlParseError(`Unsupported start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
      }
      const attrs = new Map<string, string>();
      for (;;) {
        while (i < n && isSpace(html[i])) i++;
        if (i >= n)
          throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
        if (html[i] === '>') break;
        const attrStart = i;
        while (i < n && !isSpace(html[i]) && !'=>/"\''.includes(html[i])) i++;
        const attrName = html.slice(attrStart, i).toLowerCase();
        if (attrName === '') {
          throw new HtmlParseError(
            `Empty attribute name in the tag "${name}" at byte offset ${byteOffset(tagStart)}`,
          );
        }
        while (i < n && isSpace(html[i])) i++;
        if (i >= n)
          throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
        if (html[i] !== '=') {
          attrs.set(attrName, '');
          continue;
        }
        i++;
        while (i < n && isSpace(html[i])) i++;
        if (i >= n)
          throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
        let value: string;
        const quote = html[i];
        if (quote === '"' || quote === "'") {
          i++;
          const parts: string[] = [];
          while (i < n && html[i] !== quote) {
            if (html[i] === '&') {
              const decoded = decodeEntity(html, i);
              if (decoded) {
                parts.push(decoded.value);
                i = decoded.end;
                continue;
              }
            }
            if (html[i] === '<') {
              throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
            }
            parts.push(html[i]);
            i++;
          }
          if (i >= n)
            throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
          i++; // closing quote
          value = parts.join('');
        } else {
          const tokenStart = i;
          while (isNameTokenChar(html[i])) i++;
          value = html.slice(tokenStart, i).toLowerCase();
          if (i >= n)
            throw new HtmlParseError(`Unclosed start tag "${name}" at byte offset ${byteOffset(tagStart)}`);
          if (!isSpace(html[i]) && html[i] !== '>') {
            throw new HtmlParseError(`Unexpected end of name token at byte offset ${byteOffset(tokenStart)}`);
          }
        }
        attrs.set(attrName, value);
      }
      i++; // '>'

      let argument: string | undefined;
      if (name === 'a') {
        argument = attrs.get('href');
        if (argument === undefined || argument.trim() === '') {
          throw new HtmlParseError(
            `Tag "a" must have attribute "href" at byte offset ${byteOffset(tagStart)}`,
          );
        }
      } else if (name === 'span') {
        if (attrs.get('class') !== 'tg-spoiler') {
          throw new HtmlParseError(
            `Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(tagStart)}`,
          );
        }
      } else if (name === 'code') {
        const cls = attrs.get('class');
        if (cls?.startsWith('language-')) argument = cls.slice('language-'.length);
      } else if (name === 'tg-emoji') {
        argument = attrs.get('emoji-id');
        if (argument === undefined || !/^[0-9]{1,20}$/.test(argument)) {
          throw new HtmlParseError('Invalid custom emoji identifier specified');
        }
      } else if (name === 'blockquote') {
        if (attrs.has('expandable')) argument = 'expandable';
      }
      stack.push({ name, argument, offset: outLength, rawPos: tagStart });
      continue;
    }

    // End tag.
    i++; // '/'
    if (stack.length === 0)
      throw new HtmlParseError(`Unexpected end tag at byte offset ${byteOffset(tagStart)}`);
    const nameStart = i;
    while (i < n && !isSpace(html[i]) && html[i] !== '>') i++;
    const endName = html.slice(nameStart, i).toLowerCase();
    while (i < n && isSpace(html[i])) i++;
    if (i >= n || html[i] !== '>') {
      throw new HtmlParseError(`Unclosed end tag at byte offset ${byteOffset(tagStart)}`);
    }
    i++; // '>'
    const open = stack[stack.length - 1];
    if (endName !== '' && endName !== open.name) {
      throw new HtmlParseError(
        `Unmatched end tag at byte offset ${byteOffset(tagStart)}, expected "</${open.name}>", found "</${endName}>"`,
      );
    }
    stack.pop();
    const length = outLength - open.offset;
    const parent = stack[stack.length - 1];

    if (open.name === 'code' && parent?.name === 'pre' && parent.offset === open.offset) {
      // <pre><code class="language-x">…</code></pre> is one pre entity with a language.
      parent.innerCode = { language: open.argument, end: outLength };
      continue;
    }
    if (length === 0) continue;
    if (open.name === 'pre') {
      const inner = open.innerCode;
      if (inner && inner.end === outLength) {
        entities.push({
          type: 'pre',
          offset: open.offset,
          length,
          ...(inner.language ? { language: inner.language } : {}),
        });
      } else {
        entities.push({ type: 'pre', offset: open.offset, length });
        if (inner && inner.end > open.offset) {
          entities.push({ type: 'code', offset: open.offset, length: inner.end - open.offset });
        }
      }
      continue;
    }
    const simple = SIMPLE_ENTITY[open.name];
    if (simple) entities.push({ type: simple, offset: open.offset, length });
    else if (open.name === 'code') entities.push({ type: 'code', offset: open.offset, length });
    else if (open.name === 'a')
      entities.push({ type: 'text_link', offset: open.offset, length, url: open.argument });
    else if (open.name === 'blockquote') {
      entities.push({
        type: open.argument === 'expandable' ? 'expandable_blockquote' : 'blockquote',
        offset: open.offset,
        length,
      });
    } else if (open.name === 'tg-emoji') {
      entities.push({ type: 'custom_emoji', offset: open.offset, length, custom_emoji_id: open.argument });
    }
  }

  if (stack.length > 0) {
    throw new HtmlParseError(
      `Can't find end tag corresponding to start tag "${stack[stack.length - 1].name}"`,
    );
  }
  return trimParsed(out.join(''), entities);
}

/** Telegram strips leading and trailing whitespace from a message; entities follow the text. */
export function trimParsed(text: string, entities: MessageEntity[]): ParsedText {
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const result: MessageEntity[] = [];
  for (const e of entities) {
    const start = Math.max(0, e.offset - lead);
    const end = Math.min(trimmed.length, e.offset + e.length - lead);
    if (end > start) result.push({ ...e, offset: start, length: end - start });
  }
  // Telegram orders entities by offset, an outer entity before the ones it contains.
  result.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text: trimmed, entities: result };
}

export type HtmlValidation = ({ ok: true } & ParsedText) | { ok: false; error: string };

/** Non-throwing form of parseHtml; `error` is the full Bot API description. */
export function validateHtml(html: string, options: HtmlOptions = {}): HtmlValidation {
  try {
    return { ok: true, ...parseHtml(html, options) };
  } catch (e) {
    if (e instanceof HtmlParseError) return { ok: false, error: `Bad Request: ${e.message}` };
    throw e;
  }
}

/**
 * The length Telegram checks against the 4096 limit: UTF-16 code units of the text after entity
 * parsing and trimming. Throws HtmlParseError for invalid HTML.
 */
export function textLengthAfterParsing(text: string, parseMode?: string): number {
  if (parseMode?.toLowerCase() === 'html') return parseHtml(text).text.length;
  return text.trim().length;
}
