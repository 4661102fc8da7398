import fs from 'node:fs/promises';
import { In, type EntityManager } from 'typeorm';
import { Group, Shop, Storage, User, UserGroup } from '../../db/entities/index.js';
import { apiKeyPrefix, hashApiKey, hashPassword, verifyPassword } from '../../services/secrets.js';
import {
  CommandError,
  defineCommand,
  expectPositionals,
  isUniqueViolation,
  parseCommandArgs,
} from '../command.js';
import { validateFixture, type Fixture } from '../fixture.js';

const KINDS = ['groups', 'users', 'shops', 'storages'] as const;
type Kind = (typeof KINDS)[number];
export type LoadCounts = Record<Kind, { created: number; updated: number; unchanged: number }>;

const MAX_PROBLEMS_SHOWN = 50;

export const loaddata = defineCommand(
  {
    name: 'loaddata',
    summary: 'create or update groups, users, shops and storages from a JSON file (idempotent)',
    usage: [
      'Usage: loaddata FILE.json',
      '',
      '  {"groups": [{"name"}], "users": [{"username", "email", "password", "isActive", "isStaff",',
      '   "isSuperuser", "groups": [names]}], "shops": [{"name", "slug", "apiKey", "clientId",',
      '   "vendorName", "isActive", "updatePrices"}], "storages": [{"name", "ozonId", "shop": slug}]}',
      '',
      '  Rows are matched by group name, username, shop slug and (shop, ozonId): new ones are created,',
      '  changed ones updated, the rest left untouched. Passwords and API keys are stored hashed.',
      '  The whole file is checked first and loaded in one transaction: any error writes nothing.',
    ].join('\n'),
  },
  async (deps, args) => {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true, strict: true });
    const [file] = expectPositionals(positionals, ['FILE.json']);

    let raw: string;
    try {
      raw = (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new CommandError(`Error: cannot read ${file}: ${reason}`);
    }
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      throw new CommandError(
        `Error: ${file} is not valid JSON${jsonErrorPlace(raw, e as Error)}; nothing was written.`,
      );
    }
    const checked = validateFixture(data);
    if (!('fixture' in checked)) throw problemsError(file, checked.problems);

    let counts: LoadCounts;
    try {
      counts = await deps.dataSource.transaction((tx) => load(tx, checked.fixture));
    } catch (e) {
      if (e instanceof LoadProblems) throw problemsError(file, e.problems);
      if (isUniqueViolation(e)) {
        throw new CommandError(
          `Error: ${file} conflicts with the database (${(e as Error).message}); nothing was loaded.`,
        );
      }
      throw e;
    }
    deps.out(`Loaded ${file}:`);
    for (const kind of KINDS) {
      const c = counts[kind];
      deps.out(`  ${kind.padEnd(9)} ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`);
    }
    return 0;
  },
);

/**
 * Where JSON.parse stopped, as line and column. Its message is not shown: V8 quotes the text around the
 * error, which may be a password.
 */
function jsonErrorPlace(raw: string, e: Error): string {
  const m = /at position (\d+)/.exec(e.message);
  if (!m) return /end of JSON/.test(e.message) ? ' (it ends too early)' : '';
  const before = raw.slice(0, Number(m[1])).split('\n');
  return ` (line ${before.length}, column ${before.at(-1)!.length + 1})`;
}

class LoadProblems extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

function problemsError(file: string, problems: string[]): CommandError {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => `  ${p}`);
  if (problems.length > MAX_PROBLEMS_SHOWN)
    shown.push(`  … and ${problems.length - MAX_PROBLEMS_SHOWN} more`);
  const n = problems.length;
  return new CommandError(
    [
      `Error: ${file} was not loaded (${n} problem${n === 1 ? '' : 's'}); nothing was written:`,
      ...shown,
    ].join('\n'),
  );
}

/**
 * Runs inside one transaction. References are checked against the file and the database before the
 * first write; a conflict found while writing (a key that belongs to another shop) throws, and the
 * transaction takes back everything written before it.
 */
async function load(tx: EntityManager, f: Fixture): Promise<LoadCounts> {
  const counts = Object.fromEntries(
    KINDS.map((k) => [k, { created: 0, updated: 0, unchanged: 0 }]),
  ) as LoadCounts;
  const groups = f.groups ?? [];
  const users = f.users ?? [];
  const shops = f.shops ?? [];
  const storages = f.storages ?? [];

  // What the database already has, by natural key.
  const groupNames = [...new Set([...groups.map((g) => g.name), ...users.flatMap((u) => u.groups ?? [])])];
  const dbGroups = new Map(
    (groupNames.length ? await tx.find(Group, { where: { name: In(groupNames) } }) : []).map((g) => [
      g.name,
      g,
    ]),
  );
  const shopSlugs = [...new Set([...shops.map((s) => s.slug), ...storages.map((s) => s.shop)])];
  const dbShops = new Map((await findShops(tx, 'slug', shopSlugs)).map((s) => [s.slug, s]));

  const problems: string[] = [];
  const fileGroups = new Set(groups.map((g) => g.name));
  users.forEach((u, i) =>
    (u.groups ?? []).forEach((name, j) => {
      if (!fileGroups.has(name) && !dbGroups.has(name)) {
        problems.push(`users[${i}].groups[${j}]: no group "${name}" in the file or the database`);
      }
    }),
  );
  const fileShops = new Set(shops.map((s) => s.slug));
  storages.forEach((s, i) => {
    if (!fileShops.has(s.shop) && !dbShops.has(s.shop)) {
      problems.push(`storages[${i}].shop: no shop "${s.shop}" in the file or the database`);
    }
  });
  if (problems.length > 0) throw new LoadProblems(problems);

  // Groups.
  const groupIds = new Map<string, number>([...dbGroups].map(([name, g]) => [name, g.id]));
  for (const g of groups) {
    if (groupIds.has(g.name)) counts.groups.unchanged++;
    else {
      const saved = await tx.save(tx.create(Group, { name: g.name }));
      groupIds.set(g.name, saved.id);
      counts.groups.created++;
    }
  }

  // Users: a password that already verifies against the stored hash keeps that hash, so a second
  // load writes nothing.
  const dbUsers = new Map(
    (users.length
      ? await tx
          .getRepository(User)
          .createQueryBuilder('u')
          .addSelect('u.passwordHash')
          .where('u.username IN (:...names)', { names: users.map((u) => u.username) })
          .getMany()
      : []
    ).map((u) => [u.username, u]),
  );
  for (const u of users) {
    const existing = dbUsers.get(u.username);
    let userId: number;
    let changed = false;
    if (!existing) {
      const saved = await tx.save(
        tx.create(User, {
          username: u.username,
          email: u.email ?? '',
          passwordHash: await hashPassword(u.password),
          isActive: u.isActive ?? true,
          isStaff: u.isStaff ?? false,
          isSuperuser: u.isSuperuser ?? false,
        }),
      );
      userId = saved.id;
    } else {
      userId = existing.id;
      const patch: Partial<User> = {};
      if (u.email !== undefined && u.email !== existing.email) patch.email = u.email;
      for (const flag of ['isActive', 'isStaff', 'isSuperuser'] as const) {
        if (u[flag] !== undefined && u[flag] !== existing[flag]) patch[flag] = u[flag];
      }
      if (!(await verifyPassword(u.password, existing.passwordHash))) {
        patch.passwordHash = await hashPassword(u.password);
      }
      if (Object.keys(patch).length > 0) {
        await tx.update(User, { id: userId }, patch);
        changed = true;
      }
    }
    const wanted = [...new Set(u.groups ?? [])].map((name) => groupIds.get(name)!);
    if (wanted.length > 0) {
      const have = new Set(
        (await tx.find(UserGroup, { where: { userId, groupId: In(wanted) } })).map((m) => m.groupId),
      );
      const missing = wanted.filter((id) => !have.has(id));
      if (missing.length > 0) {
        await tx.insert(
          UserGroup,
          missing.map((groupId) => ({ userId, groupId })),
        );
        changed = true;
      }
    }
    if (!existing) counts.users.created++;
    else if (changed) counts.users.updated++;
    else counts.users.unchanged++;
  }

  // Shops.
  const hashes = shops.map((s) => hashApiKey(s.apiKey));
  const byHash = new Map((await findShops(tx, 'apiKeyHash', hashes)).map((s) => [s.apiKeyHash, s]));
  const shopIds = new Map<string, number>([...dbShops].map(([slug, s]) => [slug, s.id]));
  for (const [i, s] of shops.entries()) {
    const apiKeyHash = hashes[i];
    const owner = byHash.get(apiKeyHash);
    if (owner && owner.slug !== s.slug) {
      throw new LoadProblems([
        `shops[${i}].apiKey: already the key of the shop "${owner.slug}" in the database`,
      ]);
    }
    const existing = dbShops.get(s.slug);
    if (!existing) {
      const saved = await tx.save(
        tx.create(Shop, {
          name: s.name,
          slug: s.slug,
          apiKeyHash,
          apiKeyPrefix: apiKeyPrefix(s.apiKey),
          clientId: s.clientId,
          vendorName: s.vendorName,
          isActive: s.isActive ?? true,
          updatePrices: s.updatePrices ?? false,
        }),
      );
      shopIds.set(s.slug, saved.id);
      counts.shops.created++;
      continue;
    }
    const patch: Partial<Shop> = {};
    for (const field of ['name', 'clientId', 'vendorName'] as const) {
      if (s[field] !== existing[field]) patch[field] = s[field];
    }
    for (const flag of ['isActive', 'updatePrices'] as const) {
      if (s[flag] !== undefined && s[flag] !== existing[flag]) patch[flag] = s[flag];
    }
    if (apiKeyHash !== existing.apiKeyHash) {
      patch.apiKeyHash = apiKeyHash;
      patch.apiKeyPrefix = apiKeyPrefix(s.apiKey);
    }
    if (Object.keys(patch).length > 0) {
      await tx.update(Shop, { id: existing.id }, patch);
      counts.shops.updated++;
    } else counts.shops.unchanged++;
  }

  // Storages, matched by (shop, ozonId).
  const storageShopIds = [...new Set(storages.map((s) => shopIds.get(s.shop)!))];
  const dbStorages = new Map(
    (storageShopIds.length ? await tx.find(Storage, { where: { shopId: In(storageShopIds) } }) : []).map(
      (s) => [JSON.stringify([s.shopId, s.ozonId]), s],
    ),
  );
  for (const s of storages) {
    const shopId = shopIds.get(s.shop)!;
    const existing = dbStorages.get(JSON.stringify([shopId, s.ozonId]));
    if (!existing) {
      await tx.insert(Storage, { name: s.name, ozonId: s.ozonId, shopId });
      counts.storages.created++;
    } else if (existing.name !== s.name) {
      await tx.update(Storage, { id: existing.id }, { name: s.name });
      counts.storages.updated++;
    } else counts.storages.unchanged++;
  }
  return counts;
}

/** Shops with their key hash (a column not selected by default). */
async function findShops(tx: EntityManager, by: 'slug' | 'apiKeyHash', values: string[]): Promise<Shop[]> {
  if (values.length === 0) return [];
  return tx
    .getRepository(Shop)
    .createQueryBuilder('s')
    .addSelect('s.apiKeyHash')
    .where(`s.${by} IN (:...values)`, { values })
    .getMany();
}
