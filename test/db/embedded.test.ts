import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase, runMigrations } from '../../src/db/data-source.js';
import { usingPostgres } from '../support/db.js';

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

  it('answers many concurrent parameterised queries and transactions on several connections correctly', async () => {
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
  });

  it('lets a second process (the CLI) use the data dir a running app serves, instead of opening the files twice', async () => {
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
      expect(await later.dataSource.query(`SELECT name FROM groups WHERE name = 'from_cli'`)).toHaveLength(1);
    } finally {
      await later.close();
    }
  });

  it('ignores a server file left by a crashed process', async () => {
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
  });
});
