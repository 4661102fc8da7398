import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TelegramUser } from '../../src/db/entities/index.js';
import { UserService } from '../../src/services/index.js';
import {
  linkedShopIds,
  makeAdmin,
  makeSeller,
  makeShop,
  openCtx,
  profile,
  reset,
  type Ctx,
} from './fixtures.js';
import { sql } from '../support/sql.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx();
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

describe('access: what a user may do now', () => {
  it('is unregistered for someone who never logged in', async () => {
    expect(await ctx.s.users.access(profile().telegramId)).toEqual({ kind: 'unregistered' });
  });

  it('is ok for a fresh seller, and carries the user row', async () => {
    const seller = await makeSeller(ctx);
    const access = await ctx.s.users.access(seller.telegramId);
    expect(access.kind).toBe('ok');
    expect(access.kind !== 'unregistered' && access.user.id).toBe(seller.id);
  });

  it('says banned before anything else, even for an inactive, logged-out seller', async () => {
    const seller = await makeSeller(ctx);
    await sql(
      ctx,
      `UPDATE telegram_users SET is_banned = true, is_active = false, is_logged_out = true WHERE id = $1`,
      [seller.id],
    );
    expect((await ctx.s.users.access(seller.telegramId)).kind).toBe('banned');
  });

  it('says inactive when the flag is off, before logged out', async () => {
    const seller = await makeSeller(ctx);
    await sql(ctx, `UPDATE telegram_users SET is_active = false, is_logged_out = true WHERE id = $1`, [
      seller.id,
    ]);
    expect((await ctx.s.users.access(seller.telegramId)).kind).toBe('inactive');
  });

  it('says inactive when the paid period has ended, though the flag is on', async () => {
    const seller = await makeSeller(ctx);
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = now() - interval '1 minute' WHERE id = $1`,
      [seller.id],
    );
    expect((await ctx.s.users.access(seller.telegramId)).kind).toBe('inactive');
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = now() + interval '1 day' WHERE id = $1`,
      [seller.id],
    );
    expect((await ctx.s.users.access(seller.telegramId)).kind).toBe('ok');
  });

  it('says logged_out after /sign_out', async () => {
    const seller = await makeSeller(ctx);
    expect(await ctx.s.users.signOut(seller.telegramId)).toBe(true);
    expect((await ctx.s.users.access(seller.telegramId)).kind).toBe('logged_out');
  });

  it('is ok for an admin whose staff account is active and in telegram_admins', async () => {
    const { user } = await makeAdmin(ctx);
    expect((await ctx.s.users.access(user.telegramId)).kind).toBe('ok');
  });

  it('revokes an admin removed from telegram_admins', async () => {
    const { user } = await makeAdmin(ctx, 'boss');
    await sql(ctx, `DELETE FROM user_groups WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [
      'boss',
    ]);
    expect((await ctx.s.users.access(user.telegramId)).kind).toBe('admin_revoked');
  });

  it('revokes an admin whose staff account was deactivated', async () => {
    const { user, staff } = await makeAdmin(ctx);
    await sql(ctx, `UPDATE users SET is_active = false WHERE id = $1`, [staff.id]);
    expect((await ctx.s.users.access(user.telegramId)).kind).toBe('admin_revoked');
  });

  it('revokes an admin whose staff account was deleted', async () => {
    const { user, staff } = await makeAdmin(ctx);
    await sql(ctx, `DELETE FROM users WHERE id = $1`, [staff.id]);
    const access = await ctx.s.users.access(user.telegramId);
    expect(access.kind).toBe('admin_revoked');
    expect(access.kind !== 'unregistered' && access.user.staffUserId).toBeNull();
  });

  it('still reports a revoked admin as banned first', async () => {
    const { user, staff } = await makeAdmin(ctx);
    await sql(ctx, `UPDATE users SET is_active = false WHERE id = $1`, [staff.id]);
    await ctx.s.users.setBanned([user.id], true);
    expect((await ctx.s.users.access(user.telegramId)).kind).toBe('banned');
  });
});

describe('upsertFromLogin', () => {
  it('creates a row with the Telegram profile; ids past 2^32 come back as exact numbers', async () => {
    const p = profile({
      telegramId: 9_007_199_254_740_000,
      chatId: 9_007_199_254_740_000,
      languageCode: 'ru',
    });
    const user = await ctx.s.users.upsertFromLogin(undefined, p, 'seller', null);
    expect(user).toBeInstanceOf(TelegramUser);
    expect(user).toMatchObject({
      telegramId: p.telegramId,
      chatId: p.chatId,
      firstName: 'Ivan',
      lastName: 'Petrov',
      username: 'ivan',
      languageCode: 'ru',
      role: 'seller',
      isBanned: false,
      isActive: true,
      subscriptionPaidUntil: null,
      isLoggedOut: false,
      isReachable: true,
      staffUserId: null,
    });
    expect(typeof user.telegramId).toBe('number');
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toEqual(user);
  });

  it('stores missing last name and username as empty strings', async () => {
    const user = await ctx.s.users.upsertFromLogin(
      undefined,
      { telegramId: 7_100_000_001, chatId: 7_100_000_001, firstName: 'Solo' },
      'seller',
      null,
    );
    expect(user).toMatchObject({ lastName: '', username: '', languageCode: null });
  });

  it('starts new users inactive when NEW_USERS_ACTIVE is off', async () => {
    const users = new UserService(ctx.db.dataSource, { newUsersActive: false });
    const user = await users.upsertFromLogin(undefined, profile(), 'seller', null);
    expect(user.isActive).toBe(false);
    expect((await users.access(user.telegramId)).kind).toBe('inactive');
  });

  it('keeps ban, subscription and links on a later login, and refreshes names, role and flags', async () => {
    const { shop } = await makeShop(ctx);
    const p = profile();
    const first = await makeSeller(ctx, [shop], p);
    await sql(
      ctx,
      `UPDATE telegram_users SET is_banned = true, is_active = false, is_logged_out = true, is_reachable = false,
              subscription_paid_until = '2030-01-01T00:00:00Z' WHERE id = $1`,
      [first.id],
    );
    const again = await ctx.s.users.upsertFromLogin(
      undefined,
      { ...p, firstName: 'Ivan II', username: 'ivan2', chatId: p.chatId },
      'seller',
      null,
    );
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({
      firstName: 'Ivan II',
      username: 'ivan2',
      isBanned: true,
      isActive: false,
      isLoggedOut: false,
      isReachable: true,
    });
    expect(again.subscriptionPaidUntil?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(await linkedShopIds(ctx, first.id)).toEqual([shop.id]);
  });

  it('switches an admin to seller (dropping the staff account) and back', async () => {
    const { user, staff } = await makeAdmin(ctx);
    const p = profile({ telegramId: user.telegramId });
    const asSeller = await ctx.s.users.upsertFromLogin(undefined, p, 'seller', null);
    expect(asSeller).toMatchObject({ id: user.id, role: 'seller', staffUserId: null });
    const asAdmin = await ctx.s.users.upsertFromLogin(undefined, p, 'admin', staff.id);
    expect(asAdmin).toMatchObject({ id: user.id, role: 'admin', staffUserId: staff.id });
  });

  it('runs inside a caller transaction and rolls back with it', async () => {
    const p = profile();
    await expect(
      ctx.db.dataSource.transaction(async (em) => {
        await ctx.s.users.upsertFromLogin(em, p, 'seller', null);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toBeNull();
  });

  it('cuts over-long profile strings instead of failing the login', async () => {
    const user = await ctx.s.users.upsertFromLogin(
      undefined,
      profile({ firstName: 'x'.repeat(400), languageCode: 'y'.repeat(40) }),
      'seller',
      null,
    );
    expect(user.firstName).toHaveLength(255);
    expect(user.languageCode).toHaveLength(16);
  });
});

describe('sign out, reachability and profile refresh', () => {
  it('signOut is false for an unregistered user', async () => {
    expect(await ctx.s.users.signOut(profile().telegramId)).toBe(false);
  });

  it('setReachable reports only real changes', async () => {
    const seller = await makeSeller(ctx);
    expect(await ctx.s.users.setReachable(seller.telegramId, false)).toBe(true);
    expect(await ctx.s.users.setReachable(seller.telegramId, false)).toBe(false);
    expect((await ctx.s.users.findByTelegramId(seller.telegramId))?.isReachable).toBe(false);
    expect(await ctx.s.users.setReachable(seller.telegramId, true)).toBe(true);
    expect(await ctx.s.users.setReachable(profile().telegramId, true)).toBe(false);
  });

  it('updateProfile refreshes names of a registered user, writes nothing when unchanged, ignores strangers', async () => {
    const p = profile({ languageCode: 'ru' });
    const seller = await makeSeller(ctx, [], p);
    expect(await ctx.s.users.updateProfile(p)).toBe(false);
    expect(
      await ctx.s.users.updateProfile({ ...p, firstName: 'Пётр', username: 'petr', languageCode: 'en' }),
    ).toBe(true);
    expect(await ctx.s.users.findByTelegramId(p.telegramId)).toMatchObject({
      id: seller.id,
      firstName: 'Пётр',
      username: 'petr',
      languageCode: 'en',
      role: 'seller',
    });
    expect(await ctx.s.users.updateProfile(profile())).toBe(false);
    expect(await ctx.s.users.findByTelegramId(profile().telegramId)).toBeNull();
  });

  it('updateProfile marks a user who blocked the bot reachable again: they just wrote', async () => {
    const p = profile();
    await makeSeller(ctx, [], p);
    await ctx.s.users.setReachable(p.telegramId, false);
    expect(await ctx.s.users.updateProfile(p)).toBe(true);
    expect((await ctx.s.users.findByTelegramId(p.telegramId))?.isReachable).toBe(true);
  });
});

describe('staff side: ban and activate', () => {
  it('bans only users not yet banned, and queues one notice per real change', async () => {
    const a = await makeSeller(ctx);
    const b = await makeSeller(ctx);
    expect(await ctx.s.users.setBanned([a.id], true)).toBe(1);
    expect(await ctx.s.users.setBanned([a.id, b.id, a.id], true)).toBe(1);
    expect(await ctx.s.users.setBanned([a.id, b.id], true)).toBe(0);
    expect(await ctx.s.users.setBanned([a.id], false)).toBe(1);
    expect(await ctx.s.users.setBanned([], true)).toBe(0);
    const notices = await sql(ctx, `SELECT telegram_user_id, chat_id, kind FROM notifications ORDER BY id`);
    expect(notices).toEqual([
      { telegram_user_id: a.id, chat_id: a.chatId, kind: 'ban' },
      { telegram_user_id: b.id, chat_id: b.chatId, kind: 'ban' },
      { telegram_user_id: a.id, chat_id: a.chatId, kind: 'unban' },
    ]);
    expect((await ctx.s.users.access(b.telegramId)).kind).toBe('banned');
    expect((await ctx.s.users.access(a.telegramId)).kind).toBe('ok');
  });

  it('deactivates and activates, counting only real changes', async () => {
    const a = await makeSeller(ctx);
    const b = await makeSeller(ctx);
    expect(await ctx.s.users.setActive([a.id, b.id], false)).toBe(2);
    expect(await ctx.s.users.setActive([a.id, b.id], false)).toBe(0);
    expect((await ctx.s.users.access(a.telegramId)).kind).toBe('inactive');
    expect(await ctx.s.users.setActive([a.id], true)).toBe(1);
    expect((await ctx.s.users.access(a.telegramId)).kind).toBe('ok');
    expect(await ctx.s.users.setActive([a.id], true)).toBe(0);
  });

  it('activating a user whose paid period ended grants access again (clears the date)', async () => {
    const a = await makeSeller(ctx);
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = now() - interval '1 day' WHERE id = $1`,
      [a.id],
    );
    expect(await ctx.s.users.setActive([a.id], true)).toBe(1);
    const user = await ctx.s.users.findByTelegramId(a.telegramId);
    expect(user).toMatchObject({ isActive: true, subscriptionPaidUntil: null });
    expect((await ctx.s.users.access(a.telegramId)).kind).toBe('ok');
  });

  it('keeps a paid-until date still in the future when activating, and any date when deactivating', async () => {
    const a = await makeSeller(ctx);
    await sql(
      ctx,
      `UPDATE telegram_users SET is_active = false, subscription_paid_until = '2099-01-01T00:00:00Z' WHERE id = $1`,
      [a.id],
    );
    expect(await ctx.s.users.setActive([a.id], true)).toBe(1);
    expect((await ctx.s.users.findByTelegramId(a.telegramId))?.subscriptionPaidUntil?.toISOString()).toBe(
      '2099-01-01T00:00:00.000Z',
    );
    expect(await ctx.s.users.setActive([a.id], false)).toBe(1);
    expect((await ctx.s.users.findByTelegramId(a.telegramId))?.subscriptionPaidUntil?.toISOString()).toBe(
      '2099-01-01T00:00:00.000Z',
    );
  });

  it('rejects ids that are not integers', async () => {
    await expect(ctx.s.users.setBanned([1.5], true)).rejects.toMatchObject({ code: 'invalid' });
  });
});
