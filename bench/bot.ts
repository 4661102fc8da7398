/**
 * Bot benchmark: N simulated sellers each log in with a shop key, open the shop list, open their
 * shop, open its activation screen and switch it off — through the real bot, polling the local Bot
 * API emulator, on a real database (PostgreSQL with BENCH_DATABASE_URL, else the embedded one).
 *
 *   npm run bench -- [--sellers 1000] [--concurrency 100]
 *   npm run bench -- --crash [--rounds 3] [--sellers 50]
 *
 * The crash mode runs the app as a process instead (test/process/crash-run.ts): sellers switch
 * their shops on and off without pause, the process is killed with SIGKILL at a random moment and
 * restarted, and each round prints what was lost, handled or applied twice, and the restart times.
 *
 * Latency per update is measured as a user sees it: from the moment the update is queued at the
 * emulator until the bot's answer (the new or edited message) arrives, queueing included.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createBot, SESSION_TTL_MS, type SessionData } from '../src/bot/index.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, runMigrations } from '../src/db/data-source.js';
import { SessionStore } from '../src/db/session-store.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services/index.js';
import { apiKeyPrefix, hashApiKey } from '../src/services/secrets.js';
import { TelegramEmulator } from '../src/emulator/emulator.js';
import { botTexts, type BotUser, type Texts } from '../test/support/texts.js';

const { values } = parseArgs({
  options: {
    sellers: { type: 'string' },
    concurrency: { type: 'string', default: '100' },
    crash: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
});

if (values.crash) {
  // The process tests' helpers make the database: PostgreSQL on BENCH_DATABASE_URL's server, else embedded.
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const { crashRun, describeCrashRun } = await import('../test/process/crash-run.js');
  const { createStore } = await import('../test/process/support.js');
  let failed = false;
  for (let round = 1; round <= Number(values.rounds); round++) {
    const store = await createStore();
    try {
      const r = await crashRun({ store, users: Number(values.sellers ?? 50) });
      console.log(`round ${round}: ${describeCrashRun(r)}`);
      if (
        r.lost ||
        r.appliedTwice ||
        r.orderViolations ||
        r.wrongFinalState ||
        r.handledTwice > r.inFlightAtKill
      )
        failed = true;
    } finally {
      await store.close();
    }
  }
  process.exit(failed ? 1 : 0);
}
const sellers = Number(values.sellers ?? 1000);
const concurrency = Number(values.concurrency);
const TOKEN = '123456:BENCH';

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 50);

const databaseUrl = process.env.BENCH_DATABASE_URL;
const db = await openDatabase({ databaseUrl });
if (databaseUrl) {
  await db.dataSource.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`);
}
await runMigrations(db.dataSource);

// Seed one shop per seller, keys hashed as the app stores them.
const keys: string[] = [];
for (let i = 0; i < sellers; i += 500) {
  const batch = Array.from({ length: Math.min(500, sellers - i) }, (_, j) => i + j);
  const params: unknown[] = [];
  const rows = batch.map((n, k) => {
    const key = `bench-key-${n}-${(n * 7919).toString(36)}`;
    keys[n] = key;
    params.push(`Магазин ${n}`, `bench-${n}`, hashApiKey(key), apiKeyPrefix(key));
    return `($${k * 4 + 1}, $${k * 4 + 2}, $${k * 4 + 3}, $${k * 4 + 4}, '1', 'Сималенд')`;
  });
  await db.dataSource.query(
    `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name) VALUES ${rows.join(',')}`,
    params,
  );
}

const emulator = new TelegramEmulator<Texts>({ token: TOKEN, rateLimit: false, texts: botTexts() });
await emulator.start();
const config = loadConfig({
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(32),
  AUDIT_KEY: 'x'.repeat(32),
  SECRET_KEY: 'k'.repeat(32),
  BOT_TOKEN: TOKEN,
  TELEGRAM_API_ROOT: emulator.apiRoot,
  BOT_AUTO_CUSTOMISE: 'false',
});
const logger = createLogger('warn');
const services = createServices(db.dataSource, config);
const sessions = new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS);
const bot = createBot({ config, services, logger, sessions, now: Date.now }, { pollTimeoutSeconds: 1 });
await bot.init();
await bot.startPolling();
await emulator.waitForPolling();

const latencies: number[] = [];
async function step(action: () => void, user: BotUser, expect: string | RegExp): Promise<void> {
  const t0 = performance.now();
  action();
  await user.waitForMessage(expect, 60_000);
  latencies.push(performance.now() - t0);
}

async function seller(n: number): Promise<void> {
  const u = emulator.user({ id: 7_000_000_000 + n, first_name: `Seller${n}`, language_code: 'en' });
  await step(() => u.send('/start'), u, 'Choose a role');
  await step(() => u.pressKey((t) => t.btnSeller), u, 'API key');
  await step(() => u.send(keys[n]), u, 'logged in as Seller');
  await step(() => u.pressKey((t) => t.btnShopList), u, 'Available shops');
  await step(() => u.press(new RegExp(`^Магазин ${n} `)), u, `Shop: Магазин ${n}`);
  await step(() => u.pressKey((t) => t.btnActivation), u, 'Active: 🟢');
  await step(() => u.pressKey((t) => t.btnDeactivate), u, 'Active: 🔴');
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(concurrency, sellers) }, async () => {
    while (next < sellers) await seller(next++);
  }),
);
const seconds = (performance.now() - started) / 1000;

const [{ inactive }] = await db.dataSource.query(
  `SELECT count(*) AS inactive FROM shops WHERE NOT is_active`,
);
await bot.stop();
await emulator.stop();
await db.close();
clearInterval(sampler);

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
console.log(`database        ${databaseUrl ? 'PostgreSQL' : 'embedded (PGlite)'}`);
console.log(
  `sellers         ${sellers} (${concurrency} at a time), ${latencies.length} updates in ${seconds.toFixed(1)} s`,
);
console.log(`throughput      ${(latencies.length / seconds).toFixed(0)} updates/s`);
console.log(
  `latency         p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`,
);
console.log(
  `peak memory     rss ${mb(peakRss)}, heap ${mb(peakHeap)} (bot, emulator and embedded database in one process)`,
);
console.log(`check           ${inactive} of ${sellers} shops switched off`);
if (Number(inactive) !== sellers) process.exitCode = 1;
