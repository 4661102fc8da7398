import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ban, unban } from '../../src/cli/commands/ban.js';
import { createshop } from '../../src/cli/commands/createshop.js';
import { slugify } from '../../src/services/index.js';
import { hashApiKey } from '../../src/services/secrets.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { cliDeps, resetData, tablesContaining } from './helpers.js';
import { sql } from '../support/sql.js';

describe('createshop', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await resetData(db);
  });

  it('transliterates Russian names into slugs', () => {
    expect(slugify('Домашний уют')).toBe('domashniy-uyut');
    expect(slugify('Зоомагазин «Четыре лапы»')).toBe('zoomagazin-chetyre-lapy');
    expect(slugify('Всё для сада')).toBe('vse-dlya-sada');
    expect(slugify('Автозапчасти 24')).toBe('avtozapchasti-24');
  });

  it('creates a shop with a new key, printed once and stored only as a hash', async () => {
    const c = cliDeps(db);
    const code = await createshop(c.deps, [
      '--name',
      'ТехноМир',
      '--vendor',
      'Сималенд',
      '--client-id',
      '1001',
    ]);
    expect(code).toBe(0);
    expect(c.out[0]).toBe('Shop "ТехноМир" created with the slug "tekhnomir".');
    const key = /: (mk_\S+)$/.exec(c.out[1])![1];
    const [shop] = await sql(db, `SELECT * FROM shops`);
    expect(shop).toMatchObject({
      slug: 'tekhnomir',
      client_id: '1001',
      vendor_name: 'Сималенд',
      is_active: true,
      update_prices: false,
      api_key_hash: hashApiKey(key),
      api_key_prefix: key.slice(0, 6),
    });
    expect(await tablesContaining(db, key)).toEqual([]);
  });

  it('takes a given slug, key and flags, and does not echo a key it was given', async () => {
    const key = 'mk_givenKeyForTheShop1234567890ab';
    const c = cliDeps(db);
    const args = ['--name', 'A', '--vendor', 'V', '--client-id', '7', '--slug', 'a-shop', '--api-key', key];
    expect(await createshop(c.deps, [...args, '--inactive', '--update-prices'])).toBe(0);
    expect(c.printed()).not.toContain(key);
    const [shop] = await sql(db, `SELECT slug, is_active, update_prices FROM shops`);
    expect(shop).toEqual({ slug: 'a-shop', is_active: false, update_prices: true });

    const again = cliDeps(db);
    expect(await createshop(again.deps, args)).toBe(1);
    expect(again.err).toEqual([
      'Error: a shop with the slug "a-shop" already exists (choose one with --slug).',
    ]);
    const sameKey = cliDeps(db);
    expect(await createshop(sameKey.deps, [...args.slice(0, 7), 'b-shop', '--api-key', key])).toBe(1);
    expect(sameKey.err).toEqual(['Error: another shop already has this API key.']);
    const missing = cliDeps(db);
    expect(await createshop(missing.deps, ['--name', 'A'])).toBe(2);
    expect(missing.err[0]).toBe('Missing --vendor, --client-id.');
  });
});

describe('ban and unban', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
    await sql(
      db,
      `INSERT INTO telegram_users (telegram_id, chat_id, role) VALUES (7000000001, 7000000001, 'seller')`,
    );
  });
  afterAll(async () => {
    await db.close();
  });

  const notices = async () => sql(db, `SELECT kind, chat_id FROM notifications ORDER BY id`);

  it('flip the flag once, so the trigger queues exactly one notice each way', async () => {
    const a = cliDeps(db);
    expect(await ban(a.deps, ['7000000001'])).toBe(0);
    expect(a.out).toEqual(['Telegram user 7000000001 banned; the bot will tell them.']);
    const b = cliDeps(db);
    expect(await ban(b.deps, ['7000000001'])).toBe(0);
    expect(b.out).toEqual(['Telegram user 7000000001 is already banned.']);
    expect(await notices()).toEqual([{ kind: 'ban', chat_id: 7000000001 }]);
    const c = cliDeps(db);
    expect(await unban(c.deps, ['7000000001'])).toBe(0);
    expect(c.out).toEqual(['Telegram user 7000000001 unbanned; the bot will tell them.']);
    expect(await notices()).toEqual([
      { kind: 'ban', chat_id: 7000000001 },
      { kind: 'unban', chat_id: 7000000001 },
    ]);
  });

  it('name an unknown user and refuse a non-number', async () => {
    const a = cliDeps(db);
    expect(await ban(a.deps, ['42'])).toBe(1);
    expect(a.err).toEqual(['Error: no Telegram user 42.']);
    const b = cliDeps(db);
    expect(await unban(b.deps, ['@someone'])).toBe(2);
    expect(b.err[0]).toBe('TELEGRAM_ID: expected a number, got "@someone".');
  });
});
