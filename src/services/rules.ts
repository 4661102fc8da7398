import { z } from 'zod';
import { DomainError } from './errors.js';

/**
 * Every validation rule of the domain, written once. The services, the CLI, loaddata and the panel all
 * check input through this module, so a value refused in one place is refused everywhere with the same
 * sentence: "<field>: <what was expected>".
 */

/** Django's rule: 1–150 letters, digits and @ . + - _ */
export const USERNAME_RULE = 'expected 1 to 150 characters: letters, digits and @ . + - _';
export const PASSWORD_MIN_LENGTH = 8;
/** bcrypt reads only the first 72 bytes; a longer password would silently be cut. */
export const PASSWORD_MAX_BYTES = 72;
export const EMAIL_MAX = 254;
export const SLUG_MAX = 100;
/** Lowercase latin letters and digits, joined by single dashes or underscores. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
/** Shorter keys would be guessable despite the login limiter; generated keys have 35 characters. */
export const API_KEY_MIN_LENGTH = 16;
export const API_KEY_MAX = 255;

/** The languages the panel speaks. */
export const PANEL_LANGUAGES = ['ru', 'en'] as const;
export type PanelLanguage = (typeof PANEL_LANGUAGES)[number];

/** An IANA time zone name this runtime knows ("Europe/Moscow", "UTC"). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A trimmed, non-empty string of at most `max` characters. */
const text = (max: number) =>
  z.string().trim().min(1, 'expected a non-empty string').max(max, `expected at most ${max} characters`);

export const rules = {
  username: z.string().regex(/^[\p{L}\p{N}@.+\-_]{1,150}$/u, USERNAME_RULE),
  /** Counted in characters (code points), capped in UTF-8 bytes. */
  password: z
    .string()
    .refine(
      (p) => [...p].length >= PASSWORD_MIN_LENGTH,
      `expected at least ${PASSWORD_MIN_LENGTH} characters`,
    )
    .refine(
      (p) => Buffer.byteLength(p, 'utf8') <= PASSWORD_MAX_BYTES,
      `expected at most ${PASSWORD_MAX_BYTES} bytes (bcrypt ignores the rest)`,
    ),
  /** Optional: the empty string is "no email". */
  email: z
    .string()
    .trim()
    .pipe(
      z.union([
        z.literal(''),
        z.email('expected an email address').max(EMAIL_MAX, 'expected an email address'),
      ]),
    ),
  slug: z
    .string()
    .trim()
    .max(SLUG_MAX, `expected at most ${SLUG_MAX} characters`)
    .regex(
      SLUG_PATTERN,
      'expected lowercase latin letters and digits, separated by single hyphens or underscores',
    ),
  apiKey: z
    .string()
    .trim()
    .min(API_KEY_MIN_LENGTH, `expected at least ${API_KEY_MIN_LENGTH} characters`)
    .max(API_KEY_MAX, `expected at most ${API_KEY_MAX} characters`)
    .regex(/^\S+$/, 'expected no spaces'),
  shopName: text(1024),
  vendorName: text(1024),
  clientId: text(255),
  groupName: text(150),
  storageName: text(1024),
  ozonId: text(255),
  telegramId: z.string().regex(/^\d{1,16}$/, 'expected a number'),
  panelLanguage: z.enum(PANEL_LANGUAGES, 'expected ru or en'),
  timeZone: z.string().trim().refine(isTimeZone, 'expected a time zone name such as Europe/Moscow'),
} as const;

export type Rule = keyof typeof rules;
export type RuleOutput<R extends Rule> = z.output<(typeof rules)[R]>;

/** The field name a sentence starts with when the caller names none. */
export const FIELD: Record<Rule, string> = {
  username: 'username',
  password: 'password',
  email: 'email',
  slug: 'slug',
  apiKey: 'API key',
  shopName: 'name',
  vendorName: 'vendor name',
  clientId: 'client id',
  groupName: 'group name',
  storageName: 'name',
  ozonId: 'ozon id',
  telegramId: 'Telegram id',
  panelLanguage: 'language',
  timeZone: 'time zone',
};

/** "<field>: <what was expected>", the one way a broken rule is told, wherever it was broken. */
export function sentence(field: string, message: string): string {
  return `${field}: ${message}`;
}

/** The value as the rule normalises it (trimmed where the rule trims), or the sentence for the first rule it breaks. */
export function check<R extends Rule>(
  rule: R,
  value: unknown,
  field: string = FIELD[rule],
): { ok: true; value: RuleOutput<R> } | { ok: false; problem: string } {
  const r = rules[rule].safeParse(value);
  return r.success
    ? { ok: true, value: r.data as RuleOutput<R> }
    : { ok: false, problem: sentence(field, r.error.issues[0]!.message) };
}

/** The sentence for the first rule the value breaks, or undefined when it passes. */
export function problem(rule: Rule, value: unknown, field?: string): string | undefined {
  const r = check(rule, value, field);
  return r.ok ? undefined : r.problem;
}

/** The value as the rule normalises it; DomainError('invalid') with the sentence when it breaks a rule. */
export function valid<R extends Rule>(rule: R, value: unknown, field?: string): RuleOutput<R> {
  const r = check(rule, value, field);
  if (!r.ok) throw new DomainError('invalid', r.problem);
  return r.value;
}
