/**
 * What the embedded database (PGlite) promises after kill -9: a process commits rows one by one and
 * is killed with SIGKILL at a random moment, three times on the same data folder; each time the
 * folder opens again and every row whose COMMIT had returned is there. (PGlite writes PostgreSQL's
 * files through Node's file system calls as it goes, so a commit is in the operating system's
 * cache when it returns; a kill of the process can't take it back. A power cut can: PGlite does not
 * fsync, see the README.) The durable inbox relies on this to call the embedded database crash-safe.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { openDatabase } from '../../src/db/data-source.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the writer until it has committed for `ms`, kills it with SIGKILL, answers the last id it reported. */
async function writeThenKill(dataDir: string, ms: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/pglite-writer.ts', dataDir], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_c, s) => resolve(s)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('ready\n')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the writer did not start: ${err}`);
    await delay(50);
  }
  await delay(ms);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const ids = out
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
  return ids.at(-1) ?? 0;
}

describe('the embedded database after kill -9', () => {
  let scratch: string | undefined;
  afterAll(async () => {
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  test('keeps every commit that returned, across three kills', async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'market-bot-pglite-kill-'));
    let reported = 0;
    for (let round = 0; round < 3; round++) {
      reported = Math.max(reported, await writeThenKill(scratch, 300 + Math.floor(Math.random() * 1200)));
      const db = await openDatabase({ dataDir: scratch });
      try {
        const [{ n, max }] = (await db.dataSource.query(
          `SELECT count(*)::int AS n, coalesce(max(id), 0)::int AS max FROM kill_probe`,
        )) as { n: number; max: number }[];
        // Every reported commit is there; at most one more (committed, killed before it was printed).
        expect(max).toBeGreaterThanOrEqual(reported);
        expect(max - reported).toBeLessThanOrEqual(1);
        expect(n).toBe(max);
        console.log(
          `round ${round + 1}: ${reported} commits reported before SIGKILL, ${n} rows after reopening`,
        );
        reported = max;
      } finally {
        await db.close();
      }
    }
  }, 240_000);
});
