import { parseWorkingHours } from './hours.js';

/**
 * The settings every channel shares, checked before they are stored (the CLI, the API and the panel
 * say the same sentence): `timeZone`, `workingHours`, `offHoursNotice`, `greeting`; values are
 * strings, numbers or booleans. Kind-specific settings are checked by the channel's start-up check.
 */
export function checkSettings(settings: unknown, fallbackTimeZone: string): string | undefined {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings))
    return 'settings: expected a JSON object of names and values.';
  for (const [k, v] of Object.entries(settings)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(k)) return `settings: "${k}" is not a setting name.`;
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
      return `settings.${k}: expected a string, a number or true/false.`;
    if (typeof v === 'string' && v.length > 4000) return `settings.${k}: at most 4000 characters.`;
  }
  return parseWorkingHours(settings as Record<string, unknown>, fallbackTimeZone).problem;
}

/** `key=value` from the CLI: numbers and true/false as such, the rest as text ("" removes the key). */
export function parseSetting(pair: string): [string, string | number | boolean] | undefined {
  const i = pair.indexOf('=');
  if (i <= 0) return undefined;
  const key = pair.slice(0, i).trim();
  const raw = pair.slice(i + 1);
  if (/^-?\d{1,15}$/.test(raw)) return [key, Number(raw)];
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  return [key, raw];
}
