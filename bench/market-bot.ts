/**
 * market-bot under test, in a process of its own: the real bot (createBot, with its durable update
 * inbox, sessions and services) long polling the emulator, on a fresh database (PostgreSQL's public
 * schema dropped and migrated, or a new embedded data folder) with one shop per seller.
 *
 * Started by bench/compare.ts (environment: bench/child.ts). Operations: check (shops switched
 * off), stop.
 */
import 'reflect-metadata';
import { createBot, SESSION_TTL_MS, type SessionData } from '../src/bot/index.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, runMigrations } from '../src/db/data-source.js';
import { SessionStore } from '../src/db/session-store.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services/index.js';
import { apiKeyPrefix, hashApiKey } from '../src/services/secrets.js';
import { botEnv, embeddedOptions } from './child.js';
import { ready, serve } from './ipc.js';
import { sellerKey, shopName } from './load.js';

const env = botEnv();
const db = await openDatabase(
  env.databaseUrl ? { databaseUrl: env.databaseUrl } : await embeddedOptions(env),
);
if (env.databaseUrl) await db.dataSource.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`);
await runMigrations(db.dataSource);

// One shop per seller, keys hashed as the app stores them.
for (let i = 0; i < env.sellers; i += 500) {
  const batch = Array.from({ length: Math.min(500, env.sellers - i) }, (_, j) => i + j);
  const params: unknown[] = [];
  const rows = batch.map((n, k) => {
    const key = sellerKey(n);
    params.push(shopName(n), `bench-${n}`, hashApiKey(key), apiKeyPrefix(key));
    return `($${k * 4 + 1}, $${k * 4 + 2}, $${k * 4 + 3}, $${k * 4 + 4}, '1', 'Сималенд')`;
  });
  await db.dataSource.query(
    `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name) VALUES ${rows.join(',')}`,
    params,
  );
}

// Statistics for the seeded shops, as the minimal bot takes for its table and as a running database
// has them: without them a fresh table of a thousand shops looks nearly empty, and the prepared
// statements' generic plans scan it. (Only the seeded table: an analyzed empty table is planned as
// empty, and the tables the run fills would be scanned as they grow.)
await db.dataSource.query(`ANALYZE shops`);

const config = loadConfig({
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(32),
  AUDIT_KEY: 'x'.repeat(32),
  SECRET_KEY: 'k'.repeat(32),
  BOT_TOKEN: env.token,
  TELEGRAM_API_ROOT: env.apiRoot,
  BOT_AUTO_CUSTOMISE: 'false',
});
const logger = createLogger('warn');
const services = createServices(db.dataSource, config);
const sessions = new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS);
const bot = createBot({ config, services, logger, sessions, now: Date.now }, { pollTimeoutSeconds: 1 });
await bot.init();
await bot.startPolling();

serve({
  check: async () => {
    const [{ off }] = await db.dataSource.query(`SELECT count(*) AS off FROM shops WHERE NOT is_active`);
    return { switchedOff: Number(off) };
  },
  stop: async () => {
    await bot.stop();
    await db.close();
  },
});
ready();
