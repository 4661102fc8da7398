import type { Telegram } from 'telegraf';
import type { Logger } from '../logger.js';
import { isBlocked, retryAfterSeconds } from './telegram-errors.js';

export interface ApiGuardOptions {
  logger: Logger;
  /** Called when Telegram says a chat blocked the bot (403), with that chat id. */
  onBlocked?: (chatId: number) => void;
  /** Longest single wait on a 429 before giving up, in seconds. */
  maxRetryAfter?: number;
  maxRetries?: number;
}

/**
 * Wraps one Telegram client's callApi: a 429 waits `retry_after` and tries again (Telegraf retries
 * only getUpdates), and a 403 "blocked" reports the chat. Applied once, to the bot's own client:
 * the context middleware hands that one to every update instead of the client Telegraf builds per
 * update (wrapping each of those was work on every update).
 */
export function guardTelegram(telegram: Telegram, opts: ApiGuardOptions): Telegram {
  const marked = telegram as Telegram & { __guarded?: boolean };
  if (marked.__guarded) return telegram;
  marked.__guarded = true;
  const call = telegram.callApi.bind(telegram);
  const maxWait = opts.maxRetryAfter ?? 60;
  const maxRetries = opts.maxRetries ?? 3;
  telegram.callApi = (async (method: string, payload: Record<string, unknown>, options?: object) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (call as (m: string, p: unknown, o?: object) => Promise<unknown>)(
          method,
          payload,
          options,
        );
      } catch (err) {
        const wait = retryAfterSeconds(err);
        if (wait !== undefined && attempt < maxRetries && wait <= maxWait && method !== 'getUpdates') {
          opts.logger.warn(
            { method, retryAfter: wait, attempt },
            'telegram rate limit: waiting before retry',
          );
          await new Promise((r) => setTimeout(r, wait * 1000));
          continue;
        }
        if (isBlocked(err) && typeof payload?.chat_id === 'number') opts.onBlocked?.(payload.chat_id);
        throw err;
      }
    }
  }) as Telegram['callApi'];
  return telegram;
}
