/**
 * The benchmark's processes and how they talk: the load driver (the parent) forks the emulator and
 * each bot under test as children of their own, so each one's CPU and memory are its own, and
 * calls them over Node's IPC channel (request → answer, matched by id).
 *
 * A child announces itself with `ready(info)` once it can take calls, and serves named operations
 * with `serve({...})`; the parent `call()`s them. A child that exits rejects every call in flight,
 * with what it printed last, so a crashed bot is reported rather than waited on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's folder: the children run from it, where their `--import tsx` resolves. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Request {
  id: number;
  op: string;
  args?: unknown;
}

interface Answer {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

type Message = Answer | { ready: unknown };

/** The parent's handle on a child process of the benchmark. */
export class Child<Ready = unknown> {
  readonly process: ChildProcess;
  readonly ready: Promise<Ready>;
  readonly exited: Promise<number | null>;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private seq = 0;
  private out = '';

  constructor(
    readonly name: string,
    entry: string,
    env: Record<string, string>,
    /** More node flags, e.g. `--cpu-prof` (its profile is written when the child exits). */
    nodeArgs: string[] = [],
  ) {
    this.process = fork(entry, [], {
      // The children are TypeScript, run as the project runs itself (`node --import tsx`).
      execArgv: ['--import', 'tsx', ...nodeArgs],
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Kept, not shown: a bot's warnings would cut through the table; they are printed if it fails.
    const keep = (d: Buffer) => {
      this.out = (this.out + d.toString('utf8')).slice(-20_000);
    };
    this.process.stdout!.on('data', keep);
    this.process.stderr!.on('data', keep);
    let onReady: (v: Ready) => void = () => undefined;
    let onFail: (e: Error) => void = () => undefined;
    this.ready = new Promise<Ready>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    // Not every caller awaits `ready` before the child can fail; the rejection is still reported.
    this.ready.catch(() => undefined);
    this.process.on('message', (m: Message) => {
      if ('ready' in m) return onReady(m.ready as Ready);
      const waiter = this.pending.get(m.id);
      if (!waiter) return;
      this.pending.delete(m.id);
      if (m.ok) waiter.resolve(m.result);
      else waiter.reject(new Error(`${this.name} ${m.error ?? 'failed'}`));
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        const why = new Error(
          `${this.name} exited (${signal ?? code})${this.out ? `; its last output:\n${this.tail()}` : ''}`,
        );
        onFail(why);
        for (const w of this.pending.values()) w.reject(why);
        this.pending.clear();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  /** The last lines the child printed (for a failure report). */
  tail(lines = 20): string {
    return this.out.trimEnd().split('\n').slice(-lines).join('\n');
  }

  call<T = unknown>(op: string, args?: unknown): Promise<T> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) {
      return Promise.reject(new Error(`${this.name} is not running`));
    }
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, op, args } satisfies Request);
    });
  }

  /** Asks the child to stop (`stop` op) and waits for it to exit; kills it if it hangs. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    try {
      await this.call('stop').catch(() => undefined);
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** In a child: answer the parent's calls with these operations. `stop` also ends the process. */
export function serve(ops: Record<string, (args: never) => Promise<unknown> | unknown>): void {
  process.on('message', (m: Request) => {
    const op = ops[m.op];
    void (async () => {
      let answer: Answer;
      try {
        if (!op) throw new Error(`has no operation ${m.op}`);
        answer = { id: m.id, ok: true, result: await op(m.args as never) };
      } catch (e) {
        answer = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      process.send?.(answer, () => {
        if (m.op === 'stop') process.exit(0);
      });
    })();
  });
  // The parent gone (the driver was interrupted): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}

/** In a child: tell the parent it can take calls now. */
export function ready(info: unknown = {}): void {
  process.send?.({ ready: info });
}

/** A process's memory from /proc: current and peak resident set (VmRSS, VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/**
 * Resets a process's peak resident set to its current one (Linux: `5` into clear_refs), so the
 * peak read later is the peak under load rather than the start's. False where that is refused.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time a process has used so far (user + system), in ms, from /proc/<pid>/stat. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so cut at its closing parenthesis).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
