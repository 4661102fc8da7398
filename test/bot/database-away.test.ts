import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loginSeller, newUser, seedShop, startHarness, type Harness } from '../support/bot-harness.js';
import { usingPostgres } from '../support/db.js';
import { onServer, sql } from '../support/sql.js';

/** The PostgreSQL server drops every connection (a restart, a failover): the bot carries on. */
(usingPostgres ? describe : describe.skip)('a database that is briefly away', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function dropAllConnections(): Promise<number> {
    const name = new URL(h.db.url).pathname.slice(1);
    const res = await onServer(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [name],
    );
    return res.rowCount ?? 0;
  }

  it('answers the next press once connections are back, and loses no state', async () => {
    const { apiKey } = await seedShop(h.services, 'Переживёт');
    const u = newUser(h);
    await loginSeller(u, apiKey);

    expect(await dropAllConnections()).toBeGreaterThan(0);

    // The first press may meet a dead pooled connection: then the user is told and the query answered.
    const first = u.pressKey((t) => t.btnShopList);
    const shown = await u.waitForMessage(/Доступные магазины|Что-то пошло не так/);
    await u.answerOf(first.queryId);
    if (!/Доступные магазины/.test(shown.text)) {
      u.pressKey((t) => t.btnShopList);
      await u.waitForMessage('Доступные магазины');
    }
    u.press(/Переживёт 🟢/);
    await u.waitForMessage('Магазин: Переживёт');
    u.pressKey((t) => t.btnActivation);
    await u.waitForMessage(/Активен: 🟢/);
    u.pressKey((t) => t.btnDeactivate);
    await u.waitForMessage(/Активен: 🔴/);
    const [{ is_active }] = await sql(h, `SELECT is_active FROM shops WHERE name = 'Переживёт'`);
    expect(is_active).toBe(false);
  });
});
