/**
 * Keeping secrets out of what the panel sends and records. The entities never select the hashes
 * (select: false) and the resources hide them, but a record built from a form payload can still
 * carry them, so every response is scrubbed on the way out and every audit snapshot too.
 */

/** Never sent to a browser nor written to the audit log, wherever they appear. */
const HASH_KEYS = new Set([
  'passwordHash',
  'apiKeyHash',
  'password_hash',
  'api_key_hash',
  'apiTokenHash',
  'api_token_hash',
  // A support channel's sealed secret setting (settings.<name>.$sealed).
  '$sealed',
]);
/** Plain secrets typed in forms: removed from record params (the API-key screens send a key on purpose, outside params). */
const PLAIN_KEYS = new Set(['password', 'apiKey']);

function isSecretParam(key: string): boolean {
  const last = key.slice(key.lastIndexOf('.') + 1);
  return HASH_KEYS.has(last) || PLAIN_KEYS.has(last);
}

/** A copy of flat record params without secrets. */
export function stripParams(params: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    if (!isSecretParam(key)) out[key] = value;
  }
  return out;
}

/**
 * Removes secrets from any JSON value in place: hash keys everywhere, typed secrets inside `params`
 * and `payload` objects. Used on every JSON answer of the panel's API.
 */
export function scrubJson(value: unknown, depth = 0, inParams = false): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (const item of value) scrubJson(item, depth + 1, false);
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (HASH_KEYS.has(key) || (inParams && isSecretParam(key))) {
      delete obj[key];
      continue;
    }
    scrubJson(obj[key], depth + 1, key === 'params' || key === 'payload');
  }
  return value;
}
