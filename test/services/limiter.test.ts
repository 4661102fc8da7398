import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { LoginLimiter } from '../../src/services/index.js';
import { openCtx, reset, type Ctx } from './fixtures.js';
import { sql, sqlOne } from '../support/sql.js';

let ctx: Ctx;
let limiter: LoginLimiter;
beforeAll(async () => {
  ctx = await openCtx();
  limiter = new LoginLimiter(ctx.db.dataSource, { maxFailures: 3, windowMinutes: 10 });
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

/** A failure recorded `minutesAgo` minutes ago: the clock moves without sleeping. */
async function failedAgo(scope: string, key: string, minutesAgo: number) {
  await sql(
    ctx,
    `INSERT INTO login_failures (scope, key, created_at) VALUES ($1, $2, now() - make_interval(secs => $3))`,
    [scope, key, minutesAgo * 60],
  );
}

const count = async () => (await sqlOne<{ n: number }>(ctx, `SELECT count(*) AS n FROM login_failures`)).n;

describe('LoginLimiter', () => {
  it('locks after maxFailures failures and asks to wait about a window', async () => {
    expect(await limiter.check('bot', 7_000_000_001)).toEqual({ locked: false });
    await limiter.fail('bot', 7_000_000_001);
    await limiter.fail('bot', 7_000_000_001);
    expect(await limiter.check('bot', 7_000_000_001)).toEqual({ locked: false });
    await limiter.fail('bot', 7_000_000_001);
    const state = await limiter.check('bot', '7000000001');
    expect(state.locked).toBe(true);
    const wait = state.locked ? state.retryAfterSeconds : 0;
    expect(wait).toBeGreaterThan(10 * 60 - 30);
    expect(wait).toBeLessThanOrEqual(10 * 60);
  });

  it('reports the wait until the oldest failure in the window leaves it, and unlocks then', async () => {
    await failedAgo('bot', 'k', 9); // leaves the 10-minute window in about 60 s
    await failedAgo('bot', 'k', 5);
    await failedAgo('bot', 'k', 1);
    const state = await limiter.check('bot', 'k');
    expect(state.locked).toBe(true);
    const wait = state.locked ? state.retryAfterSeconds : 0;
    expect(wait).toBeGreaterThanOrEqual(55);
    expect(wait).toBeLessThanOrEqual(61);

    // The same failures a little older: the first has left the window, so the key is free again.
    await sql(ctx, `UPDATE login_failures SET created_at = created_at - interval '61 seconds'`);
    expect(await limiter.check('bot', 'k')).toEqual({ locked: false });
  });

  it('with more failures than the maximum, waits until enough have aged out', async () => {
    await failedAgo('bot', 'k', 9.5);
    await failedAgo('bot', 'k', 8);
    await failedAgo('bot', 'k', 4); // the 3rd newest: it must leave before fewer than 3 remain
    await failedAgo('bot', 'k', 2);
    await failedAgo('bot', 'k', 1);
    const state = await limiter.check('bot', 'k');
    const wait = state.locked ? state.retryAfterSeconds : 0;
    expect(wait).toBeGreaterThanOrEqual(6 * 60 - 5);
    expect(wait).toBeLessThanOrEqual(6 * 60 + 1);
  });

  it('ignores failures older than the window', async () => {
    await failedAgo('bot', 'k', 11);
    await failedAgo('bot', 'k', 30);
    await limiter.fail('bot', 'k');
    await limiter.fail('bot', 'k');
    expect(await limiter.check('bot', 'k')).toEqual({ locked: false });
  });

  it('keeps scopes and keys apart', async () => {
    for (let i = 0; i < 3; i++) await limiter.fail('panel-ip', '10.0.0.1');
    expect((await limiter.check('panel-ip', '10.0.0.1')).locked).toBe(true);
    expect((await limiter.check('panel-ip', '10.0.0.2')).locked).toBe(false);
    expect((await limiter.check('panel-user', '10.0.0.1')).locked).toBe(false);
  });

  it('clear forgets a key’s failures, only that key', async () => {
    for (let i = 0; i < 3; i++) {
      await limiter.fail('bot', 'a');
      await limiter.fail('bot', 'b');
    }
    await limiter.clear('bot', 'a');
    expect((await limiter.check('bot', 'a')).locked).toBe(false);
    expect((await limiter.check('bot', 'b')).locked).toBe(true);
  });

  it('prune deletes only failures that left the window', async () => {
    await failedAgo('bot', 'a', 11);
    await failedAgo('panel-ip', 'b', 60 * 24);
    await failedAgo('bot', 'a', 9);
    await limiter.fail('bot', 'a');
    expect(await limiter.prune()).toBe(2);
    expect(await count()).toBe(2);
    expect(await limiter.prune()).toBe(0);
  });

  it('with a limit of one, the first failure locks', async () => {
    const strict = new LoginLimiter(ctx.db.dataSource, { maxFailures: 1, windowMinutes: 1 });
    expect((await strict.check('bot', 'x')).locked).toBe(false);
    await strict.fail('bot', 'x');
    const state = await strict.check('bot', 'x');
    expect(state).toMatchObject({ locked: true });
    expect(state.locked && state.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});
