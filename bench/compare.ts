/**
 * The bot benchmark (`npm run bench`): market-bot side by side with two baselines under the same
 * load, on the same emulator, in one run, so the figures compare within a run even on a machine
 * whose speed varies between runs.
 *
 *   npm run bench -- [--db pg|pglite|both] [--sellers 300] [--concurrency 100]
 *                    [--latency-sellers 100] [--warmup 20] [--bots market,bare,minimal]
 *                    [--rounds 3]           (each bot once a round; medians over the rounds)
 *                    [--profile <folder>]   (a V8 CPU profile of each bot and emulator process)
 *
 * The bots, each a process of its own, one after the other: market-bot (bench/market-bot.ts: the
 * real bot, durable inbox included), a bare Telegraf bot sending the same answers with no database
 * (bench/baselines/bare.ts) and a minimal stateful bot (bench/baselines/minimal.ts: one indexed
 * SELECT and one UPDATE per update). The emulator runs in a process of its own too
 * (bench/emulator-process.ts), a fresh one per bot, so neither its CPU nor the driver's is charged
 * to the bot under test.
 *
 * Per bot: `--warmup` sellers (not counted, so the first figures are not the JIT's), then
 * throughput (`--sellers`, `--concurrency` at a time: updates answered per second), then latency
 * (`--latency-sellers`, 10 at a time: p50/p95 from the update being queued to its answer), the
 * bot's CPU per update in the throughput phase, and its memory from /proc: RSS once started and
 * idle, peak during the start (migrations, seeding, the embedded database's first start), and peak
 * under load (the peak reset once started).
 *
 * Databases: PostgreSQL on BENCH_DATABASE_URL (each bot empties it first: market-bot drops and
 * migrates the public schema, the minimal bot recreates its table), and the embedded PGlite in a
 * fresh data folder per bot. Default: both when BENCH_DATABASE_URL is set, else the embedded one.
 *
 * Exit code 0 whatever the figures (the targets are printed as met or not met); 1 when a journey
 * failed (an answer never came) or a bot's database does not show every shop switched off.
 */
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Child, cpuMsOf, memoryOf, resetPeak } from './ipc.js';
import { journey, sellerInfo } from './load.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The node flags market-bot runs with in production, read from package.json's start:prod (`exec
 * node <flags> dist/src/main.js`; `npm start` and the Docker entrypoint carry the same, which
 * test/bench/node-flags.test.ts checks), so the benchmark runs it as it is deployed.
 */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = pkg.scripts['start:prod']!.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
}

/** The targets of issue 14 part 3, market-bot against the minimal stateful bot. */
export const TARGETS = { throughput: 0.8, p50: 1.5 };

export const BOTS = {
  market: { label: 'market-bot', entry: 'market-bot.ts' },
  bare: { label: 'bare Telegraf', entry: 'baselines/bare.ts' },
  minimal: { label: 'minimal stateful', entry: 'baselines/minimal.ts' },
} as const;
export type BotName = keyof typeof BOTS;

type Db = 'pg' | 'pglite';

export interface Options {
  sellers: number;
  concurrency: number;
  latencySellers: number;
  latencyConcurrency: number;
  warmup: number;
  stepTimeoutMs: number;
  /** A folder for V8 CPU profiles of each bot and emulator process (`--profile`). */
  profileDir?: string;
}

export interface BotResult {
  bot: BotName;
  throughput?: number;
  cpuMsPerUpdate?: number;
  /** PostgreSQL only: CPU its backends serving the bot's connections spent, per update. */
  dbCpuMsPerUpdate?: number;
  p50?: number;
  p95?: number;
  idleRss?: number;
  startPeak?: number;
  loadPeak?: number;
  /** What went wrong: steps that got no answer, a check that did not add up, a bot that died. */
  failures: string[];
}

interface Phase {
  latencies: number[];
  seconds: number;
  failures: string[];
}

/** Plays sellers [from, to), `concurrency` at a time, each through their journey, step by step. */
async function drive(
  emulator: Child,
  from: number,
  to: number,
  concurrency: number,
  stepTimeoutMs: number,
): Promise<Phase> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = from;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.max(0, Math.min(concurrency, to - from)) }, async () => {
      while (next < to) {
        const n = next++;
        for (const step of journey(n)) {
          try {
            latencies.push(
              await emulator.call<number>('step', { user: sellerInfo(n), step, timeoutMs: stepTimeoutMs }),
            );
          } catch (e) {
            // The rest of this seller's journey depends on the answer that did not come.
            failures.push(`seller ${n}: ${e instanceof Error ? e.message : String(e)}`);
            break;
          }
        }
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000, failures };
}

const percentile = (sorted: number[], p: number): number | undefined =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : undefined;

/**
 * CPU time so far of each PostgreSQL backend connected to the bench's database (the server is
 * local: its processes are in /proc), by pid, the asking connection left out. What the bot costs
 * the server is the growth over a phase; a backend the pool closed mid-phase is not counted.
 */
async function backendCpu(url: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        cpu.set(pid, cpuMsOf(pid));
      } catch {
        // Gone since the query.
      }
    }
    return cpu;
  } finally {
    await client.end();
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One bot through warm-up, throughput and latency, against a fresh emulator process. */
async function runBot(bot: BotName, db: Db, opts: Options): Promise<BotResult> {
  const result: BotResult = { bot, failures: [] };
  const t0 = performance.now();
  const progress = (what: string) =>
    console.error(`${db}: ${BOTS[bot].label}: ${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const token = `123456:BENCH${bot.toUpperCase()}`;
  const total = opts.warmup + opts.sellers + opts.latencySellers;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `market-bot-bench-${bot}-`));
  // Profiles are named by node (CPU.<date>.<pid>…): the progress lines give each process's pid.
  const prof = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const emulator = new Child<{ apiRoot: string }>(
    'the emulator',
    path.join(here, 'emulator-process.ts'),
    { BENCH_TOKEN: token },
    prof,
  );
  let child: Child | undefined;
  try {
    const { apiRoot } = await emulator.ready;
    child = new Child(
      BOTS[bot].label,
      path.join(here, BOTS[bot].entry),
      {
        BENCH_API_ROOT: apiRoot,
        BENCH_TOKEN: token,
        BENCH_DATABASE_URL: db === 'pg' ? (process.env.BENCH_DATABASE_URL ?? '') : '',
        BENCH_DATA_DIR: dataDir,
        BENCH_SELLERS: String(total),
      },
      // Every bot with market-bot's production flags: the comparison is of the code, not of the
      // runtime's settings (the minimal bot's CPU per update did not move with them).
      [...prof, ...productionNodeFlags()],
    );
    await child.ready;
    await emulator.call('waitForPolling', 30_000);
    progress(`started (pid ${child.pid}, the emulator's ${emulator.pid})`);
    // Idle: started, polling, nothing to do; let the start's garbage go first.
    await delay(1000);
    const idle = memoryOf(child.pid);
    result.idleRss = idle.rss;
    result.startPeak = idle.peak;
    const peakReset = resetPeak(child.pid);

    const warm = await drive(emulator, 0, opts.warmup, Math.min(10, opts.concurrency), opts.stepTimeoutMs);
    progress('warmed up');
    const url = db === 'pg' ? process.env.BENCH_DATABASE_URL : undefined;
    const dbCpu0 = url ? await backendCpu(url) : undefined;
    const cpu0 = cpuMsOf(child.pid);
    const emulatorCpu0 = cpuMsOf(emulator.pid);
    const load = await drive(
      emulator,
      opts.warmup,
      opts.warmup + opts.sellers,
      opts.concurrency,
      opts.stepTimeoutMs,
    );
    const cpu1 = cpuMsOf(child.pid);
    const emulatorCpu = (cpuMsOf(emulator.pid) - emulatorCpu0) / Math.max(1, load.latencies.length);
    const dbCpu1 = url ? await backendCpu(url) : undefined;
    // The emulator's own cost, to tell when it, not the bot, sets the pace (the bare bot's case).
    progress(
      `throughput measured: ${(load.latencies.length / load.seconds).toFixed(0)} updates/s, the emulator's CPU ${emulatorCpu.toFixed(2)} ms per update`,
    );
    const lat = await drive(
      emulator,
      opts.warmup + opts.sellers,
      total,
      opts.latencyConcurrency,
      opts.stepTimeoutMs,
    );
    progress('latency measured');
    result.failures.push(...warm.failures, ...load.failures, ...lat.failures);
    if (load.latencies.length) {
      result.throughput = load.latencies.length / load.seconds;
      result.cpuMsPerUpdate = (cpu1 - cpu0) / load.latencies.length;
      if (dbCpu0 && dbCpu1?.size) {
        let spent = 0;
        for (const [pid, ms] of dbCpu1) spent += ms - (dbCpu0.get(pid) ?? 0);
        result.dbCpuMsPerUpdate = spent / load.latencies.length;
      }
    }
    const sorted = lat.latencies.sort((a, b) => a - b);
    result.p50 = percentile(sorted, 50);
    result.p95 = percentile(sorted, 95);
    const mem = memoryOf(child.pid);
    if (peakReset) result.loadPeak = mem.peak;

    const { switchedOff } = await child.call<{ switchedOff: number }>('check');
    if (switchedOff !== total) {
      result.failures.push(`${switchedOff} of ${total} shops switched off in the bot's records`);
    }
  } catch (e) {
    result.failures.push(e instanceof Error ? e.message : String(e));
  } finally {
    await child?.stop();
    await emulator.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
    progress('stopped');
  }
  return result;
}

const median = (values: (number | undefined)[]): number | undefined => {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2;
};

/** One bot's figures over the rounds: each the median of the rounds that measured it. */
function medianResult(bot: BotName, runs: BotResult[]): BotResult {
  const of = (k: keyof Omit<BotResult, 'bot' | 'failures'>) => median(runs.map((r) => r[k]));
  return {
    bot,
    throughput: of('throughput'),
    cpuMsPerUpdate: of('cpuMsPerUpdate'),
    dbCpuMsPerUpdate: of('dbCpuMsPerUpdate'),
    p50: of('p50'),
    p95: of('p95'),
    idleRss: of('idleRss'),
    startPeak: of('startPeak'),
    loadPeak: of('loadPeak'),
    failures: runs.flatMap((r) => r.failures),
  };
}

const mb = (b?: number) => (b === undefined ? '—' : `${(b / 1024 / 1024).toFixed(0)} MB`);
const ms = (v?: number) => (v === undefined ? '—' : `${v.toFixed(1)} ms`);
const ratio = (a?: number, b?: number) => (a === undefined || !b ? undefined : a / b);
const times = (r?: number) => (r === undefined ? 'not measured' : `${r.toFixed(2)}×`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'not met');

/**
 * The table for one database and the ratios, as printed (and quoted in the README), from one or
 * more rounds (each round: every bot once, one after the other). With several rounds the table
 * shows each figure's median over the rounds, and a ratio is the median of the rounds' own ratios
 * (each taken between bots run minutes apart at most), which the machine's swings move far less
 * than a single run: on the 2-core machine one bot's throughput varied by a third between runs.
 */
export function report(title: string, opts: Options, rounds: BotResult[][]): string {
  const lines = [
    title,
    `  throughput: ${opts.sellers} sellers, ${opts.concurrency} at a time; latency: ${opts.latencySellers} sellers, ${opts.latencyConcurrency} at a time; 7 updates each (after ${opts.warmup} sellers of warm-up)` +
      (rounds.length > 1 ? `; figures: the median of ${rounds.length} rounds` : ''),
  ];
  const order = rounds[0]?.map((r) => r.bot) ?? [];
  const bots = (Object.keys(BOTS) as BotName[]).filter((b) => order.includes(b));
  const results = bots.map((bot) =>
    medianResult(
      bot,
      rounds.flatMap((round) => round.filter((r) => r.bot === bot)),
    ),
  );
  const withDb = results.some((r) => r.dbCpuMsPerUpdate !== undefined);
  const header = [
    'bot',
    'updates/s',
    'CPU/update',
    ...(withDb ? ['db CPU/update'] : []),
    'p50',
    'p95',
    'RSS idle',
    'peak start',
    'peak load',
  ];
  const rows = results.map((r) => [
    BOTS[r.bot].label,
    r.throughput === undefined ? '—' : r.throughput.toFixed(0),
    ms(r.cpuMsPerUpdate),
    ...(withDb ? [ms(r.dbCpuMsPerUpdate)] : []),
    ms(r.p50),
    ms(r.p95),
    mb(r.idleRss),
    mb(r.startPeak),
    mb(r.loadPeak),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows]) {
    lines.push('  ' + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  const get = (list: BotResult[], bot: BotName) => list.find((r) => r.bot === bot);
  /** A ratio of market-bot's figure to another bot's: the median of the rounds' ratios. */
  const perRound = (base: BotName, k: 'throughput' | 'p50' | 'cpuMsPerUpdate' | 'dbCpuMsPerUpdate') =>
    rounds.map((round) => ratio(get(round, 'market')?.[k], get(round, base)?.[k]));
  const market = get(results, 'market');
  for (const base of ['minimal', 'bare'] as const) {
    const other = get(results, base);
    if (!market || !other) continue;
    const t = median(perRound(base, 'throughput'));
    const p = median(perRound(base, 'p50'));
    const targets =
      base === 'minimal'
        ? [
            ` (target ≥ ${TARGETS.throughput}: ${verdict(t === undefined ? undefined : t >= TARGETS.throughput)})`,
            ` (target ≤ ${TARGETS.p50}: ${verdict(p === undefined ? undefined : p <= TARGETS.p50)})`,
          ]
        : ['', ''];
    // CPU per update holds better than throughput on a busy machine: another process's load
    // slows every bot's clock, not the work each update takes.
    const c = median(perRound(base, 'cpuMsPerUpdate'));
    const d = median(perRound(base, 'dbCpuMsPerUpdate'));
    const cpu = `; CPU per update ${times(c)}${d === undefined ? '' : ` (PostgreSQL's ${times(d)})`}`;
    lines.push(
      `  market-bot ÷ ${BOTS[base].label}: throughput ${times(t)}${targets[0]}, p50 ${times(p)}${targets[1]}${cpu}`,
    );
    if (rounds.length > 1 && base === 'minimal') {
      const each = (k: 'throughput' | 'p50') => perRound(base, k).map(times).join(', ');
      lines.push(`    each round: throughput ${each('throughput')}; p50 ${each('p50')}`);
    }
  }
  for (const r of results) {
    if (!r.failures.length) continue;
    lines.push(`  ${BOTS[r.bot].label} FAILED: ${r.failures.length} problem(s); first:`);
    lines.push(...r.failures[0].split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      sellers: { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '100' },
      'latency-sellers': { type: 'string', default: '100' },
      warmup: { type: 'string', default: '20' },
      bots: { type: 'string', default: 'market,bare,minimal' },
      'step-timeout': { type: 'string', default: '60000' },
      profile: { type: 'string' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const url = process.env.BENCH_DATABASE_URL;
  const dbArg = values.db ?? (url ? 'both' : 'pglite');
  if (!['pg', 'pglite', 'both'].includes(dbArg)) {
    console.error(`--db: pg, pglite or both, not "${dbArg}"`);
    return 2;
  }
  const dbs: Db[] = dbArg === 'both' ? ['pg', 'pglite'] : [dbArg as Db];
  if (dbs.includes('pg') && !url) {
    console.error(
      'PostgreSQL needs BENCH_DATABASE_URL, a database the benchmark may empty, e.g.\n' +
        '  createdb -h 127.0.0.1 -U postgres bench && BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench npm run bench',
    );
    return 2;
  }
  const bots = values.bots.split(',').map((b) => b.trim()) as BotName[];
  const unknown = bots.filter((b) => !(b in BOTS));
  if (unknown.length) {
    console.error(`--bots: ${unknown.join(', ')}? (market, bare, minimal)`);
    return 2;
  }
  const opts: Options = {
    sellers: Number(values.sellers),
    concurrency: Number(values.concurrency),
    latencySellers: Number(values['latency-sellers']),
    latencyConcurrency: 10,
    warmup: Number(values.warmup),
    stepTimeoutMs: Number(values['step-timeout']),
  };
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error('--rounds: a whole number ≥ 1');
    return 2;
  }
  const profileDir = values.profile ? path.resolve(values.profile) : undefined;
  const bad = Object.entries(opts).filter(([, v]) => !Number.isInteger(v) || v < 0);
  if (bad.length || opts.concurrency < 1 || opts.sellers < 1 || opts.latencySellers < 1) {
    console.error('--sellers, --concurrency and --latency-sellers are whole numbers ≥ 1, --warmup ≥ 0');
    return 2;
  }

  if (profileDir) {
    await fs.mkdir(profileDir, { recursive: true });
    opts.profileDir = profileDir;
  }
  let failed = false;
  for (const db of dbs) {
    const all: BotResult[][] = [];
    for (let r = 0; r < rounds; r++) {
      // Each round starts with another bot, so none always runs first (or right after another).
      const order = bots.map((_, i) => bots[(i + r) % bots.length]!);
      const results: BotResult[] = [];
      for (const bot of order) results.push(await runBot(bot, db, opts));
      all.push(results);
    }
    const title =
      db === 'pg'
        ? `PostgreSQL (${new URL(url!).pathname.slice(1)})`
        : 'embedded (PGlite, a data folder on disk)';
    console.log(report(title, opts, all));
    console.log('');
    if (all.flat().some((r) => r.failures.length)) failed = true;
  }
  return failed ? 1 : 0;
}
