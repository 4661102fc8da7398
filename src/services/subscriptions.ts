import { TelegramUser } from '../db/entities/index.js';
import { columns, hydrate, run, transaction, type Db } from './sql.js';

export interface SubscriptionOptions {
  /** In minor units (kopecks for RUB). */
  price: number;
  currency: string;
  periodDays: number;
  /** How long an invoice may be paid after it was issued (default 24). */
  invoiceMaxAgeHours?: number;
}

export type Invoice = { payload: string; amount: number; currency: string; periodDays: number };

export type PreCheckoutQuery = { payload: string; amount: number; currency: string; payerTelegramId: number };
export type PreCheckoutResult =
  | { ok: true }
  | {
      ok: false;
      reason:
        | 'bad_payload'
        | 'wrong_amount'
        | 'wrong_currency'
        | 'wrong_payer'
        | 'unregistered'
        | 'banned'
        /** The subscription has no end date now: there is nothing to pay for. */
        | 'open_ended'
        /** Issued too long ago, before the subscription last changed, or in the earlier format. */
        | 'outdated';
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

/** What an invoice was issued for, as its payload carries it. */
export interface InvoiceFor {
  /** The user it is for: a forwarded invoice can't be paid by someone else. */
  telegramId: number;
  /** When it was issued (epoch ms); null for the earlier format, which had no time. */
  issuedAt: number | null;
  /** The end of the subscription it extends (epoch ms), null for none: paying it is for that state only. */
  paidUntil: number | null;
}

/** Version 2: `sub:v2:<telegram id>:<issued, epoch ms>:<paid-until, epoch ms, or "-">` (≤ 128 bytes). */
const PAYLOAD_V2 = /^sub:v2:(\d{1,16}):(\d{1,15}):(\d{1,15}|-)$/;
/** Version 1 named the user only; such invoices are refused as outdated. */
const PAYLOAD_V1 = /^sub:v1:(\d{1,16})$/;

export function subscriptionPayload(f: {
  telegramId: number;
  issuedAt: number;
  paidUntil: number | null;
}): string {
  return `sub:v2:${f.telegramId}:${f.issuedAt}:${f.paidUntil ?? '-'}`;
}

/** What an invoice payload says it was issued for, or null for anything that isn't ours. */
export function parseSubscriptionPayload(payload: string): InvoiceFor | null {
  const v2 = PAYLOAD_V2.exec(payload);
  const v1 = v2 ? null : PAYLOAD_V1.exec(payload);
  const m = v2 ?? v1;
  if (!m) return null;
  const telegramId = Number(m[1]);
  if (!Number.isSafeInteger(telegramId)) return null;
  if (!v2) return { telegramId, issuedAt: null, paidUntil: null };
  return { telegramId, issuedAt: Number(v2[2]), paidUntil: v2[3] === '-' ? null : Number(v2[3]) };
}

const HOUR = 3_600_000;

/**
 * Paid subscriptions: an invoice for a fixed price and period, checks before Telegram takes the
 * money, and an idempotent record of the payment afterwards.
 */
export class SubscriptionService {
  constructor(
    private readonly ds: Db,
    private readonly options: SubscriptionOptions,
  ) {}

  /**
   * What to put in sendInvoice. The payload records the user, the time (`now`, epoch ms) and the
   * subscription's end as it is now: pre-checkout refuses the invoice once any of them no longer applies.
   */
  async invoice(telegramId: number, now: number = Date.now()): Promise<Invoice> {
    const { rows } = await run<{ paid_until: Date | null }>(
      this.ds,
      `SELECT subscription_paid_until AS paid_until FROM telegram_users WHERE telegram_id = $1`,
      [telegramId],
    );
    const paidUntil = rows[0]?.paid_until?.getTime() ?? null;
    return {
      payload: subscriptionPayload({ telegramId, issuedAt: Math.floor(now), paidUntil }),
      amount: this.options.price,
      currency: this.options.currency,
      periodDays: this.options.periodDays,
    };
  }

  /**
   * Answers Telegram's pre-checkout query (nothing is charged unless this says yes): the invoice must
   * be ours, at today's price and currency, paid by the user it was issued to, who must be registered
   * and not banned. (An inactive user may pay: that is how they become active again.) And it must
   * still apply: issued within `invoiceMaxAgeHours` of `now`, for the subscription as it is now (an
   * open-ended one needs no payment; one whose end changed since needs a new invoice).
   */
  async checkPreCheckout(q: PreCheckoutQuery, now: number = Date.now()): Promise<PreCheckoutResult> {
    const issued = parseSubscriptionPayload(q.payload);
    if (issued === null) return { ok: false, reason: 'bad_payload' };
    if (q.amount !== this.options.price) return { ok: false, reason: 'wrong_amount' };
    if (q.currency !== this.options.currency) return { ok: false, reason: 'wrong_currency' };
    if (q.payerTelegramId !== issued.telegramId) return { ok: false, reason: 'wrong_payer' };
    const { rows } = await run<{ is_banned: boolean; is_active: boolean; paid_until: Date | null }>(
      this.ds,
      `SELECT is_banned, is_active, subscription_paid_until AS paid_until FROM telegram_users WHERE telegram_id = $1`,
      [q.payerTelegramId],
    );
    const user = rows[0];
    if (!user) return { ok: false, reason: 'unregistered' };
    if (user.is_banned) return { ok: false, reason: 'banned' };
    if (user.is_active && user.paid_until === null) return { ok: false, reason: 'open_ended' };
    const maxAge = (this.options.invoiceMaxAgeHours ?? 24) * HOUR;
    if (issued.issuedAt === null || now - issued.issuedAt > maxAge) return { ok: false, reason: 'outdated' };
    if ((user.paid_until?.getTime() ?? null) !== issued.paidUntil) return { ok: false, reason: 'outdated' };
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
