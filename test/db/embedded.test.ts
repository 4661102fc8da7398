import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase, runMigrations } from '../../src/db/data-source.js';
import { createTestDatabase, usingPostgres } from '../support/db.js';
import { emptyTemplate, templatePath } from '../support/template-path.js';

/** A fresh data folder runs initdb (no built cluster under test): tens of seconds on a busy machine. */
const INITDB_MS = 180_000;
/**
 * Peak RSS of a first start on an empty data folder (the database opened from a cluster tarball as
 * `npm run build` ships one, then migrated), in a child process that also runs tsx and TypeORM:
 * measured 300–360 MB; PGlite's own initdb in the same process peaked at 830 MB.
 */
const FIRST_START_PEAK_MB = 420;

const describeEmbedded = usingPostgres ? describe.skip : describe;

describeEmbedded('the embedded database', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'mb-embedded-'));
    dirs.push(d);
    return d;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('runs its statements in a thread of its own: the caller keeps ticking through a long one', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      let longest = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 10);
      const started = performance.now();
      // pg_sleep holds the thread PGlite runs on for the whole 1.5 s (WASM has no other way to wait).
      await db.dataSource.query(`SELECT pg_sleep(1.5)`);
      const took = performance.now() - started;
      clearInterval(ticker);
      expect(took).toBeGreaterThanOrEqual(1400);
      // On the caller's thread the ticker would have stood still for all of it.
      expect(longest).toBeLessThan(500);
    } finally {
      await db.close();
    }
  });

  it(
    'starts an empty data folder from a cluster tarball under a bounded peak RSS, and a half-written one is redone',
    async () => {
      const dir = await tempDir();
      // What a start killed while writing the cluster out leaves: the staging folder, and no database.
      await fs.mkdir(path.join(dir, 'pglite.new', 'base'), { recursive: true });
      await fs.writeFile(path.join(dir, 'pglite.new', 'base', 'junk'), 'x');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'test/db/embedded-first-start.ts', dir, emptyTemplate(templatePath())],
        { env: { ...process.env, NODE_OPTIONS: '' } },
      );
      const { peakKb, tables } = JSON.parse(stdout) as { peakKb: number; tables: number };
      console.log(`first start on an empty data folder: peak RSS ${Math.round(peakKb / 1024)} MB`);
      expect(peakKb / 1024).toBeLessThan(FIRST_START_PEAK_MB);
      expect(tables).toBeGreaterThan(10);
      await expect(fs.access(path.join(dir, 'pglite.new'))).rejects.toThrow();
      // The migrated database is on disk, in the data folder itself.
      const again = await openDatabase({ dataDir: dir });
      try {
        expect(await again.dataSource.query(`SELECT name FROM groups LIMIT 1`)).toHaveLength(1);
      } finally {
        await again.close();
      }
    },
    INITDB_MS,
  );

  it(
    'answers many concurrent parameterised queries and transactions on several connections correctly',
    async () => {
      const db = await openDatabase({ poolSize: 8 });
      try {
        await db.dataSource.query(`CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)`);
        await db.dataSource.query(`INSERT INTO counter VALUES (1, 0)`);
        const reads = Array.from({ length: 200 }, (_, i) =>
          i % 2
            ? db.dataSource
                .query(`SELECT $1::int + $2::int + $3::int AS v`, [i, 1, 2])
                .then((r) => r[0].v === i + 3)
            : db.dataSource.query(`SELECT $1::text AS v`, [`t${i}`]).then((r) => r[0].v === `t${i}`),
        );
        const writes = Array.from({ length: 30 }, () =>
          db.dataSource.transaction(async (em) => {
            const [{ n }] = await em.query(`SELECT n FROM counter WHERE id = $1`, [1]);
            await em.query(`UPDATE counter SET n = $1 WHERE id = $2`, [n + 1, 1]);
          }),
        );
        expect((await Promise.all(reads)).every(Boolean)).toBe(true);
        await Promise.all(writes);
        // Read-then-write inside each transaction lost nothing: transactions don't interleave.
        expect((await db.dataSource.query(`SELECT n FROM counter`))[0].n).toBe(30);
      } finally {
        await db.close();
      }
    },
    INITDB_MS,
  );

  it(
    'lets a second process (the CLI) use the data dir a running app serves, instead of opening the files twice',
    async () => {
      const dir = await tempDir();
      const app = await openDatabase({ dataDir: dir });
      try {
        await runMigrations(app.dataSource);
        const cli = await openDatabase({ dataDir: dir });
        expect(cli.url).toBe(app.url);
        await cli.dataSource.query(`INSERT INTO groups (name) VALUES ('from_cli')`);
        await cli.close();
        const rows = await app.dataSource.query(`SELECT name FROM groups WHERE name = 'from_cli'`);
        expect(rows).toHaveLength(1);
      } finally {
        await app.close();
      }
      // Once the app is gone, the files are opened directly again and the data is there.
      const later = await openDatabase({ dataDir: dir });
      try {
        expect(await later.dataSource.query(`SELECT name FROM groups WHERE name = 'from_cli'`)).toHaveLength(
          1,
        );
      } finally {
        await later.close();
      }
    },
    INITDB_MS,
  );

  it(
    'ignores a server file left by a crashed process',
    async () => {
      const dir = await tempDir();
      await fs.writeFile(
        path.join(dir, 'server.json'),
        JSON.stringify({ pid: 2 ** 22 + 12345, url: 'postgres://x@127.0.0.1:1/x' }),
      );
      const db = await openDatabase({ dataDir: dir });
      try {
        expect(db.url).not.toContain(':1/');
        expect(await db.dataSource.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      } finally {
        await db.close();
      }
    },
    INITDB_MS,
  );
});
