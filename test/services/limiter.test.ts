import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { LoginLimiter, type LoginLimiterOptions } from '../../src/services/index.js';
import { openCtx, reset, type Ctx } from './fixtures.js';
import { sql, sqlOne } from '../support/sql.js';

let ctx: Ctx;
let limiter: LoginLimiter;
const options: LoginLimiterOptions = {
  maxFailures: 3,
  windowMinutes: 10,
  wrongKeysPerMinute: 4,
  wrongKeysPerHour: 6,
};
beforeAll(async () => {
  ctx = await openCtx();
  limiter = new LoginLimiter(ctx.db.dataSource, options);
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
    [scope, await limiter.keyHash(scope, key), minutesAgo * 60],
  );
}

/** One failed attempt: reserved and not released. */
async function fail(scope: string, key: string | number, l = limiter) {
  const attempt = await l.attempt([l.limit(scope, key)]);
  expect(attempt.ok).toBe(true);
}

const count = async () => (await sqlOne<{ n: number }>(ctx, `SELECT count(*) AS n FROM login_failures`)).n;

describe('LoginLimiter', () => {
  it('locks after maxFailures failures and asks to wait about a window', async () => {
    expect(await limiter.check('bot', 7_000_000_001)).toEqual({ locked: false });
    await fail('bot', 7_000_000_001);
    await fail('bot', 7_000_000_001);
    expect(await limiter.check('bot', 7_000_000_001)).toEqual({ locked: false });
    await fail('bot', 7_000_000_001);
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
    await fail('bot', 'k');
    await fail('bot', 'k');
    expect(await limiter.check('bot', 'k')).toEqual({ locked: false });
  });

  it('keeps scopes and keys apart', async () => {
    for (let i = 0; i < 3; i++) await fail('panel-ip', '10.0.0.1');
    expect((await limiter.check('panel-ip', '10.0.0.1')).locked).toBe(true);
    expect((await limiter.check('panel-ip', '10.0.0.2')).locked).toBe(false);
    expect((await limiter.check('panel-user', '10.0.0.1')).locked).toBe(false);
  });

  it('release takes back only that attempt: earlier failures stay', async () => {
    await fail('bot', 'a');
    await fail('bot', 'a');
    const attempt = await limiter.attempt([limiter.limit('bot', 'a')]);
    expect(await limiter.failures('bot', 'a')).toBe(3);
    expect((await limiter.check('bot', 'a')).locked).toBe(true);
    if (attempt.ok) await limiter.release(attempt.reservation);
    expect(await limiter.failures('bot', 'a')).toBe(2);
    expect((await limiter.check('bot', 'a')).locked).toBe(false);
  });

  it('a locked attempt records nothing and names the limit with the longest wait', async () => {
    for (let i = 0; i < 3; i++) await fail('bot', 'a');
    await failedAgo('bot', 'b', 9);
    await failedAgo('bot', 'b', 9);
    await failedAgo('bot', 'b', 9);
    const attempt = await limiter.attempt([limiter.limit('bot', 'b'), limiter.limit('bot', 'a')]);
    expect(attempt).toMatchObject({ ok: false, limit: { scope: 'bot', key: 'a' } });
    expect(!attempt.ok && attempt.retryAfterSeconds).toBeGreaterThan(9 * 60);
    expect(await count()).toBe(6);
  });

  it('reserves atomically: 50 attempts at once on one key let exactly the maximum through', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 50 }, () => limiter.attempt([limiter.limit('panel-ip', '10.9.9.9')])),
    );
    expect(attempts.filter((a) => a.ok)).toHaveLength(3);
    expect(await count()).toBe(3);
  });

  it('the shop-key budget counts across keys, a minute and an hour, and says which place filled it', async () => {
    const budget = limiter.shopKeyBudget();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await limiter.attempt([limiter.limit('bot', i), ...budget]));
    expect(results.map((r) => r.ok && r.reservation.filled)).toEqual([[], [], [], ['minute']]);
    const refused = await limiter.attempt([limiter.limit('bot', 99), ...budget]);
    expect(refused).toMatchObject({ ok: false, limit: { budget: 'minute' } });
    await sql(ctx, `UPDATE login_failures SET created_at = created_at - interval '61 seconds'`);
    const more = [];
    for (let i = 0; i < 3; i++) more.push(await limiter.attempt([limiter.limit('bot', 10 + i), ...budget]));
    expect(more.map((r) => r.ok && r.reservation.filled)).toEqual([[], ['hour'], false]);
  });

  it('stores keys as a keyed hash, the same in every process on this database', async () => {
    await fail('panel-user', 'Some Typed Text');
    const { key } = await sqlOne<{ key: string }>(ctx, `SELECT key FROM login_failures`);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const other = new LoginLimiter(ctx.db.dataSource, options);
    expect(await other.keyHash('panel-user', 'Some Typed Text')).toBe(key);
    expect(await other.failures('panel-user', 'Some Typed Text')).toBe(1);
    // With SESSION_SECRET the key is derived from it instead.
    const withSecret = new LoginLimiter(ctx.db.dataSource, options, 'x'.repeat(32));
    expect(await withSecret.keyHash('panel-user', 'Some Typed Text')).not.toBe(key);
    expect(await withSecret.keyHash('panel-user', 'Some Typed Text')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the hashes of ids and the budget in memory, never a typed text', async () => {
    const fresh = new LoginLimiter(ctx.db.dataSource, options, 'x'.repeat(32));
    const first = await fresh.keyHash('bot', 7_000_000_001);
    expect(await fresh.keyHash('bot', 7_000_000_001)).toBe(first);
    await fresh.keyHash('shop-keys', 'all');
    await fresh.keyHash('panel-user', 'Some Typed Password');
    const kept = [...(fresh as unknown as { hashes: Map<string, string> }).hashes.keys()].join('\n');
    expect(kept).toContain('7000000001');
    expect(kept).not.toContain('Some Typed Password');
    // Bounded: a flood of ids empties the map rather than growing it, and hashes stay right.
    for (let id = 1; id <= 10_001; id++) await fresh.keyHash('bot', id);
    expect((fresh as unknown as { hashes: Map<string, string> }).hashes.size).toBeLessThanOrEqual(10_000);
    expect(await fresh.keyHash('bot', 7_000_000_001)).toBe(first);
  });

  it('prune deletes only failures that left the window (the shop-key budget’s: an hour)', async () => {
    await failedAgo('bot', 'a', 11);
    await failedAgo('panel-ip', 'b', 60 * 24);
    await failedAgo('bot', 'a', 9);
    await fail('bot', 'a');
    await failedAgo('shop-keys', 'all', 30);
    await failedAgo('shop-keys', 'all', 61);
    expect(await limiter.prune()).toBe(3);
    expect(await count()).toBe(3);
    expect(await limiter.prune()).toBe(0);
  });

  it('with a limit of one, the first failure locks', async () => {
    const strict = new LoginLimiter(ctx.db.dataSource, { ...options, maxFailures: 1, windowMinutes: 1 });
    expect((await strict.check('bot', 'x')).locked).toBe(false);
    await fail('bot', 'x', strict);
    const state = await strict.check('bot', 'x');
    expect(state).toMatchObject({ locked: true });
    expect(state.locked && state.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});
