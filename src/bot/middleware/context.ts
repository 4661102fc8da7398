import type { MiddlewareFn } from 'telegraf';
import { guardTelegram } from '../api-guard.js';
import type { BotContext, BotDeps } from '../context.js';
import { catalogues, languageOf } from '../texts/index.js';

/**
 * The first step of every update: only people in private chats are served (groups, channels and
 * other bots are ignored quietly); the context gets the dependencies, the user's language and its
 * texts, and a Telegram client that waits out 429s and reports blocked chats.
 */
export function context(deps: BotDeps, onBlocked: (chatId: number) => void): MiddlewareFn<BotContext> {
  const { config, logger } = deps;
  return async (ctx, next) => {
    const chatType = ctx.chat?.type;
    if (chatType !== undefined && chatType !== 'private') return;
    if (!ctx.from || ctx.from.is_bot) return;
    guardTelegram(ctx.telegram, { logger, onBlocked });
    ctx.deps = deps;
    ctx.lang = languageOf(ctx.from.language_code, config.bot.defaultLanguage);
    ctx.t = catalogues[ctx.lang];
    await next();
  };
}
