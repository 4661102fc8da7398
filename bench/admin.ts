/**
 * Back-office list timings with 100 000 Telegram users and 100 000 shops, through real HTTP.
 *
 *   npx tsx bench/admin.ts                                   # embedded PGlite (in memory)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/admin.ts
 *   ROWS=1000000 BENCH_DB=mbbench_1m DATABASE_URL=… npx tsx bench/admin.ts   # seeded once, kept
 *
 * With DATABASE_URL a scratch database is created next to the one named and dropped at the end;
 * with BENCH_DB too, that database is used (created and seeded on the first run) and kept, since
 * seeding a million rows takes minutes.
 * Seeds with generate_series, logs in as a staff member, then times each list request (default
 * sort, a filter, a search…) and prints p50/p95 in milliseconds. ROWS and RUNS tune it.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createAdmin } from '../src/admin/index.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, runMigrations, type Database } from '../src/db/data-source.js';
import { createHttpApp, startHttpServer } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services/index.js';
import { onServer } from '../test/support/sql.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 20);
const WARMUP = 3;
const BENCH_DB_NAME = process.env.BENCH_DB;

async function open(): Promise<{ db: Database; label: string; drop?: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return { db: await openDatabase({}), label: 'embedded PGlite' };
  const kept = process.env.BENCH_DB;
  if (kept && !/^[a-z_][a-z0-9_]{0,62}$/.test(kept)) throw new Error(`BENCH_DB: not a plain name: ${kept}`);
  const name = kept ?? `mbbench_${randomBytes(4).toString('hex')}`;
  const exists =
    kept && (await onServer(`SELECT 1 FROM pg_database WHERE datname = $1`, [kept], serverUrl)).rowCount;
  if (!exists) await onServer(`CREATE DATABASE ${name}`, [], serverUrl);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    db: await openDatabase({ databaseUrl: url.toString() }),
    label: 'PostgreSQL server',
    drop: kept
      ? undefined
      : async () => void (await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, [], serverUrl)),
  };
}

async function seed(db: Database): Promise<void> {
  const q = (sql: string) => db.dataSource.query(sql);
  await q(`
    INSERT INTO telegram_users
      (telegram_id, chat_id, username, first_name, last_name, role, is_banned, is_active, created_at)
    SELECT 5000000000 + g, 5000000000 + g, 'user_' || g, 'First' || g, 'Last' || (g % 977),
           (CASE WHEN g % 50 = 0 THEN 'admin' ELSE 'seller' END)::telegram_user_role,
           g % 97 = 0, g % 13 <> 0, now() - make_interval(mins => g)
    FROM generate_series(1, ${ROWS}) g`);
  await q(`
    INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name, is_active, update_prices)
    SELECT 'Shop ' || g, 'shop-' || g, encode(sha256(('key-' || g)::bytea), 'hex'),
           'mk_' || substr(md5(g::text), 1, 3), 'client-' || g, 'Vendor ' || (g % 1000), g % 7 <> 0, g % 2 = 0
    FROM generate_series(1, ${ROWS}) g`);
  // As autovacuum leaves a table in steady state: statistics, and the visibility map that lets
  // index-only scans skip the rows themselves.
  await q('VACUUM ANALYZE');
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

async function main(): Promise<void> {
  const { db, label, drop } = await open();
  try {
    await runMigrations(db.dataSource);
    const [{ seeded }] = (await db.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM telegram_users) AS seeded`,
    )) as { seeded: boolean }[];
    if (!seeded) {
      const t0 = performance.now();
      await seed(db);
      console.log(
        `${label}: seeded ${ROWS} telegram users and ${ROWS} shops in ${Math.round(performance.now() - t0)} ms`,
      );
    } else {
      console.log(`${label}: ${BENCH_DB_NAME} already seeded, not seeded again`);
    }

    const config = loadConfig({ NODE_ENV: 'test', ADMIN_JS_TMP_DIR: process.env.ADMIN_JS_TMP_DIR });
    const logger = createLogger('warn');
    const services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });
    // A kept database (BENCH_DB) has the account from an earlier run.
    await services.staff
      .createUser({ username: 'bench', password: 'bench password', isStaff: true })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'conflict') throw err;
      });
    const admin = await createAdmin({ config, dbUrl: db.url, services, logger });
    const server = await startHttpServer(createHttpApp({ config, logger, admin }), 0, '127.0.0.1');
    const base = `http://127.0.0.1:${server.port}`;

    // Log in like the browser does, keep the session cookie and the CSRF token.
    const login = await fetch(`${base}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ email: 'bench', password: 'bench password' }).toString(),
    });
    if (login.status !== 302) throw new Error(`login failed: ${login.status}`);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const xsrf = decodeURIComponent(cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.split('=')[1]!);
    const headers = { cookie: cookies.join('; '), 'x-xsrf-token': xsrf };

    const cases: [string, string][] = [
      ['TelegramUser: default list (id desc)', '/resources/TelegramUser/actions/list'],
      ['TelegramUser: page 200', '/resources/TelegramUser/actions/list?page=200'],
      // The deepest page: OFFSET walks every row before it.
      [
        `TelegramUser: last page (${ROWS / 20}, 20 a page)`,
        `/resources/TelegramUser/actions/list?page=${ROWS / 20}&perPage=20`,
      ],
      [
        'TelegramUser: sort by createdAt',
        '/resources/TelegramUser/actions/list?sortBy=createdAt&direction=desc',
      ],
      ['TelegramUser: filter isBanned=true', '/resources/TelegramUser/actions/list?filters.isBanned=true'],
      [
        'TelegramUser: filter role=admin + isActive=false',
        '/resources/TelegramUser/actions/list?filters.role=admin&filters.isActive=false',
      ],
      [
        'TelegramUser: search username "user_4242"',
        '/resources/TelegramUser/actions/list?filters.username=user_4242',
      ],
      [
        'TelegramUser: search username "zzz" (no match)',
        '/resources/TelegramUser/actions/list?filters.username=zzz',
      ],
      [
        'TelegramUser: search telegramId',
        `/resources/TelegramUser/actions/list?filters.telegramId=${5000000000 + 4242}`,
      ],
      ['TelegramUser: picker search "user_42"', '/resources/TelegramUser/actions/search/user_42'],
      ['Shop: default list (id desc)', '/resources/Shop/actions/list'],
      ['Shop: filter isActive=false', '/resources/Shop/actions/list?filters.isActive=false'],
      ['Shop: search name "Shop 4242"', '/resources/Shop/actions/list?filters.name=Shop%204242'],
      ['Shop: search vendorName "vendor 99"', '/resources/Shop/actions/list?filters.vendorName=vendor%2099'],
      ['Dashboard counts', '/dashboard'],
    ];

    console.log(`\n${RUNS} runs each after ${WARMUP} warm-up runs; milliseconds per HTTP request`);
    console.log(
      `(cpu: this process's CPU time per request, median: the panel's own work, less sensitive to load)\n`,
    );
    console.log(
      `${'request'.padEnd(52)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'cpu'.padStart(6)}  rows`,
    );
    for (const [name, path] of cases) {
      const times: number[] = [];
      const cpu: number[] = [];
      let total: unknown = '';
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const res = await fetch(`${base}/admin/api${path}`, { headers });
        const body = (await res.json()) as {
          meta?: { total: number; totalLabel?: string };
          records?: unknown[];
        };
        const ms = performance.now() - start;
        const used = process.cpuUsage(cpuStart);
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
        if (i >= WARMUP) times.push(ms);
        if (i >= WARMUP) cpu.push((used.user + used.system) / 1000);
        // What the list's title shows: "about 1,000,000" when the table was not counted exactly.
        total = body.meta?.totalLabel ?? body.meta?.total ?? body.records?.length ?? '-';
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const cells = [percentile(times, 50), percentile(times, 95)].map((v) => v.toFixed(1).padStart(7));
      console.log(
        `${name.padEnd(52)} ${cells.join(' ')} ${percentile(cpu, 50).toFixed(1).padStart(6)}  ${String(total)}`,
      );
    }

    await server.close();
    await admin.close();
  } finally {
    await db.close();
    await drop?.();
  }
}

await main();
