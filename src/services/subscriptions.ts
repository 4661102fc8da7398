import { TelegramUser } from '../db/entities/index.js';
import { columns, hydrate, run, transaction, type Db } from './sql.js';

export interface SubscriptionOptions {
  /** In minor units (kopecks for RUB). */
  price: number;
  currency: string;
  periodDays: number;
}

export type Invoice = { payload: string; amount: number; currency: string; periodDays: number };

export type PreCheckoutQuery = { payload: string; amount: number; currency: string; payerTelegramId: number };
export type PreCheckoutResult =
  | { ok: true }
  | {
      ok: false;
      reason: 'bad_payload' | 'wrong_amount' | 'wrong_currency' | 'wrong_payer' | 'unregistered' | 'banned';
    };

export type PaymentInput = {
  telegramChargeId: string;
  providerChargeId: string;
  amount: number;
  currency: string;
  payerTelegramId: number;
  payload: string;
};
export type PaymentResult = { recorded: boolean; paidUntil: Date | null; user: TelegramUser | null };

export type SubscriptionStatus = { active: boolean; paidUntil: Date | null };

/** Version 1 of the invoice payload: who the invoice is for. A forwarded invoice can't be paid by someone else. */
const PAYLOAD = /^sub:v1:(\d{1,16})$/;

export function subscriptionPayload(telegramId: number): string {
  return `sub:v1:${telegramId}`;
}

/** The Telegram id an invoice payload was issued to, or null for anything else. */
export function parseSubscriptionPayload(payload: string): number | null {
  const m = PAYLOAD.exec(payload);
  if (!m) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * Paid subscriptions: an invoice for a fixed price and period, checks before Telegram takes the
 * money, and an idempotent record of the payment afterwards.
 */
export class SubscriptionService {
  constructor(
    private readonly ds: Db,
    private readonly options: SubscriptionOptions,
  ) {}

  /** What to put in sendInvoice. Synchronous: nothing to look up. */
  invoice(telegramId: number): Invoice {
    return {
      payload: subscriptionPayload(telegramId),
      amount: this.options.price,
      currency: this.options.currency,
      periodDays: this.options.periodDays,
    };
  }

  /**
   * Answers Telegram's pre-checkout query: the invoice must be ours, at today's price and currency,
   * paid by the user it was issued to, who must be registered and not banned. (An inactive user may
   * pay: that is how they become active again.)
   */
  async checkPreCheckout(q: PreCheckoutQuery): Promise<PreCheckoutResult> {
    const issuedTo = parseSubscriptionPayload(q.payload);
    if (issuedTo === null) return { ok: false, reason: 'bad_payload' };
    if (q.amount !== this.options.price) return { ok: false, reason: 'wrong_amount' };
    if (q.currency !== this.options.currency) return { ok: false, reason: 'wrong_currency' };
    if (q.payerTelegramId !== issuedTo) return { ok: false, reason: 'wrong_payer' };
    const { rows } = await run<{ is_banned: boolean }>(
      this.ds,
      `SELECT is_banned FROM telegram_users WHERE telegram_id = $1`,
      [q.payerTelegramId],
    );
    if (!rows[0]) return { ok: false, reason: 'unregistered' };
    if (rows[0].is_banned) return { ok: false, reason: 'banned' };
    return { ok: true };
  }

  /**
   * Records a successful payment, once. Telegram may deliver the same successful_payment twice (or
   * two processes may both see it): the unique charge id makes the second a no-op that reports the
   * current state (recorded=false). A first delivery extends the payer's subscription by one period
   * from the later of now and the current end, and switches the account on. A payer without a row
   * (deleted meanwhile) still gets the payment recorded, with no user: money is never lost.
   * One transaction; concurrent duplicates wait on the unique index and then do nothing.
   */
  async recordPayment(p: PaymentInput): Promise<PaymentResult> {
    return transaction(this.ds, async (em) => {
      const ins = await run<{ id: number }>(
        em,
        `INSERT INTO payments
           (telegram_charge_id, provider_charge_id, amount, currency, payer_telegram_id, telegram_user_id)
         VALUES ($1, $2, $3, $4, $5, (SELECT id FROM telegram_users WHERE telegram_id = $5))
         ON CONFLICT (telegram_charge_id) DO NOTHING
         RETURNING id`,
        [p.telegramChargeId, p.providerChargeId, p.amount, p.currency, p.payerTelegramId],
      );
      const paymentId = ins.rows[0]?.id;
      if (paymentId === undefined) {
        const { rows } = await run(
          em,
          `SELECT ${columns(em, TelegramUser, 'tu')} FROM telegram_users tu WHERE tu.telegram_id = $1`,
          [p.payerTelegramId],
        );
        const user = rows[0] ? hydrate(em, TelegramUser, rows[0]) : null;
        return { recorded: false, paidUntil: user?.subscriptionPaidUntil ?? null, user };
      }
      const { rows } = await run(
        em,
        `WITH u AS (
           UPDATE telegram_users tu
           SET subscription_paid_until =
                 greatest(now(), coalesce(tu.subscription_paid_until, now())) + make_interval(days => $2),
               is_active = true,
               updated_at = now()
           WHERE tu.telegram_id = $1
           RETURNING ${columns(em, TelegramUser, 'tu')}
         ), p AS (
           UPDATE payments SET paid_until = (SELECT subscription_paid_until FROM u),
                               telegram_user_id = (SELECT id FROM u)
           WHERE id = $3
         )
         SELECT * FROM u`,
        [p.payerTelegramId, this.options.periodDays, paymentId],
      );
      const user = rows[0] ? hydrate(em, TelegramUser, rows[0]) : null;
      return { recorded: true, paidUntil: user?.subscriptionPaidUntil ?? null, user };
    });
  }

  /** Active means the flag is on and the paid period, if any, has not ended. Unregistered: inactive. */
  async status(telegramId: number): Promise<SubscriptionStatus> {
    const { rows } = await run<{ active: boolean; paid_until: Date | null }>(
      this.ds,
      `SELECT (is_active AND (subscription_paid_until IS NULL OR subscription_paid_until > now())) AS active,
              subscription_paid_until AS paid_until
       FROM telegram_users WHERE telegram_id = $1`,
      [telegramId],
    );
    const row = rows[0];
    return row ? { active: row.active, paidUntil: row.paid_until } : { active: false, paidUntil: null };
  }
}
