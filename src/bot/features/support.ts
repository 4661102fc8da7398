import type { Message } from 'telegraf/types';
import type { TelegramUser } from '../../db/entities/index.js';
import type { RelayOutcome } from '../../support/desk.js';
import type { ChatContext } from '../context.js';
import type { Feature } from '../feature.js';
import { gate, type GatedContext } from '../gate.js';
import { encode } from '../callback-data.js';
import * as screens from '../screens.js';
import { reply, show } from '../ui.js';

/** Enters support mode: the user is told they now write to support (and when operators answer, off hours). */
async function enter(ctx: GatedContext<'paying'>): Promise<void> {
  await ctx.answer(ctx.t.toastSupport);
  const desk = ctx.deps.support;
  const state = desk ? await desk.enter(ctx.user) : ({ kind: 'unavailable' } as const);
  if (state.kind === 'banned') {
    await show(ctx, { text: ctx.t.supportBanned, keyboard: screens.support(ctx.t).keyboard!.slice(-1) });
    return;
  }
  if (state.kind === 'unavailable') {
    await show(ctx, { text: ctx.t.supportUnavailable, keyboard: screens.support(ctx.t).keyboard!.slice(-1) });
    return;
  }
  ctx.session.support = true;
  ctx.deps.logger.info({ user: ctx.from.id }, 'support mode');
  await show(ctx, screens.support(ctx.t, state.offHours));
}

async function refused(ctx: ChatContext, outcome: RelayOutcome): Promise<void> {
  const t = ctx.t;
  switch (outcome.kind) {
    case 'queued':
      return;
    case 'banned':
      if (outcome.tell) await reply(ctx, { text: t.supportBanned });
      return;
    case 'unavailable':
      await reply(ctx, { text: t.supportUnavailable });
      return;
    case 'rate_limited':
      await reply(ctx, { text: t.supportRateLimited(ctx.deps.config.support.ratePerMinute) });
      return;
    case 'too_large':
      await reply(ctx, { text: t.supportTooLarge(Math.floor(outcome.maxBytes / (1024 * 1024))) });
      return;
    case 'unrelayable':
      await reply(ctx, {
        text:
          outcome.what === 'poll' ? t.supportPoll : outcome.what === 'dice' ? t.supportDice : t.supportOther,
      });
      return;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/** "Share my phone": Telegram's contact request, a one-time keyboard button under the prompt. */
async function askPhone(ctx: GatedContext<'paying'>): Promise<void> {
  await ctx.answer(ctx.t.toastSupport);
  // Pressed on the support screen: the user stays in support mode.
  ctx.session.support = true;
  await ctx.telegram.sendMessage(ctx.chat.id, ctx.t.supportPhonePrompt, {
    reply_markup: {
      keyboard: [[{ text: ctx.t.btnSendPhone, request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    },
  });
}

/** The user's own contact (the contact request's answer): only the number is kept, digits only. */
async function ownContact(ctx: ChatContext, message: Message): Promise<boolean> {
  const contact = 'contact' in message ? message.contact : undefined;
  if (!contact || contact.user_id !== ctx.from.id) return false;
  const saved = await ctx.deps.services.users.setPhone(ctx.from.id, contact.phone_number);
  ctx.deps.logger.info({ user: ctx.from.id, saved }, 'phone number shared');
  await ctx.telegram.sendMessage(ctx.chat.id, saved ? ctx.t.supportPhoneSaved : ctx.t.supportOther, {
    reply_markup: { remove_keyboard: true },
  });
  return true;
}

/** A message in support mode: relayed, or refused with a sentence. Outside support mode: not taken. */
async function relay(ctx: ChatContext, message: Message): Promise<boolean> {
  if (await ownContact(ctx, message)) return true;
  if (!ctx.session.support) return false;
  const passed = await gate(ctx, 'paying');
  if (!passed) return true;
  const desk = ctx.deps.support;
  const outcome = desk ? await desk.relay(passed.user, message) : ({ kind: 'unavailable' } as const);
  await refused(ctx, outcome);
  return true;
}

/**
 * A quick answer's button under an operator's (or the platform bot's) message: its label is sent to
 * support as the seller's message, shown in the chat first so the seller sees what went.
 */
async function pressAnswer(ctx: GatedContext<'paying'>, data: { i: number }): Promise<void> {
  const q = ctx.callbackQuery;
  const rows =
    q?.message && 'reply_markup' in q.message ? (q.message.reply_markup?.inline_keyboard ?? []) : [];
  const wanted = encode({ a: 'support_answer', i: data.i });
  const button = rows.flat().find((b) => 'callback_data' in b && b.callback_data === wanted);
  await ctx.answer();
  const desk = ctx.deps.support;
  if (!button || !desk) return;
  ctx.session.support = true;
  const shown = await ctx.telegram.sendMessage(ctx.chat.id, `› ${button.text}`);
  const outcome = await desk.relay(ctx.user, { ...shown, from: ctx.from, text: button.text } as Message);
  await refused(ctx, outcome);
}

async function edited(ctx: ChatContext, message: Message): Promise<void> {
  const desk = ctx.deps.support;
  if (!desk) return;
  const user: TelegramUser | null = await ctx.deps.services.users.findByTelegramId(ctx.from.id);
  if (user && !user.isBanned) await desk.relayEdit(user, message);
}

/**
 * The seller's side of the support desk: "💬 Support" and /support enter support mode, in which
 * every message goes to the operators until "Back to menu" (any other screen leaves it too);
 * "End conversation" closes the conversation. Operator answers arrive through the desk's outbox.
 */
export const supportFeature: Feature = {
  commands: {
    support: { level: 'paying', run: enter },
  },
  callbacks: {
    support: { level: 'paying', run: enter },
    support_answer: { level: 'paying', run: pressAnswer },
    support_phone: { level: 'paying', run: askPhone },
    support_end: {
      level: 'paying',
      run: async (ctx) => {
        await ctx.answer(ctx.t.toastSupport);
        const ended = (await ctx.deps.support?.end(ctx.user)) ?? false;
        ctx.session.support = true;
        await show(ctx, {
          ...screens.support(ctx.t),
          text: ended ? ctx.t.supportEnded : ctx.t.supportNothingToEnd,
        });
      },
    },
  },
  anyMessage: relay,
  editedMessage: edited,
};
