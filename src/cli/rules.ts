import { z } from 'zod';
import { PASSWORD_MIN_LENGTH } from '../services/staff.js';

/**
 * The account and shop rules the CLI enforces, as zod schemas so that loaddata reports them with the
 * field's path and the interactive commands show the same sentences.
 */
export const USERNAME_RULE = 'expected 1 to 150 characters: letters, digits and @ . + - _';
export { PASSWORD_MIN_LENGTH };

export const usernameSchema = z
  .string()
  .min(1, USERNAME_RULE)
  .max(150, USERNAME_RULE)
  .regex(/^[\p{L}\p{N}@.+\-_]+$/u, USERNAME_RULE);

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `expected at least ${PASSWORD_MIN_LENGTH} characters`)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'expected at most 72 bytes (bcrypt ignores the rest)');

export const emailSchema = z.union([z.literal(''), z.email('expected an email address').max(254)]);

export const slugSchema = z
  .string()
  .max(100)
  .regex(
    /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
    'expected lowercase latin letters and digits, separated by single hyphens',
  );

/** Generated keys are 35 characters; anything short enough to guess is refused. */
export const apiKeySchema = z
  .string()
  .trim()
  .min(16, 'expected at least 16 characters')
  .max(255)
  .regex(/^\S+$/, 'expected no spaces');

/** "field: what was expected" for the first failed rule, or undefined when the value passes. */
export function check<T>(schema: z.ZodType<T>, value: unknown, field: string): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : `${field}: ${r.error.issues[0].message}`;
}

/** The same slugs as the panel and the services make: «Домашний уют» → domashniy-uyut. */
export { slugify } from '../services/slug.js';
