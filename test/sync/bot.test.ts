import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import { SyncWorker } from '../../src/workers/sync.js';
import { loginSeller, newUser, startHarness, type Harness } from '../support/bot-harness.js';
import { BROKER, Marketplace, uniqueSyncConfig, waitFor } from './support.js';

/**
 * The shop sync as a seller meets it in the real bot (the Bot API emulator): a shop the marketplace
 * creates is one the seller logs in to with its key, a marketplace update shows on the shop screen,
 * and the seller's toggle reaches the marketplace once, with the new value and no key.
 */
describe('shop sync, seen from the bot', () => {
  let h: Harness;
  let market: Marketplace;
  let worker: SyncWorker;

  beforeAll(async () => {
    h = await startHarness();
    const config = uniqueSyncConfig(BROKER.url, 'syncbot');
    market = new Marketplace(config);
    await market.start();
    worker = new SyncWorker({
      config,
      sync: h.services.sync,
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
    await market.close();
    await h.close();
  });

  it("a marketplace shop is the seller's in the bot; the seller's toggle goes back once, with no key", async () => {
    const apiKey = 'ozon-seller-key-0123456789';
    await market.send('create', {
      id: 4242,
      version: 7,
      name: 'Маркет 42',
      slug: 'market-42',
      client_id: '4242',
      vendor_name: 'Сималенд',
      is_active: true,
      price_updating: false,
      api_key: apiKey,
    });
    await waitFor(
      () => h.services.shops.findByApiKey(apiKey),
      (s) => s !== null,
    );

    const u = newUser(h);
    await loginSeller(u, apiKey);
    u.send('/menu');
    await u.waitForMessage('Главное меню');
    u.pressKey((t) => t.btnShopList);
    await u.waitForMessage('Доступные магазины');
    u.press(/^Маркет 42 🟢$/);
    await u.waitForMessage('Магазин: Маркет 42');

    // The marketplace renames it: the seller's next screen shows the new name.
    await market.send('update', { id: '4242', version: 8, name: 'Маркет 42 Плюс' });
    await waitFor(
      () => h.services.shops.findByApiKey(apiKey),
      (s) => s?.name === 'Маркет 42 Плюс',
    );
    u.pressKey((t) => t.btnActivation);
    await u.waitForMessage('Магазин: Маркет 42 Плюс\nАктивен: 🟢');
    u.pressKey((t) => t.btnDeactivate);
    await u.waitForMessage('Активен: 🔴');

    const events = await waitFor(
      () => market.received.filter((m) => m.body.id === '4242'),
      (m) => m.length >= 1,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(market.received.filter((m) => m.body.id === '4242')).toEqual(events);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      operation: 'update',
      version: 9,
      body: { id: '4242', name: 'Маркет 42 Плюс', is_active: false, price_updating: false, version: 9 },
    });
    expect(JSON.stringify(events[0])).not.toContain(apiKey);
    expect(Object.keys(events[0]!.body).sort()).toEqual([
      'bot_id',
      'client_id',
      'id',
      'is_active',
      'name',
      'price_updating',
      'slug',
      'updated_at',
      'vendor_name',
      'version',
    ]);
  });
});
