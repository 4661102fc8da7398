import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BotUser } from '../support/texts.js';
import {
  newUser,
  seedSeller,
  seedShop,
  sql,
  startHarness,
  unansweredOrTwice,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

const DAY = 86_400_000;
const ruDate = (d: Date) =>
  d.toLocaleDateString('ru-RU', { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' });

/**
 * F25 subscription status; F26 payment with Telegram Payments (price and currency from config).
 * The ids are those of docs/original-behaviour.md.
 */
describe('subscription and payments', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await startHarness({
      SUBSCRIPTION_PRICE: '25000',
      SUBSCRIPTION_CURRENCY: 'RUB',
      SUBSCRIPTION_PERIOD_DAYS: '30',
      INVOICE_MAX_AGE_HOURS: '6',
    });
    key = (await seedShop(h.services, 'Платная лавка')).apiKey;
  });
  afterAll(async () => {
    await h.close();
  });

  /** A seller whose subscription runs until `paidUntil` (or is switched off). */
  async function subscriber(opts: { paidUntil?: Date; active?: boolean; username?: string } = {}) {
    const u = newUser(h, { username: opts.username ?? 'payer' });
    const row = await seedSeller(h, u, key);
    if (opts.paidUntil) {
      await sql(h, `UPDATE telegram_users SET subscription_paid_until = $2 WHERE id = $1`, [
        row.id,
        opts.paidUntil,
      ]);
    }
    if (opts.active === false) await h.services.users.setActive([row.id], false);
    return u;
  }

  async function openSubscription(u: BotUser) {
    u.send('/menu');
    await u.waitForMessage('Главное меню');
    const q = u.pressKey((t) => t.btnSubscription);
    const m = await u.waitForMessage('Подписка пользователя');
    expect((await u.answerOf(q.queryId)).text).toBe('Подписка');
    return m;
  }

  async function invoiceFor(u: BotUser) {
    const q = u.pressKey((t) => t.btnPay);
    const inv = await u.waitForMessage((m) => m.invoice !== undefined);
    expect(await unansweredOrTwice(h, [q])).toEqual([]);
    return inv;
  }

  const payments = (telegramId: number) =>
    sql<{ telegram_charge_id: string; amount: number; currency: string }>(
      h,
      `SELECT telegram_charge_id, amount, currency FROM payments WHERE payer_telegram_id = $1`,
      [telegramId],
    );

  describe('F25 status (bug 14: readable, not True/False/None)', () => {
    it('an open-ended subscription reads "active" and needs no payment', async () => {
      const u = await subscriber({ username: 'anna' });
      const m = await openSubscription(u);
      expect(m.text).toBe('Подписка пользователя @anna: активна');
      expect(m.buttons).toEqual([['⟵']]);
      expect(m.text).not.toMatch(/True|False|None/);
    });

    it('a paid subscription shows its paid-until date and offers to pay ahead', async () => {
      const until = new Date(Date.now() + 10 * DAY);
      const u = await subscriber({ paidUntil: until, username: 'boris' });
      const m = await openSubscription(u);
      expect(m.text).toBe(`Подписка пользователя @boris: активна до ${ruDate(until)}`);
      expect(m.buttons).toEqual([['💸 Оплатить подписку 💸'], ['⟵']]);
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage('Главное меню');
    });

    it('an inactive user reads "not active"', async () => {
      const u = await subscriber({ active: false, username: 'vera' });
      u.send('/start');
      await u.waitForMessage('Ваш аккаунт не активен');
      u.pressKey((t) => t.btnSubscription);
      const m = await u.waitForMessage('Подписка пользователя');
      expect(m.text).toBe('Подписка пользователя @vera: не активна');
    });
  });

  describe('F26 payment', () => {
    it('sends an invoice with the price, currency and provider token from config', async () => {
      const u = await subscriber({ paidUntil: new Date(Date.now() + DAY) });
      await openSubscription(u);
      const inv = await invoiceFor(u);
      expect(inv.invoice).toMatchObject({ title: 'Плата за подписку', currency: 'RUB', total_amount: 25000 });
      expect(inv.invoice!.description).toContain('30 дн.');
      const call = h.emulator.callsOf('sendInvoice').at(-1)!;
      expect(call.params.provider_token).toBe('284685063:TEST:provider');
    });

    it('pre-checkout refuses a wrong payload, amount, currency or payer, and nothing is recorded', async () => {
      const until = new Date(Date.now() + 3 * DAY);
      const u = await subscriber({ paidUntil: until });
      await openSubscription(u);
      await invoiceFor(u);
      for (const opts of [
        { payload: 'Market telegram bot subscription' },
        { totalAmount: 10000 },
        { currency: 'USD' },
      ]) {
        const r = await u.pay(undefined, opts);
        expect(r).toMatchObject({
          ok: false,
          errorMessage: 'Что-то пошло не так... Платёж не принят, деньги не списаны.',
        });
      }
      // Someone else paying this user's invoice (a forwarded invoice).
      const other = await subscriber({ paidUntil: until });
      await openSubscription(other);
      await invoiceFor(other);
      const forwarded = await other.pay(undefined, { payload: `sub:v1:${u.id}` });
      expect(forwarded.ok).toBe(false);
      expect(await payments(u.id)).toEqual([]);
      expect(await payments(other.id)).toEqual([]);
      expect((await userRow(h, u.id))?.subscriptionPaidUntil?.getTime()).toBe(until.getTime());
    });

    it('a successful payment extends paid-until by the period, is recorded once and says so', async () => {
      const until = new Date(Date.now() + 5 * DAY);
      const u = await subscriber({ paidUntil: until });
      await openSubscription(u);
      await invoiceFor(u);
      const paid = await u.pay();
      expect(paid.ok).toBe(true);
      const done = await u.waitForMessage('Вы успешно оплатили подписку');
      const row = await userRow(h, u.id);
      const expected = until.getTime() + 30 * DAY;
      expect(Math.abs(row!.subscriptionPaidUntil!.getTime() - expected)).toBeLessThan(60_000);
      expect(done.text).toBe(
        `Вы успешно оплатили подписку 🎉. Она активна до ${ruDate(row!.subscriptionPaidUntil!)}.`,
      );
      await u.waitForMessage('Главное меню');
      expect(await payments(u.id)).toEqual([
        { telegram_charge_id: paid.chargeId, amount: 25000, currency: 'RUB' },
      ]);

      // The same successful_payment delivered again: nothing changes and nothing is said.
      await h.emulator.settle();
      const messagesBefore = u.chat().length;
      // (The emulator plays the pre-checkout again; the first invoice is spent now, so it carries a
      // payload for the subscription as it is, which pre-checkout accepts.)
      const { payload } = await h.services.subscriptions.invoice(u.id, h.clock.now());
      const again = await u.pay(undefined, { chargeId: paid.chargeId, payload });
      expect(again.ok).toBe(true);
      await h.emulator.settle();
      expect(u.chat()).toHaveLength(messagesBefore);
      expect(await payments(u.id)).toHaveLength(1);
      expect((await userRow(h, u.id))?.subscriptionPaidUntil?.getTime()).toBe(
        row!.subscriptionPaidUntil!.getTime(),
      );
    });

    it('an inactive user can pay and then use the bot', async () => {
      const u = await subscriber({ active: false });
      u.send('/menu');
      const notice = await u.waitForMessage('Ваш аккаунт не активен');
      expect(notice.buttons).toEqual([['❔ Помощь ❔', '⚡️ Подписка ⚡️']]);
      u.pressKey((t) => t.btnSubscription);
      await u.waitForMessage('не активна');
      const inv = await invoiceFor(u);
      expect(inv.invoice?.total_amount).toBe(25000);
      const paid = await u.pay();
      expect(paid.ok).toBe(true);
      await u.waitForMessage('Вы успешно оплатили подписку');
      const menu = await u.waitForMessage('Главное меню');
      expect(menu.buttons.flat()).toContain(u.label((t) => t.btnShopList));
      const row = await userRow(h, u.id);
      expect(row?.isActive).toBe(true);
      expect(Math.abs(row!.subscriptionPaidUntil!.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
      u.pressKey((t) => t.btnShopList);
      await u.waitForMessage('Доступные магазины');
    });
  });

  describe('an invoice is for the subscription it was issued for', () => {
    const outdated =
      'Этот счёт устарел, деньги не списаны. Откройте «Подписка» и нажмите «Оплатить подписку», чтобы получить новый.';
    const noLongerNeeded = 'Ваша подписка теперь бессрочна: оплата не нужна, деньги не списаны.';

    it('staff made the subscription open-ended after the invoice: refused, nothing charged, still open-ended', async () => {
      const u = await subscriber({ paidUntil: new Date(Date.now() + 2 * DAY) });
      await openSubscription(u);
      await invoiceFor(u);
      const row = await userRow(h, u.id);
      await sql(h, `UPDATE telegram_users SET subscription_paid_until = NULL WHERE id = $1`, [row!.id]);
      const r = await u.pay();
      expect(r).toMatchObject({ ok: false, errorMessage: noLongerNeeded });
      await h.emulator.settle();
      expect(await payments(u.id)).toEqual([]);
      expect(await userRow(h, u.id)).toMatchObject({ isActive: true, subscriptionPaidUntil: null });
    });

    it('the subscription changed since the invoice (paid meanwhile, or changed by staff): refused as outdated', async () => {
      const until = new Date(Date.now() + 2 * DAY);
      const u = await subscriber({ paidUntil: until });
      await openSubscription(u);
      const first = await invoiceFor(u);
      const second = await invoiceFor(u);
      expect((await u.pay(second.message_id)).ok).toBe(true);
      await u.waitForMessage('Вы успешно оплатили подписку');
      await u.waitForMessage('Главное меню');
      const paidUntil = (await userRow(h, u.id))!.subscriptionPaidUntil!;
      // The first invoice was for a subscription ending at `until`: it no longer applies.
      const r = await u.pay(first.message_id);
      expect(r).toMatchObject({ ok: false, errorMessage: outdated });
      await h.emulator.settle();
      expect(await payments(u.id)).toHaveLength(1);
      expect((await userRow(h, u.id))!.subscriptionPaidUntil!.getTime()).toBe(paidUntil.getTime());
    });

    it('an invoice older than INVOICE_MAX_AGE_HOURS is refused as outdated; a new one is accepted', async () => {
      const u = await subscriber({ paidUntil: new Date(Date.now() + 2 * DAY) });
      await openSubscription(u);
      const old = await invoiceFor(u);
      h.clock.advance(6 * 3_600_000 + 60_000);
      try {
        expect(await u.pay(old.message_id)).toMatchObject({ ok: false, errorMessage: outdated });
        await h.emulator.settle();
        expect(await payments(u.id)).toEqual([]);
        const fresh = await invoiceFor(u);
        expect((await u.pay(fresh.message_id)).ok).toBe(true);
        await u.waitForMessage('Вы успешно оплатили подписку');
      } finally {
        h.clock.reset();
      }
      expect(await payments(u.id)).toHaveLength(1);
    });

    it('an invoice of the earlier format (no issue time) is refused as outdated', async () => {
      const u = await subscriber({ paidUntil: new Date(Date.now() + 2 * DAY) });
      await openSubscription(u);
      await invoiceFor(u);
      expect(await u.pay(undefined, { payload: `sub:v1:${u.id}` })).toMatchObject({
        ok: false,
        errorMessage: outdated,
      });
      expect(await payments(u.id)).toEqual([]);
    });
  });
});
