/**
 * Shop-sync timings against the real RabbitMQ (TEST_AMQP_URL, else amqp://guest:guest@127.0.0.1:5672):
 *
 *   npx tsx bench/sync.ts                                               # embedded PGlite (in memory)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/sync.ts
 *
 * With DATABASE_URL a scratch database is created next to the one named and dropped at the end.
 * Prints: a bot toggle → its event on the outbound exchange (p50/max of 20); N changes written in a
 * row → all confirmed; N inbound creates published → all applied. N (default 300) tunes it.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { openDatabase, runMigrations } from '../src/db/data-source.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services/index.js';
import { SyncWorker } from '../src/workers/sync.js';
import { onServer } from '../test/support/sql.js';
import { BROKER, Marketplace, uniqueSyncConfig, waitFor } from '../test/sync/support.js';

const N = Number(process.env.N ?? 300);
const serverUrl = process.env.DATABASE_URL;
let scratch: string | undefined;
let dbUrl: string | undefined;
if (serverUrl) {
  scratch = `sync_bench_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${scratch}`, [], serverUrl);
  const u = new URL(serverUrl);
  u.pathname = `/${scratch}`;
  dbUrl = u.toString();
}
const db = await openDatabase({ databaseUrl: dbUrl });
await runMigrations(db.dataSource);
const services = createServices(db.dataSource, { ...loadConfig({ NODE_ENV: 'test' }), bcryptRounds: 4 });
const config = uniqueSyncConfig(BROKER.url, 'bench');
const market = new Marketplace(config);
await market.start();
const worker = new SyncWorker({
  config,
  sync: services.sync,
  logger: createLogger('silent'),
  relayIntervalMs: 250,
});
worker.start();
try {
  await waitFor(
    () => worker.status().state,
    (s) => s === 'connected',
  );
  const admin = { id: 0, role: 'admin' as const };
  const { shop } = await services.shops.create({ name: 'Bench', clientId: '1', vendorName: 'V' });
  await waitFor(
    () => market.received.length,
    (n) => n === 1,
  );

  const latency: number[] = [];
  for (let i = 0; i < 20; i++) {
    const before = market.received.length;
    const t = performance.now();
    await services.shops.setActive(admin, shop.id, i % 2 === 1);
    await waitFor(
      () => market.received.length,
      (n) => n > before,
    );
    latency.push(performance.now() - t);
  }
  latency.sort((a, b) => a - b);

  let t0 = performance.now();
  for (let i = 0; i < N; i++) await services.shops.setUpdatePrices(admin, shop.id, i % 2 === 0);
  const writeMs = performance.now() - t0;
  await waitFor(
    () => market.received.length,
    (n) => n >= 21 + N,
    120_000,
  );
  const confirmedMs = performance.now() - t0;

  t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await market.send('create', {
      id: `bench-${i}`,
      version: 1,
      name: `Bench ${i}`,
      client_id: '1',
      vendor_name: 'V',
      is_active: true,
      price_updating: false,
      api_key: `bench-key-${i}-${'x'.repeat(12)}`,
    });
  }
  const publishMs = performance.now() - t0;
  const count = async () =>
    (
      (await db.dataSource.query(
        `SELECT count(*)::int AS n FROM shops WHERE external_id LIKE 'bench-%'`,
      )) as {
        n: number;
      }[]
    )[0]!.n;
  await waitFor(count, (n) => n === N, 300_000);
  const appliedMs = performance.now() - t0;

  const ms = (x: number) => Math.round(x);
  console.log(
    JSON.stringify({
      database: serverUrl ? 'postgres' : 'pglite',
      toggleToExchangeMs: { p50: ms(latency[10]!), max: ms(latency[19]!) },
      outbound: { changes: N, writtenMs: ms(writeMs), allConfirmedMs: ms(confirmedMs) },
      inbound: {
        creates: N,
        publishedMs: ms(publishMs),
        allAppliedMs: ms(appliedMs),
        perSecond: ms(N / (appliedMs / 1000)),
      },
    }),
  );
} finally {
  await worker.stop();
  await market.close();
  await db.close();
  if (scratch && serverUrl) await onServer(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`, [], serverUrl);
}
