import type { BudgetWindow } from '../services/index.js';
import type { BotDeps, BotContext } from './context.js';

const WINDOW_MS: Record<BudgetWindow, number> = { minute: 60_000, hour: 3_600_000 };

/** Until when each bot's alarm for each window is quiet (epoch ms on the bot's clock). */
const quietUntil = new WeakMap<BotDeps, Map<BudgetWindow, number>>();

/**
 * The global budget for wrong shop keys ran out: someone may be guessing keys. Says so in the log
 * (error) and in the report chat (REPORT_CHAT_ID), once per window of the budget, not per guess.
 * The message names no key, account or text anyone typed.
 */
export async function shopKeyBudgetSpent(ctx: BotContext, budget: BudgetWindow): Promise<void> {
  const { deps } = ctx;
  let quiet = quietUntil.get(deps);
  if (!quiet) quietUntil.set(deps, (quiet = new Map()));
  const now = deps.now();
  if (now < (quiet.get(budget) ?? 0)) return;
  quiet.set(budget, now + WINDOW_MS[budget]);

  const { wrongKeysPerMinute, wrongKeysPerHour } = deps.config.login;
  const limit = budget === 'minute' ? wrongKeysPerMinute : wrongKeysPerHour;
  const text =
    `The budget for wrong shop keys is spent: ${limit} a ${budget}, across all accounts. ` +
    `Seller logins and "Add shop" wait until it frees; someone may be guessing shop keys.`;
  deps.logger.error({ budget, limit }, text);
  const chat = deps.config.bot.reportChatId;
  if (chat !== undefined) {
    await ctx.telegram
      .sendMessage(chat, text)
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not send the shop-key budget alert'));
  }
}
