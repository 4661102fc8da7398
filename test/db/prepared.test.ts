/**
 * The hot statements run as named prepared statements (services/sql.ts, runPrepared): one round trip
 * each, on every connection of the pool, a connection opened after the statement was first prepared
 * included. The embedded database serves every connection from one session, so a new connection
 * there must not first try to prepare a name the session already holds (that was a second round
 * trip, every time the pool replaced an idle connection).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { runPrepared } from '../../src/services/sql.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { countStatements } from '../support/round-trips.js';

const HOT = `SELECT $1::int + 1 AS n`;

describe('prepared statements', () => {
  let db: Database;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    pool = (db.dataSource.driver as unknown as { master: pg.Pool }).master;
  });
  afterAll(() => db.close());

  /** Opens `n` more connections by holding them at once, and gives them back to the pool. */
  async function freshConnections(n: number): Promise<void> {
    const held = await Promise.all(Array.from({ length: n }, () => pool.connect()));
    for (const c of held) c.release();
  }

  it('cost one round trip each, on connections opened after the statement was prepared too', async () => {
    await runPrepared(db.dataSource, HOT, [1]);
    // Every connection of the pool closed and replaced by new ones (what the pool's idle timeout
    // does after a lull).
    for (let i = pool.idleCount; i > 0; i--) (await pool.connect()).release(true);
    expect(pool.totalCount).toBe(0);
    await freshConnections(4);

    const counter = countStatements(db.dataSource);
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => runPrepared(db.dataSource, HOT, [i])),
      );
      expect(results.map((r) => (r.rows[0] as { n: number }).n)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      expect(counter.statements.filter((s) => s.text === HOT)).toHaveLength(40);
      expect(counter.statements.every((s) => s.text !== HOT || s.name)).toBe(true);
    } finally {
      counter.stop();
    }
  });

  it('are described by the server once per connection, not on every execution', async () => {
    // A database of its own, its pool emptied, so every connection is seen from its start.
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const freshPool = (fresh.dataSource.driver as unknown as { master: pg.Pool }).master;
      for (let i = freshPool.idleCount; i > 0; i--) (await freshPool.connect()).release(true);
      expect(freshPool.totalCount).toBe(0);
      let descriptions = 0;
      freshPool.on('connect', (client) => {
        const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
        connection.on('rowDescription', () => descriptions++);
      });
      const text = `SELECT $1::int + 1 AS n, $1::text AS s, now() AS at`;
      for (let i = 0; i < 20; i++) {
        const [row] = (await runPrepared(fresh.dataSource, text, [i])).rows;
        expect(row).toEqual({ n: i + 1, s: String(i), at: expect.any(Date) });
      }
      const rows = await Promise.all(
        Array.from({ length: 20 }, (_, i) => runPrepared(fresh.dataSource, text, [i])),
      );
      expect(rows.map((r) => r.rows[0])).toEqual(
        Array.from({ length: 20 }, (_, i) => ({ n: i + 1, s: String(i), at: expect.any(Date) })),
      );
      expect(descriptions).toBeGreaterThan(0);
      expect(descriptions).toBeLessThanOrEqual(freshPool.totalCount);
    } finally {
      await fresh.close();
    }
  });

  it('a statement the server no longer holds is prepared again, and answers', async () => {
    await runPrepared(db.dataSource, HOT, [1]);
    // On the embedded database this drops it for every connection; on PostgreSQL for one.
    await db.dataSource.query(`DEALLOCATE ALL`);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => runPrepared(db.dataSource, HOT, [i])),
    );
    expect(results.map((r) => (r.rows[0] as { n: number }).n)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
  });

  it('answer rows as pg reads them, with the types of the database they ran on', async () => {
    const text = `SELECT $1::bigint AS big, now() AS at, '{"a":[1,2]}'::jsonb AS doc, NULL::int AS none,
                         true AS yes, 'x'::varchar AS s, 1.5::numeric AS num, 1 AS dup, 2 AS dup`;
    const params = [7_000_000_001];
    for (let i = 0; i < 3; i++) {
      const [prepared] = (await runPrepared(db.dataSource, text, params)).rows;
      const [plain] = (await db.dataSource.query(text, params)) as Record<string, unknown>[];
      expect(prepared).toEqual({ ...plain, at: expect.any(Date) });
      expect(prepared).toMatchObject({ big: 7_000_000_001, doc: { a: [1, 2] }, none: null, dup: 2 });
    }
    // The same text where its column is of another type (another database, or the table changed
    // since) is read with that type: a statement's shape is kept, but checked on every execution.
    const other = await createTestDatabase({ migrate: false });
    try {
      const shaped = `SELECT v FROM shape_check`;
      await db.dataSource.query(`CREATE TABLE shape_check AS SELECT 41::int AS v`);
      await other.dataSource.query(`CREATE TABLE shape_check AS SELECT '2026-11-30'::date AS v`);
      expect((await runPrepared(db.dataSource, shaped)).rows).toEqual([{ v: 41 }]);
      const [row] = (await runPrepared(other.dataSource, shaped)).rows as { v: unknown }[];
      expect(row!.v).toBeInstanceOf(Date);
      expect((await runPrepared(db.dataSource, shaped)).rows).toEqual([{ v: 41 }]);
    } finally {
      await other.close();
    }
  });
});
