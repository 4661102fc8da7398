/**
 * Start-up time of the real process, as an operator meets it:
 *
 *   npm run build && npm run bench:start                        # embedded database
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:start   # and PostgreSQL
 *
 * For each database it runs the app once to make and migrate the data (not timed), then RUNS
 * times (default 5) and prints the median and the slowest of:
 *   - production (`npm run start:prod`: node dist/src/main.js, NODE_ENV=production): from spawn to
 *     the first 200 from /healthz; then the first panel page on loopback (the login page and every
 *     script and style it loads, in parallel as a browser does, brotli accepted) and its bytes;
 *   - development (`npm start`: tsx src/main.ts): from spawn to the first 200 from /healthz, once
 *     with the components to bundle (a fresh ADMIN_JS_TMP_DIR) and then with them bundled already.
 * Telegram is the in-process emulator. With DATABASE_URL a scratch database is created next to the
 * one named and dropped at the end.
 *
 * Memory, from the kernel's own count for the app's process (/proc/<pid>/status, Linux): peak RSS
 * (VmHWM) at /healthz 200 and once idle (IDLE_MS, default 5 s, after the first panel page), and RSS
 * then, for the first start on an empty data folder (initdb for the embedded database) and for the
 * later ones. DEV=false skips the development runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TelegramEmulator } from '../src/emulator/emulator.js';
import { onServer } from '../test/support/sql.js';
import { freePort } from '../test/process/support.js';

const RUNS = Number(process.env.RUNS ?? 5);
const IDLE_MS = Number(process.env.IDLE_MS ?? 5000);
const DEV = process.env.DEV !== 'false';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  /** Peak RSS (VmHWM) when /healthz first answered 200, in bytes. */
  peakAtReady: number;
  base: string;
  ms: number;
  output: () => string;
}

async function start(command: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, command, {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${base}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 120_000) throw new Error(`no /healthz 200 within 120 s:\n${out}`);
    await delay(20);
  }
  const ms = performance.now() - t0;
  return { child, base, ms, peakAtReady: memory(child).peak, output: () => out };
}

/** The process's peak and current resident set, in bytes, as the kernel counts them (0 off Linux). */
function memory(child: ChildProcess): { peak: number; rss: number } {
  try {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { peak: kb('VmHWM') * 1024, rss: kb('VmRSS') * 1024 };
  } catch {
    return { peak: 0, rss: 0 };
  }
}

async function stop(app: Started): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise((resolve) => app.child.once('exit', resolve));
  app.child.kill('SIGTERM');
  await Promise.race([exited, delay(15_000)]);
  if (app.child.exitCode === null) app.child.kill('SIGKILL');
}

/** The login page and everything it links (scripts, styles), fetched as a browser would. */
async function firstPage(base: string): Promise<{ ms: number; bytes: number; rawBytes: number }> {
  const t0 = performance.now();
  const headers = { 'accept-encoding': 'br, gzip' };
  const page = await fetch(`${base}/admin/login`, { headers });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`login page: ${page.status}`);
  const links = [...html.matchAll(/(?:src|href)="(\/admin\/frontend\/[^"]+)"/g)].map((m) => m[1]!);
  let bytes = Buffer.byteLength(html);
  let rawBytes = bytes;
  await Promise.all(
    links.map(async (link) => {
      const res = await fetch(`${base}${link}`, { headers });
      const body = Buffer.from(await res.arrayBuffer()); // fetch decodes: the raw size
      if (res.status !== 200) throw new Error(`${link}: ${res.status}`);
      rawBytes += body.length;
      bytes += Number(res.headers.get('content-length') ?? body.length);
    }),
  );
  return { ms: performance.now() - t0, bytes, rawBytes };
}

interface Memory {
  peakAtReady: number;
  peak: number;
  idle: number;
}

/** Waits IDLE_MS after the app is up (and the panel page, when fetched), then reads its memory. */
async function settle(app: Started): Promise<Memory> {
  await delay(IDLE_MS);
  const { peak, rss } = memory(app.child);
  return { peakAtReady: app.peakAtReady, peak, idle: rss };
}

function describeMemory(ms: Memory[]): string {
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  const at = (key: keyof Memory) =>
    ms.length > 1
      ? `${mib(median(ms.map((m) => m[key])))} (most ${mib(Math.max(...ms.map((m) => m[key])))})`
      : mib(ms[0]![key]);
  return `peak ${at('peakAtReady')} at /healthz 200, ${at('peak')} by idle; idle ${at('idle')}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `${(median(xs) / 1000).toFixed(2)} s (slowest ${(Math.max(...xs) / 1000).toFixed(2)} s)`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

async function main(): Promise<void> {
  if (!fs.existsSync('dist/src/main.js') || !fs.existsSync('dist/panel/bundle.hash')) {
    throw new Error('run `npm run build` first: the benchmark starts dist/src/main.js');
  }
  const emulator = new TelegramEmulator({ rateLimit: false });
  await emulator.start();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'market-bot-bench-start-'));
  const serverUrl = process.env.DATABASE_URL;
  const stores: { label: string; env: Record<string, string>; drop?: () => Promise<void> }[] = [
    { label: 'embedded', env: { DATABASE_URL: '', DATA_DIR: path.join(scratch, 'data') } },
  ];
  if (serverUrl) {
    const name = `mbbench_${randomBytes(4).toString('hex')}`;
    await onServer(`CREATE DATABASE ${name}`, [], serverUrl);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    stores.push({
      label: 'PostgreSQL',
      env: { DATABASE_URL: url.toString(), DATA_DIR: path.join(scratch, 'pg-data') },
      drop: async () => void (await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, [], serverUrl)),
    });
  }
  const common = {
    BOT_TOKEN: emulator.token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    LOG_LEVEL: 'warn',
    BOT_AUTO_CUSTOMISE: 'true',
  };
  const prod = ['dist/src/main.js'];
  const dev = ['--import', 'tsx', 'src/main.ts'];
  const prodEnv = {
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    AUDIT_KEY: randomBytes(32).toString('hex'),
    SECRET_KEY: randomBytes(32).toString('hex'),
  };
  const lines: string[] = [];
  try {
    for (const store of stores) {
      const env = { ...common, ...store.env, ADMIN_JS_TMP_DIR: path.join(scratch, 'bundle-prod') };
      // Makes and migrates the data folder or database: later runs start warm.
      const first = await start(prod, { ...env, ...prodEnv });
      const firstMemory = await settle(first);
      await stop(first);
      const healthz: number[] = [];
      const pages: number[] = [];
      const memories: Memory[] = [];
      let bytes = 0;
      let rawBytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const app = await start(prod, { ...env, ...prodEnv });
        healthz.push(app.ms);
        const page = await firstPage(app.base);
        pages.push(page.ms);
        ({ bytes, rawBytes } = page);
        if (/bundling now/.test(app.output()))
          throw new Error('production bundled at start:\n' + app.output());
        memories.push(await settle(app));
        await stop(app);
      }
      lines.push(`production, ${store.label}: start:prod to /healthz 200 ${fmt(healthz)}`);
      lines.push(
        `production, ${store.label}: first panel page ${fmt(pages)}, ${mb(bytes)} sent for ${mb(rawBytes)}`,
      );
      lines.push(
        `production, ${store.label}: RSS, first start (empty data): ${describeMemory([firstMemory])}`,
      );
      lines.push(`production, ${store.label}: RSS, later starts: ${describeMemory(memories)}`);
      if (!DEV) continue;

      const devEnv = { ...common, ...store.env, NODE_ENV: 'development' };
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < Math.max(1, Math.ceil(RUNS / 2)); i++) {
        const bundleDir = path.join(scratch, `bundle-dev-${store.label}-${i}`);
        const first = await start(dev, { ...devEnv, ADMIN_JS_TMP_DIR: bundleDir });
        cold.push(first.ms);
        await stop(first);
        const again = await start(dev, { ...devEnv, ADMIN_JS_TMP_DIR: bundleDir });
        warm.push(again.ms);
        await stop(again);
      }
      lines.push(`development, ${store.label}: npm start to /healthz 200, components to bundle ${fmt(cold)}`);
      lines.push(`development, ${store.label}: npm start to /healthz 200, components bundled ${fmt(warm)}`);
    }
  } finally {
    for (const store of stores) await store.drop?.().catch(() => undefined);
    await emulator.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\n${os.cpus().length} cores, node ${process.version}, ${RUNS} runs each (medians)\n`);
  for (const line of lines) console.log(line);
}

await main();
