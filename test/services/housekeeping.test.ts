import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { usingPostgres } from '../support/db.js';
import { sqlOne } from '../support/sql.js';
import { addSessions, openCtx, reset, rowEstimate, type Ctx } from './fixtures.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx();
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const count = async (table: string) =>
  (await sqlOne<{ n: number }>(ctx, `SELECT count(*)::int AS n FROM ${table}`)).n;

describe('HousekeepingService.prune', () => {
  it('removes expired bot sessions and login failures older than the window, and nothing else', async () => {
    await ctx.db.dataSource.query(
      `INSERT INTO bot_sessions (key, data, expires_at) VALUES
         ('1:1', '{}', now() - interval '1 minute'),
         ('2:2', '{}', now() - interval '2 days'),
         ('3:3', '{}', now() + interval '10 minutes')`,
    );
    // testOptions: a 15-minute window.
    await ctx.db.dataSource.query(
      `INSERT INTO login_failures (scope, key, created_at) VALUES
         ('bot', 'a', now() - interval '16 minutes'),
         ('panel-ip', 'b', now() - interval '14 minutes')`,
    );
    expect(await ctx.s.housekeeping.prune()).toEqual({
      botSessions: 2,
      loginFailures: 1,
      inbox: 0,
      processed: 0,
    });
    expect(await count('bot_sessions')).toBe(1);
    expect(await count('login_failures')).toBe(1);
    expect(await ctx.s.housekeeping.prune()).toEqual({
      botSessions: 0,
      loginFailures: 0,
      inbox: 0,
      processed: 0,
    });
  });

  it('removes the ids workers handled through the broker after two days, and keeps the recent ones', async () => {
    await ctx.db.dataSource.query(
      `INSERT INTO tg_processed (update_id, done_at) VALUES
         (1, now() - interval '49 hours'), (2, now() - interval '47 hours'), (3, now())`,
    );
    expect((await ctx.s.housekeeping.prune()).processed).toBe(1);
    expect(await ctx.s.processed.seen(1)).toBe(false);
    expect(await ctx.s.processed.seen(2)).toBe(true);
    await ctx.s.processed.record([3, 4, 4]);
    expect(await count('tg_processed')).toBe(3);
  });
});

describe('HousekeepingService.vacuum (what autovacuum does on a server; the embedded database has none)', () => {
  const size = async () =>
    (await sqlOne<{ n: number }>(ctx, `SELECT pg_relation_size('bot_sessions')::int AS n`)).n;
  /** One round of a busy hour's sessions: written, then expired and pruned. */
  const churn = async () => {
    await ctx.db.dataSource.query(
      `INSERT INTO bot_sessions (key, data, expires_at)
       SELECT 'k' || g, '{"expect":{"kind":"seller_key"}}', now() - interval '1 minute'
         FROM generate_series(1, 3000) g`,
    );
    expect((await ctx.s.housekeeping.prune()).botSessions).toBe(3000);
  };

  it('lets the space of deleted rows be used again: the table stops growing', async () => {
    await churn();
    const first = await size();
    if (!usingPostgres) {
      // The premise: left alone, the embedded database never reclaims it (no autovacuum there).
      await churn();
      await churn();
      expect(await size()).toBeGreaterThanOrEqual(first * 2.5);
    }
    const before = await size();
    for (let round = 0; round < 4; round++) {
      expect(await ctx.s.housekeeping.vacuum()).toBeGreaterThan(10);
      await churn();
    }
    // Four more rounds, each vacuumed before it: they reuse the pages the last one freed.
    expect(await size()).toBeLessThanOrEqual(before + first / 2);
  });

  it('keeps the planner’s statistics: it learns how many rows a table holds', async () => {
    await addSessions(ctx, 2000, 's');
    if (!usingPostgres) expect(await rowEstimate(ctx, 'bot_sessions')).toBeLessThan(1000);
    await ctx.s.housekeeping.vacuum();
    expect(await rowEstimate(ctx, 'bot_sessions')).toBe(2000);
  });
});
