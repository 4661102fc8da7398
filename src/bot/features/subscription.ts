import type { BotContext } from '../context.js';
import type { Feature } from '../feature.js';
import { home } from '../gate.js';
import * as screens from '../screens.js';
import { reply, show } from '../ui.js';

export function formatDate(ctx: BotContext, date: Date): string {
  return date.toLocaleDateString(ctx.lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone: 'UTC',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });
}

/** The subscription screen and Telegram Payments: invoice, pre-checkout, successful payment. */
export const subscriptionFeature: Feature = {
  callbacks: {
    subscription: {
      level: 'paying',
      run: async (ctx) => {
        const status = await ctx.deps.services.subscriptions.status(ctx.from.id);
        const who = ctx.from.username ? `@${ctx.from.username}` : ctx.fullName;
        await ctx.answer(ctx.t.toastSubscription);
        await show(
          ctx,
          screens.subscription(
            ctx.t,
            who,
            status.paidUntil ? formatDate(ctx, status.paidUntil) : null,
            status.active,
          ),
        );
      },
    },
    pay: {
      level: 'paying',
      run: async (ctx) => {
        const { providerToken } = ctx.deps.config.subscription;
        if (!providerToken) {
          await ctx.answer(ctx.t.paymentsUnavailable, true);
          return;
        }
        const status = await ctx.deps.services.subscriptions.status(ctx.from.id);
        if (status.active && status.paidUntil === null) {
          await ctx.answer(ctx.t.noPaymentNeeded, true);
          return;
        }
        const invoice = await ctx.deps.services.subscriptions.invoice(ctx.from.id, ctx.deps.now());
        await ctx.answer();
        await ctx.telegram.sendInvoice(ctx.chat.id, {
          title: ctx.t.invoiceTitle,
          description: ctx.t.invoiceDescription(invoice.periodDays),
          payload: invoice.payload,
          provider_token: providerToken,
          currency: invoice.currency,
          prices: [{ label: ctx.t.invoiceLabel, amount: invoice.amount }],
        });
      },
    },
  },

  /** Must be answered within 10 seconds: one query, then the answer. */
  preCheckout: async (ctx, q) => {
    const result = await ctx.deps.services.subscriptions.checkPreCheckout(
      {
        payload: q.invoice_payload,
        amount: q.total_amount,
        currency: q.currency,
        payerTelegramId: q.from.id,
      },
      ctx.deps.now(),
    );
    if (result.ok) {
      await ctx.answerPreCheckoutQuery(true);
      return;
    }
    ctx.deps.logger.warn({ user: q.from.id, reason: result.reason }, 'pre-checkout refused');
    const why =
      result.reason === 'open_ended'
        ? ctx.t.preCheckoutNotNeeded
        : result.reason === 'outdated'
          ? ctx.t.invoiceOutdated
          : ctx.t.preCheckoutFailed;
    await ctx.answerPreCheckoutQuery(false, why);
  },

  /** Recorded once by its charge id: the same payment delivered twice changes nothing and says nothing. */
  successfulPayment: async (ctx, p) => {
    const result = await ctx.deps.services.subscriptions.recordPayment({
      telegramChargeId: p.telegram_payment_charge_id,
      providerChargeId: p.provider_payment_charge_id,
      amount: p.total_amount,
      currency: p.currency,
      payerTelegramId: ctx.from.id,
      payload: p.invoice_payload,
    });
    if (!result.recorded) {
      ctx.deps.logger.info({ user: ctx.from.id }, 'duplicate successful_payment ignored');
      return;
    }
    ctx.deps.logger.info(
      { user: ctx.from.id, amount: p.total_amount, currency: p.currency },
      'payment recorded',
    );
    if (result.paidUntil)
      await reply(ctx, { text: ctx.t.paymentSucceeded(formatDate(ctx, result.paidUntil)) });
    ctx.forgetAccess(); // the payment just changed it
    await home(ctx, { asNew: true });
  },
};
