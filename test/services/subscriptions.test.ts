import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parseSubscriptionPayload, subscriptionPayload } from '../../src/services/index.js';
import { makeSeller, openCtx, profile, reset, type Ctx } from './fixtures.js';
import { sql, sqlOne } from '../support/sql.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx(); // 10000 RUB minor units, 30 days
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const DAY = 24 * 60 * 60 * 1000;
let charge = 0;
const payment = (
  payerTelegramId: number,
  extra: Partial<{ telegramChargeId: string; amount: number }> = {},
) => ({
  telegramChargeId: `tg-charge-${++charge}`,
  providerChargeId: `provider-${charge}`,
  amount: 10000,
  currency: 'RUB',
  payerTelegramId,
  payload: `sub:v1:${payerTelegramId}`,
  ...extra,
});
const near = (d: Date | null | undefined, ms: number) => {
  expect(d).toBeInstanceOf(Date);
  expect(Math.abs(d!.getTime() - ms)).toBeLessThan(10_000);
};

/** A seller whose subscription ends in `days` days (not open-ended: they have something to pay for). */
async function payingSeller(days = 3) {
  const seller = await makeSeller(ctx);
  await sql(
    ctx,
    `UPDATE telegram_users SET subscription_paid_until = date_trunc('second', now()) + make_interval(days => $2) WHERE id = $1`,
    [seller.id, days],
  );
  return seller;
}

describe('invoice and pre-checkout', () => {
  it('issues an invoice naming its payer, the time and the subscription end, at the configured price', async () => {
    const seller = await payingSeller();
    const [{ until }] = await sql<{ until: Date }>(
      ctx,
      'SELECT subscription_paid_until AS until FROM telegram_users WHERE id = $1',
      [seller.id],
    );
    const at = Date.now();
    const invoice = await ctx.s.subscriptions.invoice(seller.telegramId, at);
    expect(invoice).toEqual({
      payload: `sub:v2:${seller.telegramId}:${at}:${until.getTime()}`,
      amount: 10000,
      currency: 'RUB',
      periodDays: 30,
    });
    expect(parseSubscriptionPayload(invoice.payload)).toEqual({
      telegramId: seller.telegramId,
      issuedAt: at,
      paidUntil: until.getTime(),
    });
    const longest = subscriptionPayload({
      telegramId: 9_007_199_254_740_991,
      issuedAt: 999_999_999_999_999,
      paidUntil: 999_999_999_999_999,
    });
    expect(Buffer.byteLength(longest)).toBeLessThanOrEqual(128);
    expect(parseSubscriptionPayload(longest)?.telegramId).toBe(9_007_199_254_740_991);
    expect(parseSubscriptionPayload(`sub:v2:5:${at}:-`)).toEqual({
      telegramId: 5,
      issuedAt: at,
      paidUntil: null,
    });
    expect(parseSubscriptionPayload('sub:v1:42')).toEqual({
      telegramId: 42,
      issuedAt: null,
      paidUntil: null,
    });
    expect(parseSubscriptionPayload('Market telegram bot subscription')).toBeNull();
    expect(parseSubscriptionPayload('sub:v1:99999999999999999')).toBeNull();
  });

  it('approves the payer the invoice was issued to', async () => {
    const seller = await payingSeller();
    const { payload, amount, currency } = await ctx.s.subscriptions.invoice(seller.telegramId);
    expect(
      await ctx.s.subscriptions.checkPreCheckout({
        payload,
        amount,
        currency,
        payerTelegramId: seller.telegramId,
      }),
    ).toEqual({ ok: true });
  });

  it('lets an inactive user pay: that is how they get back in', async () => {
    const seller = await makeSeller(ctx);
    await ctx.s.users.setActive([seller.id], false);
    const { payload } = await ctx.s.subscriptions.invoice(seller.telegramId);
    const q = { payload, amount: 10000, currency: 'RUB', payerTelegramId: seller.telegramId };
    expect(await ctx.s.subscriptions.checkPreCheckout(q)).toEqual({ ok: true });
  });

  it('rejects a foreign payload, a wrong amount or currency, another payer, strangers and the banned', async () => {
    const seller = await payingSeller();
    const other = await makeSeller(ctx);
    const { payload } = await ctx.s.subscriptions.invoice(seller.telegramId);
    const ok = { payload, amount: 10000, currency: 'RUB', payerTelegramId: seller.telegramId };
    const check = (q: Partial<typeof ok>) => ctx.s.subscriptions.checkPreCheckout({ ...ok, ...q });
    expect(await check({})).toEqual({ ok: true });
    expect(await check({ payload: 'Market telegram bot subscription' })).toEqual({
      ok: false,
      reason: 'bad_payload',
    });
    expect(await check({ payload: `sub:v2:${seller.telegramId}` })).toEqual({
      ok: false,
      reason: 'bad_payload',
    });
    expect(await check({ amount: 9999 })).toEqual({ ok: false, reason: 'wrong_amount' });
    expect(await check({ currency: 'USD' })).toEqual({ ok: false, reason: 'wrong_currency' });
    // A forwarded invoice: someone else tries to pay it.
    expect(await check({ payerTelegramId: other.telegramId })).toEqual({ ok: false, reason: 'wrong_payer' });
    const stranger = profile().telegramId;
    expect(await check({ payload: `sub:v2:${stranger}:${Date.now()}:-`, payerTelegramId: stranger })).toEqual(
      { ok: false, reason: 'unregistered' },
    );
    await ctx.s.users.setBanned([seller.id], true);
    expect(await check({})).toEqual({ ok: false, reason: 'banned' });
  });

  it('refuses an invoice that no longer applies: open-ended now, too old, the end changed, or no issue time', async () => {
    const seller = await payingSeller();
    const issuedAt = Date.now();
    const { payload } = await ctx.s.subscriptions.invoice(seller.telegramId, issuedAt);
    const q = { payload, amount: 10000, currency: 'RUB', payerTelegramId: seller.telegramId };
    const check = (at: number, p = payload) => ctx.s.subscriptions.checkPreCheckout({ ...q, payload: p }, at);
    expect(await check(issuedAt + 24 * 3_600_000)).toEqual({ ok: true });
    expect(await check(issuedAt + 24 * 3_600_000 + 1)).toEqual({ ok: false, reason: 'outdated' });
    expect(await check(issuedAt, `sub:v1:${seller.telegramId}`)).toEqual({ ok: false, reason: 'outdated' });
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = subscription_paid_until + interval '1 day' WHERE id = $1`,
      [seller.id],
    );
    expect(await check(issuedAt)).toEqual({ ok: false, reason: 'outdated' });
    await sql(ctx, 'UPDATE telegram_users SET subscription_paid_until = NULL WHERE id = $1', [seller.id]);
    expect(await check(issuedAt)).toEqual({ ok: false, reason: 'open_ended' });
  });
});

describe('recordPayment', () => {
  it('extends a user without a date by one period from now and switches them on', async () => {
    const seller = await makeSeller(ctx);
    await ctx.s.users.setActive([seller.id], false);
    const result = await ctx.s.subscriptions.recordPayment(payment(seller.telegramId));
    expect(result.recorded).toBe(true);
    near(result.paidUntil, Date.now() + 30 * DAY);
    expect(result.user).toMatchObject({ id: seller.id, isActive: true });
    expect(result.user!.subscriptionPaidUntil).toEqual(result.paidUntil);
    expect((await ctx.s.users.access(seller.telegramId)).kind).toBe('ok');
    const rows = await sql(
      ctx,
      `SELECT telegram_user_id, payer_telegram_id, amount, currency, paid_until FROM payments`,
    );
    expect(rows).toEqual([
      {
        telegram_user_id: seller.id,
        payer_telegram_id: seller.telegramId,
        amount: 10000,
        currency: 'RUB',
        paid_until: result.paidUntil,
      },
    ]);
  });

  it('adds to a period still running, and restarts from now after one has ended', async () => {
    const a = await makeSeller(ctx);
    const b = await makeSeller(ctx);
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = now() + interval '10 days' WHERE id = $1`,
      [a.id],
    );
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = now() - interval '10 days' WHERE id = $1`,
      [b.id],
    );
    near((await ctx.s.subscriptions.recordPayment(payment(a.telegramId))).paidUntil, Date.now() + 40 * DAY);
    near((await ctx.s.subscriptions.recordPayment(payment(b.telegramId))).paidUntil, Date.now() + 30 * DAY);
    near((await ctx.s.subscriptions.recordPayment(payment(b.telegramId))).paidUntil, Date.now() + 60 * DAY);
  });

  it('records a payment delivered twice only once, and extends only once', async () => {
    const seller = await makeSeller(ctx);
    const p = payment(seller.telegramId);
    const first = await ctx.s.subscriptions.recordPayment(p);
    const second = await ctx.s.subscriptions.recordPayment(p);
    expect(second).toMatchObject({ recorded: false, user: { id: seller.id } });
    expect(second.paidUntil).toEqual(first.paidUntil);
    expect(await sqlOne(ctx, `SELECT count(*) AS n FROM payments`)).toEqual({ n: 1 });
  });

  it('records concurrent deliveries of one payment once, and extends once', async () => {
    const seller = await makeSeller(ctx);
    const p = payment(seller.telegramId);
    const results = await Promise.all(Array.from({ length: 6 }, () => ctx.s.subscriptions.recordPayment(p)));
    expect(results.filter((r) => r.recorded)).toHaveLength(1);
    const until = results.find((r) => r.recorded)!.paidUntil;
    near(until, Date.now() + 30 * DAY);
    for (const r of results) expect(r.paidUntil).toEqual(until);
    expect(await sqlOne(ctx, `SELECT count(*) AS n FROM payments`)).toEqual({ n: 1 });
    expect((await ctx.s.subscriptions.status(seller.telegramId)).paidUntil).toEqual(until);
  });

  it('keeps the money of a payer without a row: recorded, no user', async () => {
    const stranger = profile().telegramId;
    const result = await ctx.s.subscriptions.recordPayment(payment(stranger));
    expect(result).toEqual({ recorded: true, paidUntil: null, user: null });
    expect(await sql(ctx, `SELECT payer_telegram_id, telegram_user_id, paid_until FROM payments`)).toEqual([
      { payer_telegram_id: stranger, telegram_user_id: null, paid_until: null },
    ]);
  });
});

describe('status', () => {
  it('tells active, inactive, expired and unregistered apart', async () => {
    const seller = await makeSeller(ctx);
    expect(await ctx.s.subscriptions.status(seller.telegramId)).toEqual({ active: true, paidUntil: null });
    await sql(
      ctx,
      `UPDATE telegram_users SET subscription_paid_until = now() - interval '1 second' WHERE id = $1`,
      [seller.id],
    );
    const expired = await ctx.s.subscriptions.status(seller.telegramId);
    expect(expired.active).toBe(false);
    expect(expired.paidUntil).toBeInstanceOf(Date);
    await ctx.s.users.setActive([seller.id], false);
    expect((await ctx.s.subscriptions.status(seller.telegramId)).active).toBe(false);
    await ctx.s.subscriptions.recordPayment(payment(seller.telegramId));
    expect((await ctx.s.subscriptions.status(seller.telegramId)).active).toBe(true);
    expect(await ctx.s.subscriptions.status(profile().telegramId)).toEqual({
      active: false,
      paidUntil: null,
    });
  });
});
