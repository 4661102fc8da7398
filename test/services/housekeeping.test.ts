import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { sqlOne } from '../support/sql.js';
import { openCtx, reset, type Ctx } from './fixtures.js';

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
    expect(await ctx.s.housekeeping.prune()).toEqual({ botSessions: 2, loginFailures: 1, inbox: 0 });
    expect(await count('bot_sessions')).toBe(1);
    expect(await count('login_failures')).toBe(1);
    expect(await ctx.s.housekeeping.prune()).toEqual({ botSessions: 0, loginFailures: 0, inbox: 0 });
  });
});
