/**
 * The real process (`node --import tsx src/main.ts`) and the real CLI as child processes, against a
 * TelegramEmulator in the test process. Each test file gets a database of its own: a fresh
 * PostgreSQL database when TEST_DATABASE_URL is set, else a fresh DATA_DIR for the embedded one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TelegramEmulator } from '../../src/emulator/emulator.js';
import { createTestDatabase } from '../support/db.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (listen on 0, note it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Store {
  /** DATABASE_URL or DATA_DIR, for the app and the CLI alike. */
  env: Record<string, string>;
  embedded: boolean;
  close(): Promise<void>;
}

/** An empty database (not migrated: the app migrates at start, as `npm start` does on a fresh machine). */
export async function createStore(): Promise<Store> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'market-bot-process-'));
  const bundleDir = path.join(scratch, 'adminjs-bundle');
  const removeScratch = () => fs.rm(scratch, { recursive: true, force: true });
  if (process.env.TEST_DATABASE_URL) {
    const db = await createTestDatabase({ migrate: false });
    // The database stays; only this process's connection to it closes until close() drops it.
    return {
      env: { DATABASE_URL: db.url, DATA_DIR: path.join(scratch, 'data'), ADMIN_JS_TMP_DIR: bundleDir },
      embedded: false,
      async close() {
        await db.close();
        await removeScratch();
      },
    };
  }
  return {
    env: { DATABASE_URL: '', DATA_DIR: path.join(scratch, 'data'), ADMIN_JS_TMP_DIR: bundleDir },
    embedded: true,
    close: removeScratch,
  };
}

/** The environment of a child: the parent's, minus what would change its behaviour, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_OPTIONS: '',
    DEBUG: '',
    DATABASE_URL: '',
    WEBHOOK_URL: '',
    WEBHOOK_SECRET: '',
    REPORT_CHAT_ID: '',
    SESSION_SECRET: '',
    AUDIT_KEY: '',
    SYNC_AMQP_URL: '',
    AMQP_URL: '',
    ROLE: '',
    SECRET_KEY: '',
    SUPPORT_API_TOKEN: '',
    PUBLIC_URL: '',
    ...extra,
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

/**
 * How the app is started: node itself (as the process tests mostly do), or a documented command
 * as a user types it. npm's commands run in a process group of their own, as in a terminal, so a
 * test can signal the group as Ctrl-C does.
 */
export type Launch = 'node' | 'npm start' | 'npm run start:prod';

const LAUNCH: Record<Launch, { file: string; args: string[] }> = {
  node: { file: process.execPath, args: ['--import', 'tsx', 'src/main.ts'] },
  'npm start': { file: 'npm', args: ['start'] },
  'npm run start:prod': { file: 'npm', args: ['run', 'start:prod'] },
};

export class AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly base: string;
  private out = '';
  private exit?: Exit;

  constructor(
    readonly port: number,
    env: Record<string, string>,
    readonly launch: Launch = 'node',
  ) {
    this.base = `http://127.0.0.1:${port}`;
    const { file, args } = LAUNCH[launch];
    this.child = spawn(file, args, {
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: launch !== 'node',
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString('utf8')));
    this.child.stderr!.on('data', (d: Buffer) => (this.out += d.toString('utf8')));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.out += `\n[spawn error] ${String(err)}\n`;
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
      // 'close': the process exited and its stdout/stderr are read to the end.
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Everything the process printed so far, both streams. */
  output(): string {
    return this.out;
  }

  /** Its JSON log lines, parsed (other lines skipped). */
  logs(): LogLine[] {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as LogLine];
        } catch {
          return [];
        }
      });
  }

  hasLogged(msg: string | RegExp): boolean {
    return this.logs().some((l) =>
      typeof msg === 'string' ? l.msg === msg : typeof l.msg === 'string' && msg.test(l.msg),
    );
  }

  async waitForLog(msg: string | RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hasLogged(msg)) {
      if (!this.running)
        throw new Error(`the app exited (${JSON.stringify(this.exit)}) before logging ${msg}`);
      if (Date.now() > deadline) throw new Error(`the app did not log ${msg} within ${timeoutMs} ms`);
      await delay(100);
    }
  }

  /** Polls GET /healthz until 200; fails at once if the process exits first. */
  async waitForHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running)
        throw new Error(`the app exited (${JSON.stringify(this.exit)}) before /healthz answered`);
      try {
        const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms`);
      await delay(250);
    }
  }

  /** GET /healthz: its status and JSON body (undefined while the process does not answer). */
  async health(timeoutMs = 3000): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
    try {
      const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Not JSON: the status alone says it.
      }
      return { status: res.status, body };
    } catch {
      return undefined;
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** The signal a terminal's Ctrl-C sends: to every process of the group (npm and the app). */
  signalGroup(sig: NodeJS.Signals): void {
    if (this.launch === 'node') throw new Error('signalGroup: only npm launches have a group of their own');
    if (this.running) process.kill(-this.child.pid!, sig);
  }

  /** The app's own process id, from its log lines (under npm it is not the child's). */
  appPid(): number | undefined {
    const pid = this.logs().find((l) => typeof l.pid === 'number')?.pid;
    return typeof pid === 'number' ? pid : undefined;
  }

  /** Resolves with the exit, or with undefined when the process still runs after `timeoutMs`. */
  async exitWithin(timeoutMs: number): Promise<Exit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)),
    );
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * For afterAll: SIGTERM, then SIGKILL if it is still there after `graceMs`; under npm, the app
   * too, wherever it was left. Never throws.
   */
  async kill(graceMs = 5000): Promise<void> {
    const appPid = this.launch === 'node' ? undefined : this.appPid();
    if (this.running) {
      this.signal('SIGTERM');
      if (!(await this.exitWithin(graceMs))) {
        this.signal('SIGKILL');
        await this.exitWithin(10_000);
      }
    }
    if (appPid !== undefined && isAlive(appPid)) {
      try {
        process.kill(appPid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
}

export interface StartOptions {
  emulator: TelegramEmulator;
  store: Store;
  /** Milliseconds for the whole start (database, migrations, panel bundle, first poll). */
  timeoutMs?: number;
  /** More environment for the app (e.g. ROLE and AMQP_URL), over the defaults. */
  env?: Record<string, string>;
}

/** Whether a process with this id exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** The app, as a child (`launch`: how). The caller owns the process and must kill() it (afterAll), also on failure. */
export function spawnApp(opts: StartOptions, port: number, launch: Launch = 'node'): AppProcess {
  return new AppProcess(
    port,
    {
      BOT_TOKEN: opts.emulator.token,
      TELEGRAM_API_ROOT: opts.emulator.apiRoot,
      PORT: String(port),
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      BOT_AUTO_CUSTOMISE: 'false',
      ...opts.store.env,
      ...opts.env,
    },
    launch,
  );
}

/** Until /healthz answers 200 and the bot polls (the log says so and the emulator saw getUpdates). */
export async function waitUntilReady(app: AppProcess, opts: StartOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = Date.now();
  await app.waitForHealthy(timeoutMs);
  await app.waitForLog(
    'receiving updates by long polling',
    Math.max(1000, timeoutMs - (Date.now() - started)),
  );
  await opts.emulator.waitForPolling(10_000);
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- …` as a child, with the same database settings as the app. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: childEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(3).toString('hex')}`;

/**
 * Runs `fn`; when it fails, the apps' output (their logs) is added to the error, so a failing
 * test shows what the process said.
 */
export async function withOutput<T>(
  apps: () => [string, AppProcess | undefined][],
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const logs = apps()
      .filter((entry): entry is [string, AppProcess] => entry[1] !== undefined)
      .map(([label, app]) => `----- ${label} (pid ${app.child.pid}) output -----\n${app.output()}`)
      .join('\n');
    if (err instanceof Error) err.message += `\n\n${logs}\n----- end -----`;
    throw err;
  }
}
