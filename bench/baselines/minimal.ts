/**
 * Baseline 2, the minimal stateful bot: bare.ts plus what any bot with state pays per update, one
 * indexed SELECT (the seller's row by chat id) and one UPDATE (what the update changed), through
 * the pg driver (pools sized as the app's), on the same kind of database as market-bot: the
 * PostgreSQL server, or the embedded PGlite opened the app's way (src/db/data-source.ts), so both
 * pay the same database layout. market-bot's target is measured against this one.
 *
 * Started by bench/compare.ts (environment: bench/child.ts). Operations: check, stop.
 */
import pg from 'pg';
import { openDatabase } from '../../src/db/data-source.js';
import { botEnv, embeddedOptions } from '../child.js';
import { ready, serve } from '../ipc.js';
import { SELLER_BASE } from '../load.js';
import { baselineBot, startPolling } from './screens.js';

const env = botEnv();
const embedded = env.databaseUrl ? undefined : await openDatabase(await embeddedOptions(env));
// The app's pool sizes (src/db/data-source.ts): 10 connections to a server, 4 to the embedded one.
const pool = new pg.Pool({ connectionString: env.databaseUrl ?? embedded!.url, max: embedded ? 4 : 10 });

await pool.query(`DROP TABLE IF EXISTS bench_sellers`);
await pool.query(
  `CREATE TABLE bench_sellers (
     chat_id bigint PRIMARY KEY,
     shop_id integer NOT NULL,
     shop_name text NOT NULL,
     active boolean NOT NULL DEFAULT true,
     screen text NOT NULL DEFAULT '',
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
);
await pool.query(
  `INSERT INTO bench_sellers (chat_id, shop_id, shop_name)
   SELECT $1::bigint + n, n + 1, 'Магазин ' || n FROM generate_series(0, $2::int - 1) AS n`,
  [SELLER_BASE, env.sellers],
);
await pool.query(`ANALYZE bench_sellers`);

const bot = baselineBot(env.token, env.apiRoot, {
  load: async (chatId) => {
    const { rows } = await pool.query<{ shop_id: number; shop_name: string; active: boolean }>(
      `SELECT shop_id, shop_name, active FROM bench_sellers WHERE chat_id = $1`,
      [chatId],
    );
    if (!rows[0]) throw new Error(`no seller for chat ${chatId}`);
    return { shopId: rows[0].shop_id, shopName: rows[0].shop_name, active: rows[0].active };
  },
  save: async (chatId, screen, active) => {
    await pool.query(
      `UPDATE bench_sellers SET screen = $2, active = $3, updated_at = now() WHERE chat_id = $1`,
      [chatId, screen, active],
    );
  },
});
startPolling(bot, (e) => {
  console.error(e);
  process.exit(1);
});

serve({
  check: async () => {
    const { rows } = await pool.query<{ off: string }>(
      `SELECT count(*) AS off FROM bench_sellers WHERE NOT active`,
    );
    return { switchedOff: Number(rows[0].off) };
  },
  stop: async () => {
    bot.stop('bench');
    await pool.end();
    await embedded?.close();
  },
});
ready();
