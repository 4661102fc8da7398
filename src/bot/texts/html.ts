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
