import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  makeSeller,
  makeShop,
  makeStaff,
  openCtx,
  profile,
  reset,
  testOptions,
  type Ctx,
} from './fixtures.js';
import { SHOP_KEYS_SCOPE } from '../../src/services/limiter.js';
import { usingPostgres } from '../support/db.js';
import { sql, sqlOne } from '../support/sql.js';

/**
 * The login limits under concurrency and against guessing at scale: an attempt is reserved before
 * the comparison (so a burst can't outrun the lock), wrong shop keys have a global budget, a success
 * resets nothing, and login_failures never holds what was typed.
 */
// A burst of 100 takes a few seconds, many more on a busy machine.
jest.setTimeout(120_000);

let ctx: Ctx;
beforeAll(async () => {
  // maxFailures 3; a global budget of 6 wrong keys a minute and 8 an hour.
  ctx = await openCtx({
    ...testOptions,
    login: { ...testOptions.login, wrongKeysPerMinute: 6, wrongKeysPerHour: 8 },
  });
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const rows = async () =>
  (await sqlOne<{ n: number }>(ctx, `SELECT count(*)::int AS n FROM login_failures`)).n;

/** `n` calls at once, `right` (an index) with the right secret; the outcomes by reason. */
async function burst<R extends { ok: boolean; reason?: string }>(
  n: number,
  right: number,
  call: (i: number, isRight: boolean) => Promise<R>,
) {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => call(i, i === right)));
  const by = (what: string) => results.filter((r) => (r.ok ? 'ok' : r.reason) === what).length;
  return { ok: by('ok'), wrong: by('wrong_credentials') + by('wrong_key'), locked: by('locked') };
}

describe('a burst of guesses is limited as a sequence would be', () => {
  it('admin login: 100 at once for one username, from one account → at most 3 comparisons fail', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    const r = await burst(100, 50, (i, isRight) =>
      ctx.s.auth.adminLogin(p, 'boss', isRight ? 'correct horse' : `guess ${i}`),
    );
    expect(r.wrong).toBeLessThanOrEqual(3);
    expect(r.ok).toBeLessThanOrEqual(1);
    expect(r.locked).toBeGreaterThanOrEqual(100 - 3 - 1);
    expect(await rows()).toBeLessThanOrEqual(2 * 3); // per account and per username
  });

  it('admin login: 100 at once from 100 accounts at one username → at most 3 comparisons fail', async () => {
    await makeStaff(ctx, 'boss');
    const r = await burst(100, 99, (i, isRight) =>
      ctx.s.auth.adminLogin(profile(), 'boss', isRight ? 'correct horse' : `guess ${i}`),
    );
    expect(r.wrong).toBeLessThanOrEqual(3);
    expect(r.locked).toBeGreaterThanOrEqual(100 - 3 - 1);
  });

  it('once the lock is reached, the right password does not get in', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    const r = await burst(100, -1, (i) => ctx.s.auth.adminLogin(p, 'boss', `guess ${i}`));
    expect(r.wrong).toBe(3);
    expect(r.locked).toBe(97);
    expect(await ctx.s.auth.adminLogin(profile(), 'boss', 'correct horse')).toMatchObject({
      ok: false,
      reason: 'locked',
    });
    expect(await ctx.s.auth.adminLogin(p, 'other', 'correct horse')).toMatchObject({ reason: 'locked' });
  });

  it('seller login: 100 keys at once from one account → at most 3 wrong keys are looked up', async () => {
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    const r = await burst(100, 70, (i, isRight) =>
      ctx.s.auth.sellerLogin(p, isRight ? apiKey : `mk_guess_${i}_${'x'.repeat(20)}`),
    );
    expect(r.wrong).toBeLessThanOrEqual(3);
    expect(r.locked).toBeGreaterThanOrEqual(96);
  });

  it('add shop: 100 keys at once from one seller → at most 3 wrong keys are looked up', async () => {
    const p = profile();
    const seller = await makeSeller(ctx, [], p);
    const r = await burst(100, -1, (i) => ctx.s.auth.addShop(seller, `mk_guess_${i}_${'x'.repeat(20)}`));
    expect(r.wrong).toBe(3);
    expect(r.locked).toBe(97);
  });
});

describe('a success resets nothing: failures age out of the window', () => {
  it('re-adding a shop the seller already has does not reset the count', async () => {
    const { shop, apiKey } = await makeShop(ctx);
    const p = profile();
    const seller = await makeSeller(ctx, [shop], p);
    for (let round = 0; round < 3; round++) {
      await ctx.s.auth.addShop(seller, `wrong-key-${round}-${'x'.repeat(20)}`);
      if (round < 2)
        expect(await ctx.s.auth.addShop(seller, apiKey)).toMatchObject({ ok: true, already: true });
    }
    expect(await ctx.s.auth.addShop(seller, apiKey)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('a seller login in between does not reset the count either', async () => {
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    for (let round = 0; round < 3; round++) {
      expect(await ctx.s.auth.sellerLogin(p, `wrong-key-${round}-${'x'.repeat(20)}`)).toMatchObject({
        reason: 'wrong_key',
      });
      if (round < 2) expect((await ctx.s.auth.sellerLogin(p, apiKey)).ok).toBe(true);
    }
    expect(await ctx.s.auth.sellerLogin(p, apiKey)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('a success itself is not counted as a failure', async () => {
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    for (let i = 0; i < 5; i++) expect((await ctx.s.auth.sellerLogin(p, apiKey)).ok).toBe(true);
    expect(await rows()).toBe(0);
  });
});

describe('the global budget for wrong shop keys', () => {
  it('after 6 wrong keys in a minute from different accounts, every key attempt waits, the right one too', async () => {
    const { apiKey } = await makeShop(ctx);
    for (let i = 0; i < 6; i++) {
      // The sixth takes the budget's last place, and says so (the bot raises the alarm).
      expect(await ctx.s.auth.sellerLogin(profile(), `wrong-key-${i}-${'x'.repeat(20)}`)).toEqual(
        i < 5 ? { ok: false, reason: 'wrong_key' } : { ok: false, reason: 'wrong_key', budget: 'minute' },
      );
    }
    const refused = await ctx.s.auth.sellerLogin(profile(), apiKey);
    expect(refused).toMatchObject({ ok: false, reason: 'locked', budget: 'minute' });
    expect(!refused.ok && refused.reason === 'locked' && refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    const seller = await makeSeller(ctx);
    expect(await ctx.s.auth.addShop(seller, apiKey)).toMatchObject({ ok: false, reason: 'locked' });
    // Staff passwords are not shop keys: the admin login is not held by the key budget.
    await makeStaff(ctx, 'boss');
    expect((await ctx.s.auth.adminLogin(profile(), 'boss', 'correct horse')).ok).toBe(true);
  });

  it('the minute budget frees as failures age out; the hour budget holds longer', async () => {
    const { apiKey } = await makeShop(ctx);
    for (let i = 0; i < 6; i++) await ctx.s.auth.sellerLogin(profile(), `wrong-key-${i}-${'x'.repeat(20)}`);
    await sql(ctx, `UPDATE login_failures SET created_at = created_at - interval '61 seconds'`);
    for (let i = 0; i < 2; i++) await ctx.s.auth.sellerLogin(profile(), `later-key-${i}-${'x'.repeat(20)}`);
    const refused = await ctx.s.auth.sellerLogin(profile(), apiKey);
    expect(refused).toMatchObject({ ok: false, reason: 'locked', budget: 'hour' });
    expect(!refused.ok && refused.reason === 'locked' && refused.retryAfterSeconds).toBeGreaterThan(58 * 60);
    await sql(ctx, `UPDATE login_failures SET created_at = created_at - interval '1 hour'`);
    expect((await ctx.s.auth.sellerLogin(profile(), apiKey)).ok).toBe(true);
  });

  it('a burst of 100 wrong keys from 100 accounts spends the minute budget and no more', async () => {
    const r = await burst(100, -1, (i) =>
      ctx.s.auth.sellerLogin(profile(), `mk_guess_${i}_${'x'.repeat(20)}`),
    );
    expect(r.wrong).toBe(6);
    expect(r.locked).toBe(94);
  });

  it('100 sellers logging in at once with right keys all get in, though the budget is 6', async () => {
    const { apiKey } = await makeShop(ctx);
    const r = await burst(100, -1, () => ctx.s.auth.sellerLogin(profile(), apiKey));
    expect(r).toEqual({ ok: 100, wrong: 0, locked: 0 });
    expect(await rows()).toBe(0);
  });

  it('a burst of right keys among wrong ones: the right ones get in until the budget is spent', async () => {
    const { apiKey } = await makeShop(ctx);
    const r = await burst(40, -1, (i) =>
      ctx.s.auth.sellerLogin(profile(), i % 4 === 0 ? `mk_guess_${i}_${'x'.repeat(20)}` : apiKey),
    );
    // 10 wrong keys against a budget of 6: 6 compared, 4 refused; the 30 right ones are not held back
    // by attempts still in flight, only (possibly) by the 6 failures once they are all recorded.
    expect(r.wrong).toBe(6);
    expect(r.ok + r.locked).toBe(34);
  });

  it('right keys do not spend the budget', async () => {
    const { apiKey } = await makeShop(ctx);
    for (let i = 0; i < 10; i++) expect((await ctx.s.auth.sellerLogin(profile(), apiKey)).ok).toBe(true);
    expect(await rows()).toBe(0);
  });
});

// Advisory locks belong to a session, and the embedded database serves every connection from one:
// there a lock held "elsewhere" is this session's own, and nobody waits on it.
(usingPostgres ? describe : describe.skip)('right keys and the budget’s lock', () => {
  it('a right key neither takes nor waits for the budget’s lock; a wrong key waits its turn', async () => {
    const { apiKey } = await makeShop(ctx);
    const budgetKey = await ctx.s.limiter.keyHash(SHOP_KEYS_SCOPE, 'all');
    const holder = await ctx.db.dataSource.createQueryRunner();
    await holder.connect();
    try {
      // Another login holding the budget's lock (the limiter's lock class, "LOG").
      await holder.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [
        0x4c4f47,
        `${SHOP_KEYS_SCOPE}\n${budgetKey}`,
      ]);
      let wrongDone = false;
      const wrong = ctx.s.auth.sellerLogin(profile(), `mk_guess_${'x'.repeat(20)}`).then((r) => {
        wrongDone = true;
        return r;
      });
      // Before, a right key reserved a place in the budget too, and waited here for the lock.
      const right = await Promise.race([
        ctx.s.auth.sellerLogin(profile(), apiKey),
        new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5_000)),
      ]);
      expect(right).toMatchObject({ ok: true });
      expect(wrongDone).toBe(false);
      await holder.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [
        0x4c4f47,
        `${SHOP_KEYS_SCOPE}\n${budgetKey}`,
      ]);
      expect(await wrong).toEqual({ ok: false, reason: 'wrong_key' });
    } finally {
      await holder.release();
    }
  });
});

describe('login_failures never holds what was typed', () => {
  it('a password typed as the username, or a key, is stored only as a keyed hash', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    await ctx.s.auth.adminLogin(p, 'My-Secret-Passw0rd', 'whatever');
    await ctx.s.auth.sellerLogin(profile(), 'mk_secret_key_typed_by_mistake');
    const stored = await sql<{ scope: string; key: string }>(ctx, `SELECT scope, key FROM login_failures`);
    expect(stored.length).toBeGreaterThanOrEqual(3);
    for (const { key } of stored) {
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(key.toLowerCase()).not.toContain('secret');
      expect(key).not.toContain(String(p.telegramId));
    }
    // Still counted per username (case-insensitively), so the lock works on the hash.
    await ctx.s.auth.adminLogin(profile(), 'my-secret-passw0rd', 'x');
    await ctx.s.auth.adminLogin(profile(), 'MY-SECRET-PASSW0RD', 'x');
    expect(await ctx.s.auth.adminLogin(profile(), 'My-Secret-Passw0rd', 'x')).toMatchObject({
      reason: 'locked',
    });
  });
});
