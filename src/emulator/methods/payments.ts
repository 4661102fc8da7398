/** Payments: the bot sends an invoice, a user's payment queues a pre_checkout_query the bot answers. */
import { randomBytes } from 'node:crypto';
import { ApiError, DESCRIPTIONS, bad } from '../errors.js';
import { botMessage } from '../chats.js';
import { utf8Length } from '../html.js';
import { isObject, optBool, optJson, optString, parseMarkup } from '../params.js';
import type { ChatState, EmulatorState, Method, PreCheckoutState } from '../state.js';
import type { TgInvoice, TgMessage, TgPreCheckoutQuery } from '../types.js';

export type PreCheckoutAnswer = { ok: boolean; error_message?: string } | undefined;

/** Queues a pre_checkout_query and resolves with the bot's answer (undefined on timeout). */
export function preCheckout(
  s: EmulatorState,
  chat: ChatState,
  query: Omit<TgPreCheckoutQuery, 'id'>,
  timeoutMs = s.options.preCheckoutTtlMs,
): { id: string; answer: Promise<PreCheckoutAnswer> } {
  const id = `pcq${query.from.id}${String(++s.querySeq).padStart(6, '0')}`;
  const state: PreCheckoutState = { id, chatId: chat.chat.id, createdAt: s.now(), answered: false };
  s.preCheckouts.set(id, state);
  const answer = new Promise<PreCheckoutAnswer>((resolve) => {
    const timer = setTimeout(() => {
      state.resolve = undefined;
      resolve(undefined);
    }, timeoutMs);
    state.resolve = (a) => {
      clearTimeout(timer);
      state.resolve = undefined;
      resolve(a);
    };
  });
  s.enqueue({ pre_checkout_query: { id, ...query } });
  return { id, answer };
}

export function nextChargeId(s: EmulatorState): string {
  return `tg_charge_${++s.chargeSeq}_${randomBytes(6).toString('hex')}`;
}

export const paymentMethods: Record<string, Method> = {
  sendInvoice(s, p): TgMessage {
    const chat = s.resolveChat(p);
    const title = optString(p, 'title') ?? '';
    const description = optString(p, 'description') ?? '';
    const payload = optString(p, 'payload') ?? '';
    const providerToken = optString(p, 'provider_token');
    const currency = optString(p, 'currency') ?? '';
    const startParameter = optString(p, 'start_parameter') ?? '';
    if (title.length < 1 || title.length > 32)
      throw bad('INVOICE_TITLE_INVALID: title must be 1-32 characters');
    if (description.length < 1 || description.length > 255) {
      throw bad('INVOICE_DESCRIPTION_INVALID: description must be 1-255 characters');
    }
    const payloadBytes = utf8Length(payload);
    if (payloadBytes < 1 || payloadBytes > 128)
      throw bad('INVOICE_PAYLOAD_INVALID: payload must be 1-128 bytes');
    if (!/^[A-Z]{3}$/.test(currency)) throw bad('CURRENCY_INVALID');
    if (currency === 'XTR') {
      if (providerToken)
        throw bad('PAYMENT_PROVIDER_INVALID: payments in Telegram Stars take an empty provider_token');
    } else if (!providerToken) {
      throw bad('PAYMENT_PROVIDER_INVALID');
    }
    const prices = optJson(p, 'prices');
    if (!Array.isArray(prices) || prices.length === 0)
      throw bad('LABELED_PRICES_EMPTY: prices must be a non-empty array');
    let total = 0;
    for (const price of prices) {
      if (!isObject(price) || typeof price.label !== 'string' || price.label === '') {
        throw bad("can't parse LabeledPrice JSON object: label must be a non-empty String");
      }
      if (typeof price.amount !== 'number' || !Number.isSafeInteger(price.amount)) {
        throw bad("can't parse LabeledPrice JSON object: amount must be an Integer");
      }
      total += price.amount;
    }
    if (currency === 'XTR' && prices.length !== 1)
      throw bad('Telegram Stars invoices must have exactly one price');
    if (total <= 0) throw bad('CURRENCY_TOTAL_AMOUNT_INVALID');
    const markup = parseMarkup(p);
    s.checkBlocked(chat);
    s.checkRate(chat);
    const invoice: TgInvoice = {
      title,
      description,
      start_parameter: startParameter,
      currency,
      total_amount: total,
    };
    return botMessage(
      s,
      chat,
      { invoice, ...(markup ? { reply_markup: markup } : {}) },
      { invoicePayload: payload },
    );
  },

  answerPreCheckoutQuery(s, p): true {
    const id = optString(p, 'pre_checkout_query_id');
    if (!id) throw bad('query_id is empty');
    const ok = optBool(p, 'ok');
    if (ok === undefined) throw bad('parameter "ok" is required');
    const errorMessage = optString(p, 'error_message');
    if (!ok && !errorMessage) throw bad('ERROR_MESSAGE_EMPTY: error_message is required when ok is false');
    const q = s.preCheckouts.get(id);
    if (!q || q.answered || s.now() - q.createdAt > s.options.preCheckoutTtlMs) {
      throw new ApiError(400, DESCRIPTIONS.queryTooOld);
    }
    q.answered = true;
    q.resolve?.({ ok, ...(errorMessage !== undefined && !ok ? { error_message: errorMessage } : {}) });
    return true;
  },
};
