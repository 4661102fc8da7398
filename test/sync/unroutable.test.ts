import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { SyncWorker } from '../../src/workers/sync.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { BROKER, Marketplace, uniqueSyncConfig, waitFor } from './support.js';

/**
 * RabbitMQ drops a message no queue is bound for, and still confirms it. The relay publishes with
 * `mandatory`, so such a change is handed back, stays in the outbox with the reason, and goes out
 * once the marketplace has bound its queue: nothing is lost to an exchange nobody listens on yet.
 */
describe('shop sync before the marketplace listens', () => {
  let db: Database;
  let services: Services;
  let worker: SyncWorker;
  let market: Marketplace | undefined;
  const config = uniqueSyncConfig(BROKER.url, 'syncunrouted');

  beforeAll(async () => {
    db = await createTestDatabase();
    services = createServices(db.dataSource, { ...loadConfig({ NODE_ENV: 'test' }), bcryptRounds: 4 });
    worker = new SyncWorker({
      config,
      sync: services.sync,
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      relayIntervalMs: 100,
    });
    worker.start();
    await waitFor(
      () => worker.status().state,
      (s) => s === 'connected',
    );
  });

  afterAll(async () => {
    await worker.stop();
    // Whatever this file declared on the shared broker goes, even when the test failed early.
    if (!market) {
      market = new Marketplace(config);
      await market.start();
    }
    await market.close();
    await db.close();
  });

  it('keeps a change nobody could receive, and sends it once a queue is bound', async () => {
    const { shop } = await services.shops.create({ name: 'Early shop', clientId: '1', vendorName: 'V' });
    const status = await waitFor(
      () => services.sync.status(),
      (s) => s.failing === 1,
    );
    expect(status).toMatchObject({
      backlog: 1,
      lastError: `no queue is bound to the exchange ${config.outbound.exchange}`,
    });
    market = new Marketplace(config);
    await market.start();
    const [event] = await waitFor(
      () => market!.received.filter((m) => m.body.bot_id === shop.id),
      (m) => m.length === 1,
      15_000,
    );
    expect(event).toMatchObject({ operation: 'create', body: { name: 'Early shop' } });
    expect((await services.sync.status()).backlog).toBe(0);
  });
});
