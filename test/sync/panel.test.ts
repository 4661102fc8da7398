import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs/promises';
import { createAdmin, type AdminPanel } from '../../src/admin/index.js';
import { loadConfig } from '../../src/config.js';
import { pingDatabase } from '../../src/db/health.js';
import { createHttpApp, startHttpServer, type RunningServer } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { SyncWorker } from '../../src/workers/sync.js';
import { auditRows, createStaff, loggedIn, useOwnBundleDir } from '../admin/support.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { PASSWORD } from '../support/http-client.js';
import { sql } from '../support/sql.js';
import { BrokerProxy, Marketplace, uniqueSyncConfig, waitFor } from './support.js';

/**
 * What staff see of the sync: the shop's marketplace id and last sync time, and the "Sync" page
 * (broker state, outbox backlog, dead letters with Retry); /healthz shows the broker connection.
 */
describe('shop sync in the panel and /healthz', () => {
  let db: Database;
  let services: Services;
  let proxy: BrokerProxy;
  let market: Marketplace;
  let worker: SyncWorker;
  let admin: AdminPanel;
  let server: RunningServer;
  let base: string;
  let bundleDir: string;
  const h = () => ({ db, services, base }) as unknown as Parameters<typeof loggedIn>[0];

  beforeAll(async () => {
    bundleDir = useOwnBundleDir();
    db = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_JS_TMP_DIR: bundleDir });
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });
    proxy = new BrokerProxy();
    await proxy.start();
    const syncConfig = uniqueSyncConfig(proxy.url, 'syncpanel');
    market = new Marketplace(syncConfig);
    await market.start();
    worker = new SyncWorker({
      config: syncConfig,
      sync: services.sync,
      logger,
      relayIntervalMs: 100,
      reconnect: { minMs: 100, maxMs: 300 },
    });
    worker.start();
    await waitFor(
      () => worker.status().state,
      (s) => s === 'connected',
    );
    const syncState = () => worker.status();
    admin = await createAdmin({ config, dbUrl: db.url, services, logger, syncState });
    server = await startHttpServer(
      createHttpApp({ config, logger, admin, ping: () => pingDatabase(db.dataSource), syncState }),
      0,
      '127.0.0.1',
    );
    base = `http://127.0.0.1:${server.port}`;
    await createStaff(h() as never, { username: 'olga' });
  });

  afterAll(async () => {
    await server.close();
    await admin.close();
    await worker.stop();
    await market.close();
    await proxy.close();
    await db.close();
    await fs.rm(bundleDir, { recursive: true, force: true });
  });

  it("shows a shop's marketplace id and last sync time", async () => {
    await market.send('create', {
      id: 'oz-panel-1',
      version: 1,
      name: 'Panel shop',
      slug: 'panel-shop',
      client_id: '1',
      vendor_name: 'V',
      is_active: true,
      price_updating: true,
      api_key: 'panel-shop-key-0123456789',
    });
    const [row] = await waitFor(
      () => sql<{ id: number }>(db, `SELECT id FROM shops WHERE external_id = 'oz-panel-1'`),
      (rows) => rows.length === 1,
    );
    const olga = await loggedIn(h(), 'olga');
    const show = await olga.api(`/resources/Shop/records/${row!.id}/show`);
    expect(show.status).toBe(200);
    const record = show.json<{
      record: { params: Record<string, unknown>; localTimes?: Record<string, string> };
    }>().record;
    expect(record.params.externalId).toBe('oz-panel-1');
    expect(record.params.syncedAt).toBeTruthy();
    expect(record.localTimes?.syncedAt).toMatch(/\d{2}:\d{2}$/);
  });

  it('the Sync page shows the broker, the backlog and the dead letters; Retry applies one once fixed', async () => {
    const olga = await loggedIn(h(), 'olga');
    const [shop] = await sql<{ id: number }>(db, `SELECT id FROM shops WHERE external_id = 'oz-panel-1'`);
    await sql(db, `INSERT INTO storages (name, ozon_id, shop_id) VALUES ('W', '1', $1)`, [shop!.id]);
    const id = await market.send('delete', { id: 'oz-panel-1', version: 5 });
    await waitFor(
      () => sql(db, `SELECT 1 FROM shop_sync_seen WHERE message_id = $1`, [id]),
      (rows) => rows.length === 1,
    );
    const page = await olga.api('/pages/sync');
    expect(page.status).toBe(200);
    const data = page.json<{
      enabled: boolean;
      broker: { state: string; relayLeader: boolean };
      status: { backlog: number; openDeadLetters: number };
      deadLetters: { id: number; reason: string; payload: string; operation: string }[];
    }>();
    expect(data.enabled).toBe(true);
    expect(data.broker).toMatchObject({ state: 'connected', relayLeader: true });
    expect(data.status.openDeadLetters).toBe(1);
    const [letter] = data.deadLetters;
    expect(letter).toMatchObject({
      operation: 'delete',
      reason: 'delete refused: shop "Panel shop" still has 1 storage(s); delete or move them first',
    });

    // Still refused while the storage is there: the letter stays, with the reason.
    let retried = await olga.api('/pages/sync', { json: { action: 'retry', id: letter!.id } });
    expect(retried.json<{ notice: { type: string } }>().notice.type).toBe('error');
    await sql(db, `DELETE FROM storages WHERE shop_id = $1`, [shop!.id]);
    retried = await olga.api('/pages/sync', { json: { action: 'retry', id: letter!.id } });
    const after = retried.json<{ notice: { type: string; message: string }; deadLetters: unknown[] }>();
    expect(after.notice).toEqual({ type: 'success', message: `#${letter!.id}: applied` });
    expect(after.deadLetters).toEqual([]);
    expect(await sql(db, `SELECT id FROM shops WHERE external_id = 'oz-panel-1'`)).toEqual([]);
    const audit = await auditRows(h() as never, 'sync dead letter retry');
    expect(audit.map((a) => a.actor_username)).toEqual(['olga', 'olga']);

    // Without the CSRF header nothing happens.
    const forged = await olga.api('/pages/sync', { json: { action: 'dismiss', id: 1 }, csrf: false });
    expect(forged.status).toBe(403);
  });

  it('/healthz shows the broker connection and stays ok while the broker is away', async () => {
    let health = await fetch(`${base}/healthz`).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(health).toMatchObject({ status: 'ok', sync: { state: 'connected', relayLeader: true } });
    await proxy.cut();
    await waitFor(
      () => worker.status().state,
      (s) => s !== 'connected',
    );
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    health = (await res.json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      sync: { state: expect.stringMatching(/disconnected|connecting/) },
    });
    const olga = await loggedIn(h(), 'olga');
    const page = (await olga.api('/pages/sync')).json<{
      broker: { state: string; lastError: string | null };
    }>();
    expect(page.broker.state).toMatch(/disconnected|connecting/);
    expect(page.broker.lastError).toBeTruthy();
    await proxy.restore();
    await waitFor(
      () => worker.status().state,
      (s) => s === 'connected',
    );
  });

  const browserIt = chromiumAvailable('test/sync/panel.test.ts') ? it : it.skip;
  browserIt(
    'in a browser, staff see a message that was not applied, and dismiss it',
    async () => {
      const id = await market.send('rename', { id: 'oz-x', version: 1 });
      await waitFor(
        () => sql(db, `SELECT 1 FROM shop_sync_dead_letters WHERE message_id = $1`, [id]),
        (rows) => rows.length === 1,
      );
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
        await page.goto(`${base}/admin/login`, { waitUntil: 'domcontentloaded' });
        await page.fill('input[name="email"]', 'olga');
        await page.fill('input[name="password"]', PASSWORD);
        await Promise.all([
          page.waitForURL(`${base}/admin`, { waitUntil: 'domcontentloaded' }),
          page.getByRole('button', { name: 'Sign in' }).click(),
        ]);
        await page.goto(`${base}/admin/pages/sync`, { waitUntil: 'domcontentloaded' });
        await page.waitForSelector('[data-testid="sync-dead-letters"]');
        await expect(page.getByTestId('sync-broker').textContent()).resolves.toMatch(/connected/);
        const row = page.locator('[data-testid^="dead-letter-"]').first();
        await expect(row.textContent()).resolves.toContain(
          'unknown operation "rename": expected create, update or delete',
        );
        if (process.env.SYNC_SCREENSHOT)
          await page.screenshot({ path: process.env.SYNC_SCREENSHOT, fullPage: true });
        await row.getByTestId('dismiss').click();
        await page.waitForSelector('[data-testid="sync-no-dead-letters"]');
      } catch (err) {
        if (process.env.SYNC_SCREENSHOT) {
          const [ctx] = browser.contexts();
          await ctx?.pages()[0]?.screenshot({ path: `${process.env.SYNC_SCREENSHOT}.fail.png` });
        }
        throw err;
      } finally {
        await browser.close();
      }
      expect(await sql(db, `SELECT status FROM shop_sync_dead_letters WHERE message_id = $1`, [id])).toEqual([
        { status: 'dismissed' },
      ]);
    },
    90_000,
  );
});
