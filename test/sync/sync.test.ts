import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { SyncWorker } from '../../src/workers/sync.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql, sqlOne } from '../support/sql.js';
import { BROKER, BrokerProxy, Marketplace, uniqueSyncConfig, waitFor } from './support.js';
import amqp from 'amqplib';

/**
 * The shop sync end to end against the real RabbitMQ: this test plays the marketplace with its own
 * AMQP client; the app's side runs through a proxy the test can cut.
 */
describe('shop sync over RabbitMQ', () => {
  let db: Database;
  let services: Services;
  let proxy: BrokerProxy;
  let market: Marketplace;
  let worker: SyncWorker;
  let config: ReturnType<typeof uniqueSyncConfig>;
  const admin = { id: 0, role: 'admin' as const };
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  let seq = 0;

  const newWorker = () =>
    new SyncWorker({
      config,
      sync: services.sync,
      logger,
      relayIntervalMs: 100,
      reconnect: { minMs: 100, maxMs: 500 },
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    services = createServices(db.dataSource, { ...loadConfig({ NODE_ENV: 'test' }), bcryptRounds: 4 });
    proxy = new BrokerProxy();
    await proxy.start();
    config = uniqueSyncConfig(proxy.url, 'sync');
    market = new Marketplace(config);
    await market.start();
    worker = newWorker();
    worker.start();
    await waitFor(
      () => worker.status().state,
      (s) => s === 'connected',
    );
  });

  afterAll(async () => {
    await worker.stop();
    await market.close();
    await proxy.close();
    await db.close();
  });

  function shopBody(over: Record<string, unknown> = {}) {
    const n = ++seq;
    return {
      id: `oz-${n}`,
      version: 1,
      name: `Ozon shop ${n}`,
      slug: `ozon-shop-${n}`,
      client_id: `${1000 + n}`,
      vendor_name: 'Сималенд',
      is_active: true,
      price_updating: false,
      api_key: `ozon-key-${n}-${'k'.repeat(20)}`,
      ...over,
    };
  }

  const byExternalId = (id: string) =>
    sql<{ id: number; name: string; is_active: boolean; version: number; synced_at: Date | null }>(
      db,
      `SELECT id, name, is_active, update_prices, version, synced_at, client_id FROM shops WHERE external_id = $1`,
      [id],
    ).then((rows) => rows[0]);

  const deadLetters = () =>
    sql<{ message_id: string; reason: string; payload: Record<string, unknown> }>(
      db,
      `SELECT message_id, reason, payload FROM shop_sync_dead_letters ORDER BY id`,
    );

  it('applies create, update and delete from the marketplace; the bot sees them, with the key hashed', async () => {
    const body = shopBody();
    await market.send('create', body);
    const created = await waitFor(
      () => byExternalId(body.id),
      (s) => s !== undefined,
    );
    const shop = await services.shops.get(admin, created!.id);
    expect(shop).toMatchObject({
      name: body.name,
      slug: body.slug,
      clientId: body.client_id,
      isActive: true,
    });
    // The seller's key works in the bot (hashed on arrival, never stored).
    expect((await services.shops.findByApiKey(body.api_key))?.id).toBe(created!.id);
    const stored = await sqlOne<{ h: string }>(db, `SELECT api_key_hash AS h FROM shops WHERE id = $1`, [
      created!.id,
    ]);
    expect(stored.h).not.toContain(body.api_key);
    expect(created!.synced_at).not.toBeNull();

    await market.send('update', { id: body.id, version: 2, name: 'Renamed', is_active: false });
    await waitFor(
      () => services.shops.get(admin, created!.id),
      (s) => s?.name === 'Renamed',
    );
    expect((await services.shops.get(admin, created!.id))?.isActive).toBe(false);

    await market.send('delete', { id: body.id, version: 3 });
    await waitFor(
      () => services.shops.get(admin, created!.id),
      (s) => s === null,
    );

    // Audit entries for each applied change; nothing echoed back to the marketplace.
    const audit = await sql<{ action: string; actor_username: string }>(
      db,
      `SELECT action, actor_username FROM audit_log WHERE record_id = $1 ORDER BY id`,
      [String(created!.id)],
    );
    expect(audit).toEqual([
      { action: 'sync create', actor_username: 'marketplace sync' },
      { action: 'sync update', actor_username: 'marketplace sync' },
      { action: 'sync delete', actor_username: 'marketplace sync' },
    ]);
    const echoes = await sql(db, `SELECT id FROM shop_sync_outbox WHERE shop_id = $1`, [created!.id]);
    expect(echoes).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(market.received.filter((m) => m.body.id === body.id)).toEqual([]);
  });

  it('a replayed message changes nothing; an older version does not overwrite a newer one', async () => {
    const body = shopBody();
    await market.send('create', body);
    const shop = await waitFor(
      () => byExternalId(body.id),
      (s) => s !== undefined,
    );
    const v3 = await market.send('update', { id: body.id, version: 3, name: 'Version three' });
    await waitFor(
      () => byExternalId(body.id),
      (s) => s?.name === 'Version three',
    );
    // A local change in between (the bot's toggle): version 4, published outward.
    await services.shops.setActive(admin, shop!.id, false);
    // The same message again (broker redelivery or a replay), then an older version.
    await market.send('update', { id: body.id, version: 3, name: 'Version three' }, { messageId: v3 });
    await market.send('update', { id: body.id, version: 2, name: 'Version two', is_active: true });
    const marker = shopBody();
    await market.send('create', marker);
    await waitFor(
      () => byExternalId(marker.id),
      (s) => s !== undefined,
    );
    expect(await byExternalId(body.id)).toMatchObject({
      name: 'Version three',
      is_active: false,
      version: 4,
    });
    expect(await deadLetters()).toEqual([]);
  });

  it('a poison message is dead-lettered with its reason, without its key, and the next one is applied', async () => {
    const before = (await deadLetters()).length;
    await market.send('rename', { id: 'oz-x', version: 1 });
    await market.send('create', null, {
      raw: Buffer.from('{"id": "oz-y", "api_key": "secret-key-1234567890'),
    });
    const bad = shopBody({ client_id: '' });
    await market.send('create', bad);
    const good = shopBody();
    await market.send('create', good);
    await waitFor(
      () => byExternalId(good.id),
      (s) => s !== undefined,
    );
    const dead = (await deadLetters()).slice(before);
    expect(dead.map((d) => d.reason)).toEqual([
      'unknown operation "rename": expected create, update or delete',
      expect.stringMatching(/^the body is not JSON/),
      'create: client_id: expected a non-empty string',
    ]);
    expect(JSON.stringify(dead)).not.toContain('secret-key-1234567890');
    expect(JSON.stringify(dead)).not.toContain(bad.api_key);
    expect((await services.sync.status()).openDeadLetters).toBeGreaterThanOrEqual(3);
  });

  it('a delete of a shop with storages is refused, dead-lettered, and applies on retry once they are gone', async () => {
    const body = shopBody();
    await market.send('create', body);
    const shop = await waitFor(
      () => byExternalId(body.id),
      (s) => s !== undefined,
    );
    await sql(db, `INSERT INTO storages (name, ozon_id, shop_id) VALUES ('W', '1', $1)`, [shop!.id]);
    const id = await market.send('delete', { id: body.id, version: 2 });
    const [letter] = await waitFor(
      () =>
        sql<{ id: number; reason: string }>(
          db,
          `SELECT id, reason FROM shop_sync_dead_letters WHERE message_id = $1`,
          [id],
        ),
      (rows) => rows.length === 1,
    );
    expect(letter!.reason).toBe(
      `delete refused: shop "${body.name}" still has 1 storage(s); delete or move them first`,
    );
    expect(await byExternalId(body.id)).toBeDefined();
    await sql(db, `DELETE FROM storages WHERE shop_id = $1`, [shop!.id]);
    expect(await services.sync.retryDeadLetter(letter!.id)).toMatchObject({ outcome: 'applied' });
    expect(await byExternalId(body.id)).toBeUndefined();
    expect(await sqlOne(db, `SELECT status FROM shop_sync_dead_letters WHERE id = $1`, [letter!.id])).toEqual(
      {
        status: 'applied',
      },
    );
  });

  it('a dead-lettered create is applied on retry with the key it came with (kept only as a hash)', async () => {
    const other = shopBody();
    await market.send('create', other);
    await waitFor(
      () => byExternalId(other.id),
      (s) => s !== undefined,
    );
    const body = shopBody({ slug: other.slug });
    const id = await market.send('create', body);
    const [letter] = await waitFor(
      () =>
        sql<{ id: number; reason: string }>(
          db,
          `SELECT id, reason FROM shop_sync_dead_letters WHERE message_id = $1`,
          [id],
        ),
      (rows) => rows.length === 1,
    );
    expect(letter!.reason).toBe(`the slug "${other.slug}" is taken by another shop`);
    await sql(db, `UPDATE shops SET slug = 'moved-away' WHERE external_id = $1`, [other.id]);
    expect(await services.sync.retryDeadLetter(letter!.id)).toMatchObject({ outcome: 'applied' });
    const created = await byExternalId(body.id);
    expect((await services.shops.findByApiKey(body.api_key))?.id).toBe(created!.id);
  });

  it('publishes every local change once, in order, with the new values and no key', async () => {
    const { shop } = await services.shops.create({ name: 'Local shop', clientId: '77', vendorName: 'V' });
    await services.shops.setActive(admin, shop.id, false);
    await services.shops.setUpdatePrices(admin, shop.id, true);
    await services.shops.setActive(admin, shop.id, false); // unchanged: no event
    await sql(db, `UPDATE shops SET name = 'Renamed by SQL' WHERE id = $1`, [shop.id]);
    const mine = () => market.received.filter((m) => m.body.bot_id === shop.id);
    await waitFor(mine, (m) => m.length >= 4);
    await new Promise((r) => setTimeout(r, 300));
    const got = mine();
    expect(got.map((m) => [m.operation, m.version])).toEqual([
      ['create', 1],
      ['update', 2],
      ['update', 3],
      ['update', 4],
    ]);
    expect(got[1]!.body).toMatchObject({ is_active: false, price_updating: false, version: 2 });
    expect(got[2]!.body).toMatchObject({ is_active: false, price_updating: true, version: 3 });
    expect(got[3]!.body).toMatchObject({ name: 'Renamed by SQL', version: 4 });
    expect(new Set(got.map((m) => m.messageId)).size).toBe(4);
    for (const m of got) expect(Object.keys(m.body)).not.toContain('api_key');
    expect(
      (await sqlOne<{ synced_at: Date | null }>(db, `SELECT synced_at FROM shops WHERE id = $1`, [shop.id]))
        .synced_at,
    ).not.toBeNull();
    expect((await services.sync.status()).backlog).toBe(0);
  });

  it("a shop made in the bot takes the marketplace's id when the marketplace answers with the bot's id", async () => {
    const { shop } = await services.shops.create({
      name: 'Made in the bot',
      clientId: '80',
      vendorName: 'V',
    });
    const [created] = await waitFor(
      () => market.received.filter((m) => m.body.bot_id === shop.id),
      (m) => m.length === 1,
    );
    expect(created!.body).toMatchObject({ id: null, version: 1 });
    await market.send('update', { id: 'oz-linked', bot_id: shop.id, version: 1 });
    await waitFor(
      () => byExternalId('oz-linked'),
      (s) => s?.id === shop.id,
    );
    await market.send('update', { id: 'oz-linked', version: 2, is_active: false });
    await waitFor(
      () => byExternalId('oz-linked'),
      (s) => s?.is_active === false,
    );
    // The bot's next change carries the marketplace's id; nothing applied was echoed.
    await services.shops.setUpdatePrices(admin, shop.id, true);
    const mine = await waitFor(
      () => market.received.filter((m) => m.body.bot_id === shop.id),
      (m) => m.length === 2,
    );
    expect(mine[1]!.body).toMatchObject({
      id: 'oz-linked',
      version: 3,
      is_active: false,
      price_updating: true,
    });
  });

  it('a rolled-back change publishes nothing', async () => {
    const { shop } = await services.shops.create({ name: 'Rollback shop', clientId: '78', vendorName: 'V' });
    await expect(
      db.dataSource.transaction(async (em) => {
        await em.query(`UPDATE shops SET is_active = false WHERE id = $1`, [shop.id]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const rows = await sql<{ operation: string }>(
      db,
      `SELECT operation FROM shop_sync_outbox WHERE shop_id = $1`,
      [shop.id],
    );
    expect(rows).toEqual([{ operation: 'create' }]);
  });

  it('loses no outbound change while the broker is away, and reconnects by itself', async () => {
    const { shop } = await services.shops.create({ name: 'Outage shop', clientId: '79', vendorName: 'V' });
    const mine = () => market.received.filter((m) => m.body.bot_id === shop.id);
    await waitFor(mine, (m) => m.length === 1);
    await proxy.cut();
    await waitFor(
      () => worker.status().state,
      (s) => s !== 'connected',
    );
    // The bot answers at once while the broker is away: the change is only an outbox row.
    const t0 = Date.now();
    await services.shops.setActive(admin, shop.id, false);
    await services.shops.setUpdatePrices(admin, shop.id, true);
    expect(Date.now() - t0).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 700));
    expect((await services.sync.status()).backlog).toBe(2);
    await proxy.restore();
    await waitFor(
      () => worker.status().state,
      (s) => s === 'connected',
    );
    await waitFor(mine, (m) => m.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(mine().map((m) => m.version)).toEqual([1, 2, 3]);
    expect(mine()[2]!.body).toMatchObject({ is_active: false, price_updating: true });
    expect((await services.sync.status()).backlog).toBe(0);
  });

  it('an event published while the app is stopped is applied after it starts', async () => {
    await worker.stop();
    const body = shopBody();
    await market.send('create', body);
    await new Promise((r) => setTimeout(r, 200));
    expect(await byExternalId(body.id)).toBeUndefined();
    expect(await market.queued()).toBe(1);
    worker = newWorker();
    worker.start();
    await waitFor(
      () => byExternalId(body.id),
      (s) => s !== undefined,
    );
    expect(await market.queued()).toBe(0);
  });

  it("says why it can't connect when the exchange exists with other properties, and keeps trying", async () => {
    const other = uniqueSyncConfig(BROKER.url, 'syncbad');
    const conn = await amqp.connect(BROKER.url);
    const ch = await conn.createChannel();
    await ch.assertExchange(other.outbound.exchange, 'direct', { durable: false });
    const bad = new SyncWorker({
      config: other,
      sync: services.sync,
      logger,
      reconnect: { minMs: 100, maxMs: 200 },
    });
    bad.start();
    try {
      const status = await waitFor(
        () => bad.status(),
        (s) => s.state === 'disconnected' && Boolean(s.lastError),
      );
      expect(status.lastError).toMatch(/PRECONDITION_FAILED/);
    } finally {
      await bad.stop();
      await ch.deleteExchange(other.outbound.exchange);
      await ch.deleteExchange(other.inbound.exchange).catch(() => undefined);
      await conn.close();
    }
  });
});
