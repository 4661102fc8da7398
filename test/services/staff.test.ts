import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TELEGRAM_ADMINS_GROUP, User } from '../../src/db/entities/index.js';
import { DomainError } from '../../src/services/index.js';
import { verifyPassword } from '../../src/services/secrets.js';
import { openCtx, reset, type Ctx } from './fixtures.js';
import { sqlOne } from '../support/sql.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx();
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const hashOf = async (username: string) =>
  (
    await sqlOne<{ password_hash: string }>(ctx, `SELECT password_hash FROM users WHERE username = $1`, [
      username,
    ])
  ).password_hash;

describe('StaffService', () => {
  it('creates a user with a bcrypt hash it never returns', async () => {
    const user = await ctx.s.staff.createUser({
      username: 'anna.k+ops@x_1-2',
      email: 'anna@example.com',
      password: 'long enough',
      isStaff: true,
    });
    expect(user).toBeInstanceOf(User);
    expect(user).toMatchObject({
      username: 'anna.k+ops@x_1-2',
      email: 'anna@example.com',
      isStaff: true,
      isSuperuser: false,
      isActive: true,
      lastLogin: null,
    });
    expect(user).not.toHaveProperty('passwordHash');
    const hash = await hashOf(user.username);
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(await verifyPassword('long enough', hash)).toBe(true);
    expect((await ctx.s.staff.findByUsername(user.username))?.id).toBe(user.id);
    expect(await ctx.s.staff.findByUsername('ANNA.K+OPS@X_1-2')).toBeNull();
  });

  it('accepts letters beyond latin, as Django does', async () => {
    expect((await ctx.s.staff.createUser({ username: 'Пётр', password: '12345678' })).username).toBe('Пётр');
  });

  it('refuses a taken username with a conflict', async () => {
    await ctx.s.staff.createUser({ username: 'anna', password: 'long enough' });
    await expect(ctx.s.staff.createUser({ username: 'anna', password: 'other password' })).rejects.toEqual(
      new DomainError('conflict', 'The username "anna" is taken.'),
    );
  });

  it('validates username, password and email', async () => {
    const bad = [
      { username: '', password: 'long enough' },
      { username: 'a'.repeat(151), password: 'long enough' },
      { username: 'with space', password: 'long enough' },
      { username: 'bang!', password: 'long enough' },
      { username: 'ok', password: 'short' },
      { username: 'ok', password: 'я'.repeat(37) }, // 74 bytes: bcrypt would cut it
      { username: 'ok', password: 'long enough', email: 'not-an-email' },
    ];
    for (const input of bad) {
      await expect(ctx.s.staff.createUser(input)).rejects.toMatchObject({ code: 'invalid' });
    }
    expect(
      (await ctx.s.staff.createUser({ username: 'a'.repeat(150), password: '12345678' })).username,
    ).toHaveLength(150);
  });

  it('sets a new password', async () => {
    await ctx.s.staff.createUser({ username: 'anna', password: 'first password' });
    await ctx.s.staff.setPassword('anna', 'second password');
    expect(await verifyPassword('second password', await hashOf('anna'))).toBe(true);
    expect(await verifyPassword('first password', await hashOf('anna'))).toBe(false);
    await expect(ctx.s.staff.setPassword('nobody', 'whatever1')).rejects.toMatchObject({ code: 'not_found' });
    await expect(ctx.s.staff.setPassword('anna', 'short')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('adds to groups that exist', async () => {
    await ctx.s.staff.createUser({ username: 'anna', password: 'long enough' });
    expect(await ctx.s.staff.addToGroup('anna', TELEGRAM_ADMINS_GROUP)).toBe(true);
    expect(await ctx.s.staff.addToGroup('anna', TELEGRAM_ADMINS_GROUP)).toBe(false);
    await expect(ctx.s.staff.addToGroup('anna', 'no such group')).rejects.toEqual(
      new DomainError('not_found', 'There is no group "no such group".'),
    );
    await expect(ctx.s.staff.addToGroup('nobody', TELEGRAM_ADMINS_GROUP)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('ensureGroup creates a group once and returns it', async () => {
    const first = await ctx.s.staff.ensureGroup('support');
    const again = await ctx.s.staff.ensureGroup('support');
    expect(again).toEqual(first);
    expect(first.name).toBe('support');
    const seeded = await ctx.s.staff.ensureGroup(TELEGRAM_ADMINS_GROUP);
    expect(seeded.name).toBe(TELEGRAM_ADMINS_GROUP);
    await expect(ctx.s.staff.ensureGroup(' ')).rejects.toMatchObject({ code: 'invalid' });
    const both = await Promise.all([ctx.s.staff.ensureGroup('racy'), ctx.s.staff.ensureGroup('racy')]);
    expect(both[0]).toEqual(both[1]);
  });
});
