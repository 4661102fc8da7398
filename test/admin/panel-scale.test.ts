/**
 * The panel with large tables (issue 14, part 3): lists don't count a large table exactly and say
 * so ("about 12,000", "10,000+"), and the dashboard's counts, kept by triggers instead of read by a
 * full scan, stay right after every kind of change: inserts, deletes, bans and unbans (through the
 * panel), activation, role changes, shops switched on and off, a subscription paid, TRUNCATE, and
 * the deltas folded into the totals. On PostgreSQL and on the embedded database, and in Chromium
 * for what the list's title shows.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { sql } from '../support/sql.js';
import {
  createStaff,
  createTelegramUser,
  HttpClient,
  loggedIn,
  PASSWORD,
  startHarness,
  type Harness,
} from './support.js';

let h: Harness;
let clerk: HttpClient;

beforeAll(async () => {
  h = await startHarness();
  await createStaff(h, { username: 'clerk' });
  clerk = await loggedIn(h, 'clerk');
}, 120_000);

afterAll(async () => h?.close());

interface ListMeta {
  total: number;
  totalKind: string;
  totalLabel: string;
  page: number;
}

async function list(resource: string, query = ''): Promise<{ meta: ListMeta; records: unknown[] }> {
  const reply = await clerk.api(`/resources/${resource}/actions/list${query}`);
  expect(reply.status).toBe(200);
  return reply.json<{ meta: ListMeta; records: unknown[] }>();
}

/** The dashboard's counts, and the same counted from the tables (what they must equal). */
async function countsAndTruth() {
  const shown = (await clerk.api('/dashboard')).json<{ counts: Record<string, number> }>().counts;
  const [truth] = (await sql(
    h,
    `SELECT (SELECT count(*)::int FROM telegram_users WHERE role = 'seller') AS sellers,
            (SELECT count(*)::int FROM telegram_users WHERE role = 'admin') AS admins,
            (SELECT count(*)::int FROM telegram_users WHERE is_banned) AS banned,
            (SELECT count(*)::int FROM telegram_users WHERE NOT is_active) AS inactive,
            (SELECT count(*)::int FROM shops WHERE is_active) AS "activeShops",
            (SELECT count(*)::int FROM shops WHERE NOT is_active) AS "inactiveShops"`,
  )) as Record<string, number>[];
  return { shown, truth: truth! };
}

async function expectCountsRight(expected?: Partial<Record<string, number>>) {
  const { shown, truth } = await countsAndTruth();
  expect(shown).toEqual(truth);
  if (expected) expect(shown).toMatchObject(expected);
}

describe('dashboard counts kept by triggers', () => {
  test('right after inserts, deletes, bans, unbans, activation, roles, shops, payments and truncation', async () => {
    await sql(h, `TRUNCATE telegram_users, shops RESTART IDENTITY CASCADE`);
    await expectCountsRight({
      sellers: 0,
      admins: 0,
      banned: 0,
      inactive: 0,
      activeShops: 0,
      inactiveShops: 0,
    });

    // One statement inserting many rows (counted per statement), and rows one at a time.
    await sql(
      h,
      `INSERT INTO telegram_users (telegram_id, chat_id, username, role, is_banned, is_active)
       SELECT 8000000000 + g, 8000000000 + g, 'bulk_' || g,
              (CASE WHEN g % 10 = 0 THEN 'admin' ELSE 'seller' END)::telegram_user_role, g % 25 = 0, g % 4 <> 0
       FROM generate_series(1, 200) g`,
    );
    await expectCountsRight({ sellers: 180, admins: 20, banned: 8, inactive: 50 });
    const one = await createTelegramUser(h, { username: 'one' });
    const two = await createTelegramUser(h, { username: 'two', role: 'admin', isBanned: true });
    await expectCountsRight({ sellers: 181, admins: 21, banned: 9 });

    // Ban and unban through the panel, as staff do.
    const ban = await clerk.api(`/resources/TelegramUser/records/${one.id}/ban`, {
      json: { confirm: 'yes' },
    });
    expect(ban.status).toBe(200);
    await expectCountsRight({ banned: 10 });
    const unban = await clerk.api(`/resources/TelegramUser/records/${two.id}/unban`, {
      json: { confirm: 'yes' },
    });
    expect(unban.status).toBe(200);
    await expectCountsRight({ banned: 9 });
    // Banning someone already banned changes nothing (no delta for an unchanged value).
    await h.services.users.setBanned([one.id, one.id], true);
    await expectCountsRight({ banned: 9 });

    await h.services.users.setActive([one.id], false);
    await expectCountsRight({ inactive: 51 });
    await sql(h, `UPDATE telegram_users SET role = 'admin' WHERE id = $1`, [one.id]);
    await expectCountsRight({ sellers: 180, admins: 22 });
    // An update of other columns (what the bot does on most updates) leaves the counts alone.
    await sql(h, `UPDATE telegram_users SET username = username || '_x', is_reachable = false`);
    await expectCountsRight({ sellers: 180, admins: 22 });

    // A subscription paid: the payer's account is switched on, and the month's payments grow.
    await h.services.subscriptions.recordPayment({
      telegramChargeId: 'charge-1',
      providerChargeId: 'provider-1',
      amount: 19900,
      currency: 'RUB',
      payerTelegramId: one.telegramId,
      payload: 'sub:v2:0:0:-',
    });
    await expectCountsRight({ inactive: 50 });
    const payments = (await clerk.api('/dashboard')).json<{ paymentsThisMonth: unknown[] }>()
      .paymentsThisMonth;
    expect(payments).toEqual([{ currency: 'RUB', count: 1, sum: 19900 }]);

    // Deletes: one row, and many in one statement.
    await sql(h, `DELETE FROM telegram_users WHERE id = $1`, [two.id]);
    await expectCountsRight({ admins: 21 });
    await sql(h, `DELETE FROM telegram_users WHERE username LIKE 'bulk_%' AND id % 2 = 0`);
    await expectCountsRight();

    // Shops: created, switched off and on, deleted.
    const { shop } = await h.services.shops.create({ name: 'Counted', clientId: 'c-1', vendorName: 'V' });
    await sql(
      h,
      `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name, is_active)
       SELECT 'Bulk ' || g, 'bulk-' || g, md5(g::text), 'mk_', 'c', 'v', g % 3 <> 0 FROM generate_series(1, 30) g`,
    );
    await expectCountsRight({ activeShops: 21, inactiveShops: 10 });
    await sql(h, `UPDATE shops SET is_active = false WHERE id = $1`, [shop.id]);
    await expectCountsRight({ activeShops: 20, inactiveShops: 11 });
    await sql(h, `UPDATE shops SET is_active = true`);
    await expectCountsRight({ activeShops: 31, inactiveShops: 0 });
    await h.services.shops.delete(shop.id);
    await expectCountsRight({ activeShops: 30 });

    // Folding the deltas into the totals changes nothing that is shown.
    const before = await countsAndTruth();
    expect(await h.services.dashboard.foldCounts()).toBeGreaterThan(0);
    expect((await countsAndTruth()).shown).toEqual(before.shown);
    expect(await h.services.dashboard.foldCounts()).toBe(0);
    await h.services.housekeeping.prune();
    await expectCountsRight();

    // TRUNCATE (with CASCADE, as tests and operators do) zeroes the counts.
    await sql(h, `TRUNCATE telegram_users, shops RESTART IDENTITY CASCADE`);
    await expectCountsRight({
      sellers: 0,
      admins: 0,
      banned: 0,
      inactive: 0,
      activeShops: 0,
      inactiveShops: 0,
    });
  });

  test('a changed row rolled back leaves the counts as they were', async () => {
    const u = await createTelegramUser(h, { username: 'rolled' });
    const before = (await countsAndTruth()).shown;
    await h.db.dataSource
      .transaction(async (em) => {
        await em.query(`UPDATE telegram_users SET is_banned = true WHERE id = $1`, [u.id]);
        await em.query(`DELETE FROM shops`);
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await expectCountsRight();
    expect((await countsAndTruth()).shown).toEqual(before);
  });

  test('a view with many pending deltas folds them, and the next view shows the same', async () => {
    await sql(
      h,
      `INSERT INTO telegram_users (telegram_id, chat_id, username, role)
       SELECT 8100000000 + g, 8100000000 + g, 'many_' || g, 'seller' FROM generate_series(1, 250) g`,
    );
    await h.services.dashboard.foldCounts();
    for (let i = 0; i < 3; i++) {
      // Every row updated (one delta each): 750 deltas in all, above the fold threshold.
      await sql(h, `UPDATE telegram_users SET is_banned = NOT is_banned`);
    }
    const [{ n }] = (await sql(h, `SELECT count(*)::int AS n FROM panel_count_deltas`)) as { n: number }[];
    expect(n).toBeGreaterThanOrEqual(500);
    await expectCountsRight();
    const [{ left }] = (await sql(h, `SELECT count(*)::int AS left FROM panel_count_deltas`)) as {
      left: number;
    }[];
    expect(left).toBe(0);
    await expectCountsRight();
  });
});

describe('list totals of a large table', () => {
  beforeAll(async () => {
    await sql(h, `TRUNCATE telegram_users, shops RESTART IDENTITY CASCADE`);
    await sql(
      h,
      `INSERT INTO telegram_users (telegram_id, chat_id, username, role, is_banned, is_active)
       SELECT 6000000000 + g, 6000000000 + g, 'big_' || g, 'seller', g % 40 = 0, true
       FROM generate_series(1, 12000) g`,
    );
    // The estimate is the planner's: right after ANALYZE it is the table's size.
    await sql(h, `ANALYZE telegram_users`);
  }, 60_000);

  test('an unfiltered list of more than 10,000 rows shows an estimate, and says so', async () => {
    const { meta, records } = await list('TelegramUser');
    expect(records).toHaveLength(20);
    expect(meta.totalKind).toBe('estimated');
    expect(meta.total).toBeGreaterThan(11_000);
    expect(meta.total).toBeLessThan(13_000);
    expect(meta.totalLabel).toMatch(/^about 1[12],\d{3}$/);
  });

  test('a filter matching up to 10,000 rows is counted exactly', async () => {
    const banned = await list('TelegramUser', '?filters.isBanned=true');
    expect(banned.meta).toMatchObject({ total: 300, totalKind: 'exact', totalLabel: '300' });
    const one = await list('TelegramUser', '?filters.username=big_1234');
    expect(one.meta).toMatchObject({ total: 1, totalKind: 'exact', totalLabel: '1' });
  });

  test('a filter matching more than 10,000 rows says "10,000+"', async () => {
    const { meta } = await list('TelegramUser', '?filters.isBanned=false');
    expect(meta).toMatchObject({ total: 10_000, totalKind: 'atLeast', totalLabel: '10,000+' });
  });

  test("the list's last page, shorter than a full one, makes the total exact", async () => {
    // 12,000 rows at 7 a page: the last page (the 1,715th) has 2 rows, so the total is known.
    const tail = await list('TelegramUser', '?page=1715&perPage=7');
    expect(tail.records).toHaveLength(2);
    expect(tail.meta).toMatchObject({ total: 12_000, totalKind: 'exact', totalLabel: '12,000' });
    const full = await list('TelegramUser', '?page=1714&perPage=7');
    expect(full.records).toHaveLength(7);
    expect(full.meta.totalKind).toBe('estimated');
  });

  test('a page deep down the list (ids found first) holds the right rows, in order', async () => {
    type Row = { params: { id: number } };
    const desc = await list('TelegramUser', '?page=300&perPage=20');
    expect((desc.records as Row[]).map((r) => r.params.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => 12_000 - 5_980 - i),
    );
    const asc = await list('TelegramUser', '?page=300&perPage=20&sortBy=id&direction=asc');
    expect((asc.records as Row[]).map((r) => r.params.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => 5_981 + i),
    );
    const kept = await list('TelegramUser', '?page=100&perPage=20&filters.isBanned=false');
    const expected = (await sql(
      h,
      `SELECT id FROM telegram_users WHERE NOT is_banned ORDER BY id DESC OFFSET 1980 LIMIT 20`,
    )) as { id: number }[];
    expect((kept.records as Row[]).map((r) => r.params.id)).toEqual(expected.map((r) => r.id));
  });

  test('a table emptied since its statistics shows 0, not the stale estimate', async () => {
    await sql(
      h,
      `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name)
       SELECT 'Gone ' || g, 'gone-' || g, md5(g::text), 'mk_', 'c', 'v' FROM generate_series(1, 25000) g`,
    );
    await sql(h, `ANALYZE shops`);
    expect((await list('Shop')).meta).toMatchObject({ totalKind: 'estimated', totalLabel: 'about 25,000' });
    // The rows go, their pages stay until VACUUM: the planner still estimates 25,000.
    await sql(h, `DELETE FROM shops`);
    const { meta, records } = await list('Shop');
    expect(records).toEqual([]);
    expect(meta).toMatchObject({ total: 0, totalKind: 'exact', totalLabel: '0' });
  });

  test('small tables are counted exactly, as before', async () => {
    const { meta } = await list('Shop');
    expect(meta).toMatchObject({ total: 0, totalKind: 'exact', totalLabel: '0' });
  });

  const browserReady = chromiumAvailable('panel-scale.test.ts');
  (browserReady ? test : test.skip)(
    "the list's title says 'about 12,000' in a browser, and a capped filter '10,000+'",
    async () => {
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${h.base}/admin/login`, { waitUntil: 'domcontentloaded' });
        await page.fill('input[name="email"]', 'clerk');
        await page.fill('input[name="password"]', PASSWORD);
        await Promise.all([
          page.waitForURL(`${h.base}/admin`, { waitUntil: 'domcontentloaded' }),
          page.getByRole('button', { name: 'Sign in' }).click(),
        ]);
        // The title and its badge: AdminJS's list would print the estimate as a bare number.
        const title = (text: RegExp) =>
          page.locator('[data-css="TelegramUser-list-action-header"] h2', { hasText: text }).waitFor();
        await page.goto(`${h.base}/admin/resources/TelegramUser`, { waitUntil: 'domcontentloaded' });
        await page.waitForSelector('text=big_12000');
        await title(/about 1[12],\d{3}$/);
        await page.goto(`${h.base}/admin/resources/TelegramUser?filters.isBanned=false`, {
          waitUntil: 'domcontentloaded',
        });
        await title(/10,000\+$/);
        await page.goto(`${h.base}/admin/resources/TelegramUser?filters.isBanned=true`, {
          waitUntil: 'domcontentloaded',
        });
        await title(/\D300$/);
        expect(errors).toEqual([]);
      } finally {
        await browser?.close();
      }
    },
    120_000,
  );
});
