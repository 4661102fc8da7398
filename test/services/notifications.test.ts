import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { sql, sqlOne } from '../support/sql.js';
import { makeSeller, openCtx, profile, reset, type Ctx } from './fixtures.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx();
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

type Row = { status: string; attempts: number; last_error: string | null; due_in: number };
const rowOf = (id: number) =>
  sqlOne<Row>(
    ctx,
    `SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float AS due_in
       FROM notifications WHERE id = $1`,
    [id],
  );

/** A seller banned (the trigger queues the notice), in this language. */
async function banned(languageCode = 'en') {
  const user = await makeSeller(ctx, [], profile({ languageCode }));
  await sql(ctx, `UPDATE telegram_users SET is_banned = true WHERE id = $1`, [user.id]);
  return user;
}

describe('the notice outbox', () => {
  it('leases what is due, oldest first, with the chat and the language; a leased notice waits two minutes', async () => {
    const a = await banned('ru');
    const b = await banned('en');
    const leased = await ctx.s.notifications.lease();
    expect(leased.map((n) => [n.chatId, n.kind, n.attempts, n.languageCode])).toEqual([
      [a.chatId, 'ban', 1, 'ru'],
      [b.chatId, 'ban', 1, 'en'],
    ]);
    expect((await rowOf(leased[0].id)).due_in).toBeGreaterThan(100);
    expect(await ctx.s.notifications.lease()).toEqual([]);
  });

  it('two senders at once never get the same notice', async () => {
    for (let i = 0; i < 6; i++) await banned();
    const [x, y] = await Promise.all([ctx.s.notifications.lease(3), ctx.s.notifications.lease(3)]);
    const ids = [...x, ...y].map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(6);
  });

  it('settles a notice: sent, retried later, or given up; a blocked chat is marked unreachable', async () => {
    const user = await banned();
    await sql(ctx, `UPDATE telegram_users SET is_banned = false WHERE id = $1`, [user.id]);
    await sql(ctx, `UPDATE telegram_users SET is_banned = true WHERE id = $1`, [user.id]);
    const [sent, retried, failed] = await ctx.s.notifications.lease();
    await ctx.s.notifications.markSent(sent.id);
    await ctx.s.notifications.retryLater(retried.id, 40, 'Internal Server Error');
    await ctx.s.notifications.giveUp(failed.id, 'Forbidden: bot was blocked by the user');
    await ctx.s.notifications.markChatUnreachable(user.chatId);
    expect(await rowOf(sent.id)).toMatchObject({ status: 'sent', last_error: null });
    const later = await rowOf(retried.id);
    expect(later).toMatchObject({ status: 'pending', last_error: 'Internal Server Error' });
    expect(later.due_in).toBeGreaterThan(30);
    expect(later.due_in).toBeLessThanOrEqual(40);
    expect(await rowOf(failed.id)).toMatchObject({ status: 'failed' });
    expect(await sql(ctx, `SELECT is_reachable FROM telegram_users WHERE id = $1`, [user.id])).toEqual([
      { is_reachable: false },
    ]);
  });
});
