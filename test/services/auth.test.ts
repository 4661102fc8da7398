import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TELEGRAM_ADMINS_GROUP } from '../../src/db/entities/index.js';
import {
  linkedShopIds,
  makeSeller,
  makeShop,
  makeStaff,
  openCtx,
  profile,
  reset,
  type Ctx,
} from './fixtures.js';
import { sql, sqlOne } from '../support/sql.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx(); // maxFailures 3
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const failures = (telegramId: number) => ctx.s.limiter.failures('bot', telegramId);

describe('seller login', () => {
  it('logs a new user in as a seller and links the shop', async () => {
    const { shop, apiKey } = await makeShop(ctx, 'Lamps');
    const p = profile();
    const result = await ctx.s.auth.sellerLogin(p, apiKey);
    expect(result).toMatchObject({
      ok: true,
      user: { telegramId: p.telegramId, role: 'seller' },
      shop: { id: shop.id },
    });
    const user = result.ok ? result.user : null;
    expect(
      await sql(ctx, `SELECT shop_id, source FROM shop_links WHERE telegram_user_id = $1`, [user!.id]),
    ).toEqual([{ shop_id: shop.id, source: 'login' }]);
    expect((await ctx.s.users.access(p.telegramId)).kind).toBe('ok');
  });

  it('answers wrong_key and records one failure for an unknown key; a success clears nothing', async () => {
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    expect(await ctx.s.auth.sellerLogin(p, 'not-the-key')).toEqual({ ok: false, reason: 'wrong_key' });
    expect(await ctx.s.auth.sellerLogin(p, '')).toEqual({ ok: false, reason: 'wrong_key' });
    expect(await failures(p.telegramId)).toBe(2);
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toBeNull();
    expect((await ctx.s.auth.sellerLogin(p, apiKey)).ok).toBe(true);
    expect(await failures(p.telegramId)).toBe(2); // they age out of the window
  });

  it('locks after three wrong keys: even the right key is refused, with a wait', async () => {
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    for (let i = 0; i < 3; i++) await ctx.s.auth.sellerLogin(p, `guess-${i}`);
    const locked = await ctx.s.auth.sellerLogin(p, apiKey);
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    expect(!locked.ok && locked.reason === 'locked' && locked.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toBeNull();
    expect(await failures(p.telegramId)).toBe(3); // a locked attempt is not counted again
    // Another Telegram user is not affected.
    expect((await ctx.s.auth.sellerLogin(profile(), apiKey)).ok).toBe(true);
  });

  it('accepts the key of an inactive shop, so the seller can switch it back on', async () => {
    const { apiKey } = await makeShop(ctx, 'Paused', { isActive: false });
    expect((await ctx.s.auth.sellerLogin(profile(), apiKey)).ok).toBe(true);
  });

  it('keeps ban, subscription and earlier links when a seller logs in again', async () => {
    const { shop: first } = await makeShop(ctx, 'First');
    const { shop: second, apiKey } = await makeShop(ctx, 'Second');
    const p = profile();
    const seller = await makeSeller(ctx, [first], p);
    await ctx.s.users.setBanned([seller.id], true);
    await ctx.s.users.setActive([seller.id], false);
    await ctx.s.users.signOut(p.telegramId);
    const result = await ctx.s.auth.sellerLogin({ ...p, firstName: 'New name' }, apiKey);
    expect(result).toMatchObject({
      ok: true,
      user: { id: seller.id, isBanned: true, isActive: false, isLoggedOut: false },
    });
    expect(await linkedShopIds(ctx, seller.id)).toEqual([first.id, second.id]);
    expect((await ctx.s.users.access(p.telegramId)).kind).toBe('banned');
  });

  it('turns an admin who logs in with a shop key into a seller with no staff account', async () => {
    await makeStaff(ctx, 'boss');
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    expect((await ctx.s.auth.adminLogin(p, 'boss', 'correct horse')).ok).toBe(true);
    const result = await ctx.s.auth.sellerLogin(p, apiKey);
    expect(result).toMatchObject({ ok: true, user: { role: 'seller', staffUserId: null } });
  });
});

describe('admin login', () => {
  it('logs in an active staff user in telegram_admins, records the account and the login time', async () => {
    const staff = await makeStaff(ctx, 'boss');
    const p = profile();
    const result = await ctx.s.auth.adminLogin(p, 'boss', 'correct horse');
    expect(result).toMatchObject({
      ok: true,
      user: { role: 'admin', staffUserId: staff.id, telegramId: p.telegramId },
    });
    const { last_login } = await sqlOne<{ last_login: Date | null }>(
      ctx,
      `SELECT last_login FROM users WHERE id = $1`,
      [staff.id],
    );
    expect(last_login).toBeInstanceOf(Date);
    expect((await ctx.s.users.access(p.telegramId)).kind).toBe('ok');
  });

  it('refuses, in the same words, a wrong password, an unknown user and a wrong-case username', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    expect(await ctx.s.auth.adminLogin(p, 'boss', 'wrong horse')).toEqual({
      ok: false,
      reason: 'wrong_credentials',
    });
    expect(await ctx.s.auth.adminLogin(p, 'nobody', 'correct horse')).toEqual({
      ok: false,
      reason: 'wrong_credentials',
    });
    expect(await ctx.s.auth.adminLogin(profile(), 'BOSS', 'correct horse')).toEqual({
      ok: false,
      reason: 'wrong_credentials',
    });
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toBeNull();
    expect(await failures(p.telegramId)).toBe(2);
  });

  it('refuses a staff user outside telegram_admins, even a superuser', async () => {
    await makeStaff(ctx, 'root', { telegramAdmin: false, isSuperuser: true, isStaff: true });
    expect(await ctx.s.auth.adminLogin(profile(), 'root', 'correct horse')).toEqual({
      ok: false,
      reason: 'wrong_credentials',
    });
  });

  it('refuses an inactive staff user with the right password', async () => {
    await makeStaff(ctx, 'gone', { isActive: false });
    expect(await ctx.s.auth.adminLogin(profile(), 'gone', 'correct horse')).toEqual({
      ok: false,
      reason: 'wrong_credentials',
    });
  });

  it('locks after three failures and refuses the right password while locked', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    for (let i = 0; i < 3; i++) await ctx.s.auth.adminLogin(p, 'boss', `guess ${i}`);
    expect(await ctx.s.auth.adminLogin(p, 'boss', 'correct horse')).toMatchObject({
      ok: false,
      reason: 'locked',
    });
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toBeNull();
  });

  it('limits guesses at one admin username from many Telegram accounts, without locking other admins', async () => {
    await makeStaff(ctx, 'boss');
    await makeStaff(ctx, 'other');
    for (let i = 0; i < 3; i++) await ctx.s.auth.adminLogin(profile(), 'Boss', `guess ${i}`);
    expect(await ctx.s.auth.adminLogin(profile(), 'boss', 'correct horse')).toMatchObject({
      ok: false,
      reason: 'locked',
    });
    expect(await ctx.s.auth.adminLogin(profile(), 'other', 'correct horse')).toMatchObject({ ok: true });
  });

  it('loses admin access when the staff account leaves the group, and regains it on a new login after re-adding', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    await ctx.s.auth.adminLogin(p, 'boss', 'correct horse');
    await sql(ctx, `DELETE FROM user_groups WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [
      'boss',
    ]);
    expect((await ctx.s.users.access(p.telegramId)).kind).toBe('admin_revoked');
    expect((await ctx.s.auth.adminLogin(p, 'boss', 'correct horse')).ok).toBe(false);
    await ctx.s.staff.addToGroup('boss', TELEGRAM_ADMINS_GROUP);
    expect((await ctx.s.users.access(p.telegramId)).kind).toBe('ok');
  });

  it('keeps a ban when a banned user logs in as admin', async () => {
    await makeStaff(ctx, 'boss');
    const p = profile();
    const seller = await makeSeller(ctx, [], p);
    await ctx.s.users.setBanned([seller.id], true);
    const result = await ctx.s.auth.adminLogin(p, 'boss', 'correct horse');
    expect(result).toMatchObject({ ok: true, user: { id: seller.id, role: 'admin', isBanned: true } });
    expect((await ctx.s.users.access(p.telegramId)).kind).toBe('banned');
  });
});

describe('add shop', () => {
  it('links a shop by key and says when it was already linked', async () => {
    const { shop, apiKey } = await makeShop(ctx);
    const seller = await makeSeller(ctx);
    expect(await ctx.s.auth.addShop(seller, apiKey)).toMatchObject({
      ok: true,
      already: false,
      shop: { id: shop.id },
    });
    expect(await ctx.s.auth.addShop(seller, apiKey)).toMatchObject({ ok: true, already: true });
    expect(await sql(ctx, `SELECT source FROM shop_links`)).toEqual([{ source: 'add' }]);
  });

  it('works with a bare { id, role } viewer too', async () => {
    const { apiKey } = await makeShop(ctx);
    const seller = await makeSeller(ctx);
    expect((await ctx.s.auth.addShop({ id: seller.id, role: 'seller' }, apiKey)).ok).toBe(true);
    expect(await ctx.s.auth.addShop({ id: seller.id, role: 'seller' }, 'wrong-key')).toEqual({
      ok: false,
      reason: 'wrong_key',
    });
    expect(await failures(seller.telegramId)).toBe(1);
  });

  it('counts wrong keys toward the same lock as logins', async () => {
    const { apiKey } = await makeShop(ctx);
    const p = profile();
    const seller = await makeSeller(ctx, [], p);
    await ctx.s.auth.sellerLogin(p, 'guess-1');
    await ctx.s.auth.addShop(seller, 'guess-2');
    await ctx.s.auth.adminLogin(p, 'nobody', 'guess-3');
    const locked = await ctx.s.auth.addShop(seller, apiKey);
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    expect(!locked.ok && locked.reason === 'locked' && locked.retryAfterSeconds).toBeGreaterThan(0);
    expect(await linkedShopIds(ctx, seller.id)).toEqual([]);
  });
});

describe('panel login (authenticateStaff)', () => {
  it('accepts an active staff user with the right password and records the login', async () => {
    const staff = await makeStaff(ctx, 'clerk', { isStaff: true, telegramAdmin: false });
    const user = await ctx.s.auth.authenticateStaff('clerk', 'correct horse');
    expect(user).toMatchObject({ id: staff.id, username: 'clerk', isStaff: true });
    expect(user).not.toHaveProperty('passwordHash');
    expect(user!.lastLogin).toBeInstanceOf(Date);
  });

  it('refuses a wrong password, an unknown user, a non-staff user and an inactive one', async () => {
    await makeStaff(ctx, 'clerk', { isStaff: true });
    await makeStaff(ctx, 'plain', { isStaff: false });
    await makeStaff(ctx, 'gone', { isStaff: true, isActive: false });
    expect(await ctx.s.auth.authenticateStaff('clerk', 'wrong horse')).toBeNull();
    expect(await ctx.s.auth.authenticateStaff('nobody', 'correct horse')).toBeNull();
    expect(await ctx.s.auth.authenticateStaff('', '')).toBeNull();
    expect(await ctx.s.auth.authenticateStaff('plain', 'correct horse')).toBeNull();
    expect(await ctx.s.auth.authenticateStaff('gone', 'correct horse')).toBeNull();
    const rows = await sql(ctx, `SELECT count(*) AS n FROM users WHERE last_login IS NOT NULL`);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
