import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createshop } from '../../src/cli/commands/createshop.js';
import { loaddata } from '../../src/cli/commands/loaddata.js';
import { apiKeyPrefix, hashApiKey, verifyPassword } from '../../src/services/secrets.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { cliDeps, resetData, rowCounts, snapshot, tablesContaining } from './helpers.js';
import { sql } from '../support/sql.js';

type DemoFixture = {
  groups: { name: string }[];
  users: { username: string; password: string; groups: string[]; [k: string]: unknown }[];
  shops: { name: string; slug: string; apiKey: string; [k: string]: unknown }[];
  storages: { name: string; ozonId: string; shop: string }[];
};

const demoPath = path.resolve('fixtures/demo.json');
const demo: DemoFixture = JSON.parse(await fs.readFile(demoPath, 'utf8'));
const copy = (): DemoFixture => structuredClone(demo);

describe('loaddata', () => {
  let db: Database;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'loaddata-'));
  });
  afterAll(async () => {
    await db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetData(db);
  });

  let fileNo = 0;
  async function writeFixture(data: unknown): Promise<string> {
    const file = path.join(dir, `fixture-${++fileNo}.json`);
    await fs.writeFile(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  }

  async function load(file: string) {
    const c = cliDeps(db);
    const code = await loaddata(c.deps, [file]);
    return { code, ...c };
  }

  it('loads the demo file: counts per kind, and only hashes of the secrets', async () => {
    const r = await load(demoPath);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual([
      `Loaded ${demoPath}:`,
      '  groups    0 created, 0 updated, 1 unchanged',
      '  users     1 created, 0 updated, 0 unchanged',
      `  shops     ${demo.shops.length} created, 0 updated, 0 unchanged`,
      `  storages  ${demo.storages.length} created, 0 updated, 0 unchanged`,
    ]);
    const counts = await rowCounts(db);
    expect(counts).toMatchObject({
      users: 1,
      user_groups: 1,
      shops: demo.shops.length,
      storages: demo.storages.length,
    });

    // No column of any table holds a plain key or password.
    for (const shop of demo.shops) expect(await tablesContaining(db, shop.apiKey)).toEqual([]);
    expect(await tablesContaining(db, demo.users[0].password)).toEqual([]);

    const shops: { slug: string; api_key_hash: string; api_key_prefix: string }[] = await sql(
      db,
      `SELECT slug, api_key_hash, api_key_prefix FROM shops`,
    );
    const bySlug = new Map(shops.map((s) => [s.slug, s]));
    for (const s of demo.shops) {
      expect(bySlug.get(s.slug)).toEqual({
        slug: s.slug,
        api_key_hash: hashApiKey(s.apiKey),
        api_key_prefix: apiKeyPrefix(s.apiKey),
      });
    }
    const [admin] = await sql<{ id: number; password_hash: string }>(
      db,
      `SELECT * FROM users WHERE username = 'admin'`,
    );
    expect(admin).toMatchObject({ is_active: true, is_staff: true, is_superuser: true });
    expect(admin.password_hash).toMatch(/^\$2[aby]\$/);
    expect(await verifyPassword(demo.users[0].password, admin.password_hash)).toBe(true);
    const [{ name }] = await sql(
      db,
      `SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id WHERE ug.user_id = $1`,
      [admin.id],
    );
    expect(name).toBe('telegram_admins');
    expect(r.printed()).not.toContain(demo.users[0].password);
  });

  it('changes nothing when the same file is loaded again: every row byte-identical', async () => {
    await load(demoPath);
    const before = await snapshot(db);
    const r = await load(demoPath);
    expect(r.code).toBe(0);
    expect(r.out.slice(1)).toEqual([
      '  groups    0 created, 0 updated, 1 unchanged',
      '  users     0 created, 0 updated, 1 unchanged',
      `  shops     0 created, 0 updated, ${demo.shops.length} unchanged`,
      `  storages  0 created, 0 updated, ${demo.storages.length} unchanged`,
    ]);
    expect(await snapshot(db)).toEqual(before);
  });

  it('updates what changed by natural key, rehashing only a password that no longer verifies', async () => {
    await load(demoPath);
    const changed = copy();
    changed.users[0].password = 'a-brand-new-password';
    changed.shops[0].name = 'Домашний уют (новый)';
    changed.shops[1].apiKey = 'mk_replacementKeyForShopTwo0000000';
    changed.storages[0].name = 'Хоругвино-2';
    changed.groups.push({ name: 'editors' });
    changed.users[0].groups.push('editors');
    const r = await load(await writeFixture(changed));
    expect(r.code).toBe(0);
    expect(r.out.slice(1)).toEqual([
      '  groups    1 created, 0 updated, 1 unchanged',
      '  users     0 created, 1 updated, 0 unchanged',
      `  shops     0 created, 2 updated, ${demo.shops.length - 2} unchanged`,
      `  storages  0 created, 1 updated, ${demo.storages.length - 1} unchanged`,
    ]);
    const [admin] = await sql<{ password_hash: string }>(
      db,
      `SELECT password_hash FROM users WHERE username = 'admin'`,
    );
    expect(await verifyPassword('a-brand-new-password', admin.password_hash)).toBe(true);
    const [shop] = await sql(db, `SELECT api_key_hash FROM shops WHERE slug = $1`, [demo.shops[1].slug]);
    expect(shop.api_key_hash).toBe(hashApiKey('mk_replacementKeyForShopTwo0000000'));
  });

  it('accepts a storage of a shop that is only in the database', async () => {
    await load(demoPath);
    const file = await writeFixture({
      storages: [{ name: 'Дополнительный', ozonId: '999', shop: demo.shops[5].slug }],
    });
    const r = await load(file);
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe('  storages  1 created, 0 updated, 0 unchanged');
  });

  const malformed: [string, (f: DemoFixture) => unknown, string[]][] = [
    [
      'a missing field',
      (f) => {
        delete (f.shops[3] as Partial<DemoFixture['shops'][number]>).apiKey;
        return f;
      },
      ['shops[3].apiKey: required'],
    ],
    [
      'unknown keys, at the top and in a row',
      (f) => {
        (f.shops[0] as Record<string, unknown>).apikey = 'x';
        return { ...f, shop: [] };
      },
      ['shops[0]: unknown key "apikey"', '(top level): unknown key "shop"'],
    ],
    [
      'a wrong type',
      (f) => {
        (f.shops[2] as Record<string, unknown>).isActive = 'yes';
        return f;
      },
      ['shops[2].isActive: Invalid input: expected boolean, received string'],
    ],
    [
      'a bad slug and a short key',
      (f) => {
        f.shops[4].slug = 'Bad Slug';
        f.shops[4].apiKey = 'short';
        return f;
      },
      [
        'shops[4].slug: expected lowercase latin letters and digits, separated by single hyphens or underscores',
        'shops[4].apiKey: expected at least 16 characters',
      ],
    ],
    [
      'a duplicate slug',
      (f) => {
        f.shops[5].slug = f.shops[1].slug;
        return f;
      },
      [`shops[5].slug: duplicate "${demo.shops[1].slug}", already in shops[1]`],
    ],
    [
      'a duplicate API key (not quoted)',
      (f) => {
        f.shops[7].apiKey = f.shops[6].apiKey;
        return f;
      },
      ['shops[7].apiKey: duplicate, already in shops[6]'],
    ],
    [
      'a duplicate username',
      (f) => {
        f.users.push({ ...f.users[0] });
        return f;
      },
      ['users[1].username: duplicate "admin", already in users[0]'],
    ],
    [
      'a short password (not quoted)',
      (f) => {
        f.users[0].password = 'tiny';
        return f;
      },
      ['users[0].password: expected at least 8 characters'],
    ],
    [
      'a storage of an unknown shop',
      (f) => {
        f.storages[2].shop = 'no-such-shop';
        return f;
      },
      ['storages[2].shop: no shop "no-such-shop" in the file or the database'],
    ],
    [
      'a user in an unknown group',
      (f) => {
        f.users[0].groups = ['telegram_admins', 'moderators'];
        return f;
      },
      ['users[0].groups[1]: no group "moderators" in the file or the database'],
    ],
    ['not an object', () => [], ['(top level): Invalid input: expected object, received array']],
  ];

  it.each(malformed)('refuses %s, naming the field and writing nothing', async (_label, mutate, problems) => {
    await load(demoPath);
    const before = await snapshot(db);
    const r = await load(await writeFixture(mutate(copy())));
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err[0]).toMatch(/^Error: .* was not loaded \(\d+ problems?\); nothing was written:/);
    expect(r.err[0].split('\n').slice(1)).toEqual(problems.map((p) => `  ${p}`));
    expect(await snapshot(db)).toEqual(before);
    for (const shop of demo.shops) expect(r.printed()).not.toContain(shop.apiKey);
  });

  it('refuses a file that is not JSON, or not there, writing nothing', async () => {
    const before = await rowCounts(db);
    const a = await load(await writeFixture('{"shops": [\n {"name": "x", }'));
    expect(a.code).toBe(1);
    expect(a.err[0]).toMatch(
      /^Error: .*fixture-\d+\.json is not valid JSON \(line 2, column 16\); nothing was written\.$/,
    );
    // V8 quotes the text near the error; a password there must not be printed.
    const b0 = await load(await writeFixture('{"users": [{"password": hunter2-secret}]}'));
    expect(b0.code).toBe(1);
    expect(b0.printed()).not.toContain('hunter2');
    const b = await load(path.join(dir, 'missing.json'));
    expect(b.code).toBe(1);
    expect(b.err[0]).toMatch(/^Error: cannot read .*missing\.json: no such file$/);
    expect(await rowCounts(db)).toEqual(before);
  });

  it('rolls everything back when the last shop conflicts with the database', async () => {
    const taken = 'mk_alreadyTakenByAnExistingShop1234';
    await createshop(cliDeps(db).deps, [
      '--name',
      'Existing',
      '--slug',
      'existing',
      '--vendor',
      'V',
      '--client-id',
      '1',
      '--api-key',
      taken,
    ]);
    const before = await snapshot(db);
    const f = copy();
    f.groups.push({ name: 'editors' });
    f.users[0].groups.push('editors');
    const last = f.shops.length - 1;
    f.shops[last].apiKey = taken;
    const r = await load(await writeFixture(f));
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      expect.stringMatching(
        /was not loaded \(1 problem\); nothing was written:\n {2}shops\[35\]\.apiKey: already the key of the shop "existing" in the database$/,
      ),
    ]);
    expect(r.printed()).not.toContain(taken);
    // The group, the user and the 35 shops before it were written in the transaction, then taken back.
    expect(await snapshot(db)).toEqual(before);
  });

  it('matches the secrets fixtures/README.md publishes', async () => {
    const readme = await fs.readFile(path.resolve('fixtures/README.md'), 'utf8');
    const keys = [...readme.matchAll(/`(mk_[\w-]+)`/g)].map((m) => m[1]);
    expect(keys).toHaveLength(5);
    for (const key of keys) expect(demo.shops.map((s) => s.apiKey)).toContain(key);
    expect(readme).toContain(`\`${demo.users[0].password}\``);
  });

  it('needs exactly one file', async () => {
    const c = cliDeps(db);
    expect(await loaddata(c.deps, [])).toBe(2);
    expect(c.err[0]).toBe('Missing argument: FILE.json.');
  });
});
