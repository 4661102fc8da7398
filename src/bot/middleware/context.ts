import type { MiddlewareFn, Telegram } from 'telegraf';
import type { BotContext, BotDeps } from '../context.js';
import { catalogues, languageOf } from '../texts/index.js';

/**
 * The first step of every update: only people in private chats are served (groups, channels and
 * other bots are ignored quietly); the context gets the dependencies, the user's language and its
 * texts, and the bot's Telegram client, which waits out 429s and reports blocked chats.
 */
export function context(deps: BotDeps, telegram: Telegram): MiddlewareFn<BotContext> {
  const { config } = deps;
  return async (ctx, next) => {
    const chatType = ctx.chat?.type;
    if (chatType !== undefined && chatType !== 'private') return;
    if (!ctx.from || ctx.from.is_bot) return;
    // The bot's own client, guarded once (api-guard.ts), rather than guarding the one Telegraf makes
    // for each update: with webhook replies off the two are the same client but for that wrapping.
    (ctx as { telegram: Telegram }).telegram = telegram;
    ctx.deps = deps;
    ctx.lang = languageOf(ctx.from.language_code, config.bot.defaultLanguage);
    ctx.t = catalogues[ctx.lang];
    await next();
  };
}
