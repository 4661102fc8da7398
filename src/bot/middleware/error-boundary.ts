import type { MiddlewareFn } from 'telegraf';
import type { BotContext } from '../context.js';
import { handleError } from '../errors.js';

/**
 * The one error boundary (errors.ts says what it does with an error). A pressed button is always
 * answered: by its handler, by the boundary on failure, or here with an empty answer.
 */
export function errorBoundary(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.callbackQuery) await ctx.answer();
    } catch (err) {
      await handleError(err, ctx, ctx.telegram);
    }
  };
}
