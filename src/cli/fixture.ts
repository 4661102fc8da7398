import { z } from 'zod';
import { validation } from '../services/index.js';

const { rules } = validation;

/**
 * The loaddata format. Plain passwords and API keys go in; only their hashes are stored. Optional fields
 * take the entity defaults on create and leave the stored value alone on update.
 */
const group = z.strictObject({ name: rules.groupName });

const user = z.strictObject({
  username: rules.username,
  email: rules.email.optional(),
  password: rules.password,
  isActive: z.boolean().optional(),
  isStaff: z.boolean().optional(),
  isSuperuser: z.boolean().optional(),
  /** Memberships to ensure; memberships not listed are kept. */
  groups: z.array(rules.groupName).optional(),
});

const shop = z.strictObject({
  name: rules.shopName,
  slug: rules.slug,
  apiKey: rules.apiKey,
  clientId: rules.clientId,
  vendorName: rules.vendorName,
  isActive: z.boolean().optional(),
  updatePrices: z.boolean().optional(),
});

const storage = z.strictObject({
  name: rules.storageName,
  ozonId: rules.ozonId,
  /** The shop's slug, in this file or already in the database. */
  shop: rules.slug,
});

export const fixtureSchema = z.strictObject({
  groups: z.array(group).optional(),
  users: z.array(user).optional(),
  shops: z.array(shop).optional(),
  storages: z.array(storage).optional(),
});

export type Fixture = z.infer<typeof fixtureSchema>;

/** `shops[3].apiKey` from ['shops', 3, 'apiKey']. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/**
 * Validates the shape and everything that can be checked without the database: each problem as
 * "path: message". Messages never quote a password or a key.
 */
export function validateFixture(data: unknown): { fixture: Fixture; problems: [] } | { problems: string[] } {
  const parsed = fixtureSchema.safeParse(data, {
    error: (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? 'required' : undefined),
  });
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => {
        const where = formatPath(i.path) || '(top level)';
        if (i.code === 'unrecognized_keys') {
          return `${where}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
        }
        return `${where}: ${i.message}`;
      }),
    };
  }
  const f = parsed.data;
  const problems: string[] = [];
  /** `show` renders the duplicated value for the message; null hides it (API keys). */
  const unique = <T>(
    kind: string,
    rows: T[] | undefined,
    key: (r: T) => string,
    field: string,
    show: ((r: T) => string) | null = key,
  ) => {
    const seen = new Map<string, number>();
    rows?.forEach((r, i) => {
      const k = key(r);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else {
        const value = show ? ` "${show(r)}"` : '';
        problems.push(`${kind}[${i}].${field}: duplicate${value}, already in ${kind}[${first}]`);
      }
    });
  };
  unique('groups', f.groups, (g) => g.name, 'name');
  unique('users', f.users, (u) => u.username, 'username');
  unique('shops', f.shops, (s) => s.slug, 'slug');
  unique('shops', f.shops, (s) => s.apiKey, 'apiKey', null);
  unique(
    'storages',
    f.storages,
    (s) => JSON.stringify([s.shop, s.ozonId]),
    'ozonId',
    (s) => s.ozonId,
  );
  return problems.length > 0 ? { problems } : { fixture: f, problems: [] };
}
