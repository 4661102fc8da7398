import fs from 'node:fs/promises';
import { isDomainError, isUniqueViolation, type Services } from '../../services/index.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';
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
      counts = await deps.services.transaction((tx) => load(tx, checked.fixture));
    } catch (e) {
      if (e instanceof LoadProblems) throw problemsError(file, e.problems);
      if (isDomainError(e, 'conflict') || isUniqueViolation(e)) {
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
 * Runs inside one transaction, through services bound to it. References are checked against the file
 * and the database before the first write; a conflict found while writing (a key that belongs to
 * another shop) throws, and the transaction takes back everything written before it.
 */
async function load(tx: Services, f: Fixture): Promise<LoadCounts> {
  const counts = Object.fromEntries(
    KINDS.map((k) => [k, { created: 0, updated: 0, unchanged: 0 }]),
  ) as LoadCounts;
  const groups = f.groups ?? [];
  const users = f.users ?? [];
  const shops = f.shops ?? [];
  const storages = f.storages ?? [];

  // What the database already has, by natural key.
  const groupNames = [...new Set([...groups.map((g) => g.name), ...users.flatMap((u) => u.groups ?? [])])];
  const dbGroups = new Set((await tx.staff.findGroups(groupNames)).map((g) => g.name));
  const shopSlugs = [...new Set([...shops.map((s) => s.slug), ...storages.map((s) => s.shop)])];
  const dbShops = new Set((await tx.shops.findBySlugs(shopSlugs)).map((s) => s.slug));

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

  for (const g of groups) {
    if (dbGroups.has(g.name)) counts.groups.unchanged++;
    else {
      await tx.staff.ensureGroup(g.name);
      counts.groups.created++;
    }
  }

  // Users: a password that already verifies against the stored hash keeps that hash, so a second
  // load writes nothing. Memberships not in the file are kept.
  for (const u of users) {
    let outcome = await tx.staff.saveUser(u);
    for (const name of new Set(u.groups ?? [])) {
      if ((await tx.staff.addToGroup(u.username, name)) && outcome === 'unchanged') outcome = 'updated';
    }
    counts.users[outcome]++;
  }

  for (const [i, s] of shops.entries()) {
    const outcome = await tx.shops.save(s);
    if (typeof outcome === 'object') {
      throw new LoadProblems([
        `shops[${i}].apiKey: already the key of the shop "${outcome.keyOf}" in the database`,
      ]);
    }
    counts.shops[outcome]++;
  }

  // Storages, matched by (shop, ozonId); every shop was checked above.
  for (const s of storages) {
    const outcome = await tx.storages.save({ shopSlug: s.shop, ozonId: s.ozonId, name: s.name });
    if (outcome === 'no_shop') throw new LoadProblems([`storages: no shop "${s.shop}"`]);
    counts.storages[outcome]++;
  }
  return counts;
}
