/** Escapes user-provided text for Telegram's HTML parse mode (shop names, vendors, usernames). */
export function h(value: string | number): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Shortens text to `max` characters (UTF-16 units, as Telegram counts), ending with an ellipsis. */
export function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  // Don't split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(value[end - 1] ?? '')) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** Telegram's limit on a message's text, counted after entity parsing (UTF-16 code units). */
export const MESSAGE_MAX = 4096;

/**
 * How much of one stored value (a shop's name or vendor, a person's name) a message shows: two of
 * them and the words around them stay under MESSAGE_MAX whatever the data (a 1024-character name
 * of emoji is 2048 UTF-16 units).
 */
export const STORED_TEXT_MAX = 1800;

/** A stored value as a message shows it: cut to STORED_TEXT_MAX with an ellipsis. */
export const shown = (value: string): string => cut(value, STORED_TEXT_MAX);

/** The text Telegram keeps of our HTML (the tags we use dropped, entities decoded). */
export function htmlToText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** A message's length as Telegram counts it against MESSAGE_MAX: after entity parsing, trimmed. */
export function parsedLength(text: string, html: boolean): number {
  return (html ? htmlToText(text) : text).trim().length;
}
