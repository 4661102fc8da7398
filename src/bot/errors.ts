import type { Telegram } from 'telegraf';
import type { BotContext } from './context.js';
import { cut, h } from './texts/index.js';
import { isBlocked, isNotModified, isQueryTooOld } from './telegram-errors.js';

const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * The report for the developers' chat: what failed and where, cut to Telegram's limit. It never
 * includes the session, the message text or anything else the user typed.
 */
export function errorReport(err: unknown, ctx: BotContext): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const head =
    `<b>Error while handling update ${ctx.update.update_id}</b> (${h(ctx.updateType)}) ` +
    `from user ${ctx.from?.id ?? '?'}\n`;
  const body = cut(`${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 15).join('\n') ?? ''}`, 3500);
  return cut(`${head}<pre>${h(body)}</pre>`, TELEGRAM_TEXT_LIMIT);
}

/** The one error boundary: known Telegram errors by name, everything else logged, reported and apologised for. */
export async function handleError(err: unknown, ctx: BotContext, telegram: Telegram): Promise<void> {
  const { logger, services, config } = ctx.deps;
  if (isNotModified(err) || isQueryTooOld(err)) return;
  if (isBlocked(err)) {
    if (ctx.from) await services.users.setReachable(ctx.from.id, false).catch(() => undefined);
    return;
  }
  logger.error(
    { err, update: ctx.update.update_id, type: ctx.updateType, user: ctx.from?.id },
    'update failed',
  );
  await ctx.answer(ctx.t.toastError);
  if (ctx.chat?.type === 'private') {
    await telegram.sendMessage(ctx.chat.id, ctx.t.somethingWentWrong).catch(() => undefined);
  }
  const reportChat = config.bot.reportChatId;
  if (reportChat !== undefined) {
    await telegram
      .sendMessage(reportChat, errorReport(err, ctx), { parse_mode: 'HTML' })
      .catch((e: unknown) => logger.warn({ err: e }, 'could not send the error report'));
  }
}
