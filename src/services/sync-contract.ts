import { z } from 'zod';
import { rules } from './rules.js';

/**
 * The shop sync's JSON contract (README "Shop sync", docs/shop-sync.schema.json): what the
 * marketplace sends on the inbound exchange and what the bot publishes on the outbound one. Field
 * names are the marketplace's (snake_case, `price_updating`); the header `operation` says what
 * happened. Unknown fields are ignored, so either side may add some.
 */
export const OPERATIONS = ['create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The marketplace's id for a shop: a string or a whole number, kept as text. */
const externalId = z
  .union([z.string().trim().min(1).max(64), z.number().int().nonnegative().transform(String)])
  .refine((v) => v.length <= 64, 'expected at most 64 characters');

/** A version: a whole number from 1; each change bumps it, and only a greater one is applied. */
const version = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const fields = {
  name: rules.shopName,
  slug: rules.slug,
  client_id: rules.clientId,
  vendor_name: rules.vendorName,
  is_active: z.boolean(),
  price_updating: z.boolean(),
};

/**
 * The bot's own id of a shop made in the bot (published with `id: null`): the marketplace sends it
 * back with its id, and the shop takes that id.
 */
const botId = z.number().int().min(1).max(2147483647).optional();

/** `create`: a whole shop, with its API key (hashed on arrival, never stored or sent on). */
const createBody = z.object({
  id: externalId,
  bot_id: botId,
  version,
  ...fields,
  slug: fields.slug.optional(),
  api_key: rules.apiKey,
});

/** `update`: the id, the version, and the fields that changed (any of them; the key only when it changed). */
const updateBody = z.object({
  id: externalId,
  bot_id: botId,
  version,
  name: fields.name.optional(),
  slug: fields.slug.optional(),
  client_id: fields.client_id.optional(),
  vendor_name: fields.vendor_name.optional(),
  is_active: fields.is_active.optional(),
  price_updating: fields.price_updating.optional(),
  api_key: rules.apiKey.optional(),
});

/** `delete`: the id; with a version, a delete older than the shop's last change is ignored. */
const deleteBody = z.object({ id: externalId, version: version.optional() });

export type CreateBody = z.output<typeof createBody>;
export type UpdateBody = z.output<typeof updateBody>;
export type DeleteBody = z.output<typeof deleteBody>;

export type InboundChange =
  | { operation: 'create'; body: CreateBody }
  | { operation: 'update'; body: UpdateBody }
  | { operation: 'delete'; body: DeleteBody };

export type Parsed = { ok: true; change: InboundChange } | { ok: false; reason: string };

const schemas = { create: createBody, update: updateBody, delete: deleteBody } as const;

/** The message's change, or the sentence saying why it can't be applied (the dead letter's reason). */
export function parseInbound(operation: unknown, body: unknown): Parsed {
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) {
    return {
      ok: false,
      reason: `unknown operation ${JSON.stringify(operation ?? null)}: expected create, update or delete`,
    };
  }
  const op = operation as Operation;
  const r = schemas[op].safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : 'body';
    return { ok: false, reason: `${op}: ${field}: ${issue.message}` };
  }
  return { ok: true, change: { operation: op, body: r.data } as InboundChange };
}

/** The body as JSON, or the reason it isn't (a message body is bytes). */
export function decodeBody(bytes: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  const text = bytes.toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: `the body is not JSON (${bytes.length} bytes)` };
  }
}

/** The body without its API key, for the dead-letter table and the logs: never a secret at rest. */
export function withoutKey(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const copy = { ...(value as Record<string, unknown>) };
    if ('api_key' in copy) copy.api_key = '[hashed]';
    return copy;
  }
  return value;
}

/** A body that isn't JSON, cut short and with anything that looks like a key masked. */
export function rawWithoutKey(bytes: Buffer): { raw: string } {
  const text = bytes.toString('utf8').slice(0, 2000);
  return { raw: text.replace(/("?api_key"?\s*[:=]\s*"?)[^",}\s]*/gi, '$1[removed]') };
}
