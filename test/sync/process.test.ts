/**
 * The shop sync in the real process (`node src/main.ts`) with SYNC_AMQP_URL set: it connects at
 * start (/healthz says so), a shop made with the CLI reaches the marketplace through the outbox,
 * and an event the marketplace publishes while the app is stopped is applied when it starts again:
 * the seller then logs in to that shop with its key.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import {
  createStore,
  freePort,
  runCli,
  spawnApp,
  waitUntilReady,
  withOutput,
  type AppProcess,
  type StartOptions,
  type Store,
} from '../process/support.js';
import { BROKER, Marketplace, uniqueSyncConfig, waitFor } from './support.js';

describe('the shop sync in the running app', () => {
  let emulator: TelegramEmulator;
  let store: Store;
  let opts: StartOptions;
  let market: Marketplace;
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;
  const config = uniqueSyncConfig(BROKER.url, 'syncproc');
  const syncEnv = {
    SYNC_AMQP_URL: config.url,
    SYNC_INBOUND_EXCHANGE: config.inbound.exchange,
    SYNC_INBOUND_QUEUE: config.inbound.queue,
    SYNC_OUTBOUND_EXCHANGE: config.outbound.exchange,
  };
  // The routing keys are the exchanges' names in the app.
  config.inbound.routingKey = config.inbound.exchange;
  config.outbound.routingKey = config.outbound.exchange;

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
    store.env = { ...store.env, ...syncEnv };
    opts = { emulator, store, timeoutMs: 100_000 };
    market = new Marketplace(config);
    await market.start();
  }, 60_000);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    await market?.close();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  test(
    'connects at start, publishes what the CLI changed, and applies what was published while it was down',
    () =>
      withOutput(
        () => [
          ['first app', first],
          ['second app', second],
        ],
        async () => {
          first = spawnApp(opts, await freePort());
          await waitUntilReady(first, opts);
          const health = await waitFor(
            () =>
              fetch(`${first!.base}/healthz`).then(
                (r) => r.json() as Promise<{ sync?: { state: string; relayLeader: boolean } }>,
              ),
            (h) => h.sync?.state === 'connected' && h.sync.relayLeader,
          );
          expect(health).toMatchObject({ status: 'ok', sync: { state: 'connected', relayLeader: true } });

          const made = await runCli(
            ['createshop', '--name', 'CLI shop', '--vendor', 'V', '--client-id', '9'],
            store.env,
          );
          expect(made.code).toBe(0);
          const [event] = await waitFor(
            () => market.received.filter((m) => m.body.name === 'CLI shop'),
            (m) => m.length === 1,
          );
          expect(event).toMatchObject({
            operation: 'create',
            body: { id: null, slug: 'cli-shop', version: 1 },
          });

          first.signal('SIGTERM');
          expect(await first.exitWithin(30_000)).toMatchObject({ code: 0 });
          const apiKey = 'ozon-offline-key-0123456789';
          await market.send('create', {
            id: 'oz-while-down',
            version: 1,
            name: 'Made while down',
            client_id: '1',
            vendor_name: 'V',
            is_active: true,
            price_updating: false,
            api_key: apiKey,
          });
          expect(await market.queued()).toBe(1);

          second = spawnApp(opts, await freePort());
          await waitUntilReady(second, opts);
          await waitFor(
            () => market.queued(),
            (n) => n === 0,
            20_000,
          );
          const seller = emulator.user({ id: 5_590_001, first_name: 'S', language_code: 'ru' });
          seller.send('/start');
          await seller.waitForMessage('Выберите роль:', 20_000);
          seller.press('Продавец');
          await seller.waitForMessage('Введите API key 🔑 вашего магазина:', 20_000);
          seller.send(apiKey);
          await seller.waitForMessage('✅ Вы вошли в систему как Продавец.', 20_000);
          // Applied, not echoed: the marketplace got nothing back for its own shop.
          await new Promise((r) => setTimeout(r, 500));
          expect(market.received.filter((m) => m.body.id === 'oz-while-down')).toEqual([]);
        },
      ),
    240_000,
  );
});
