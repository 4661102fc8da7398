/** Callback queries: a user's press queues one (actor side), the bot answers it (answerCallbackQuery). */
import { ApiError, DESCRIPTIONS, bad } from '../errors.js';
import { markAction } from '../chats.js';
import type { CallbackAnswer, PressResult } from '../options.js';
import { clone, optBool, optInt, optString } from '../params.js';
import type { ChatState, EmulatorState, Method, StoredMessage } from '../state.js';
import type { TgCallbackQuery, TgUser } from '../types.js';

export function newCallbackQuery(
  s: EmulatorState,
  chat: ChatState,
  from: TgUser,
  stored: StoredMessage,
  data: string,
): PressResult {
  markAction(chat);
  const id = `${from.id}${String(++s.querySeq).padStart(6, '0')}`;
  s.queries.set(id, { id, chatId: chat.chat.id, createdAt: s.now(), answered: false, waiters: [] });
  const query: TgCallbackQuery = {
    id,
    from: clone(from),
    message: clone(stored.message),
    chat_instance: String(BigInt(chat.chat.id) * 7919n + 4611686018427387904n),
    data,
  };
  s.enqueue({ callback_query: query });
  return { queryId: id, data, messageId: stored.message.message_id };
}

/** The bot's answer to a callback query, once it comes. */
export function answerOf(s: EmulatorState, queryId: string, timeoutMs: number): Promise<CallbackAnswer> {
  const q = s.queries.get(queryId);
  if (!q) return Promise.reject(new Error(`answerOf: unknown callback query ${queryId}`));
  if (q.answer) return Promise.resolve(clone(q.answer));
  return new Promise<CallbackAnswer>((resolve, reject) => {
    const timer = setTimeout(() => {
      q.waiters = q.waiters.filter((w) => w !== waiter);
      reject(
        new Error(`answerOf(${queryId}): the bot did not answer the callback query within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const waiter = {
      resolve: (a: CallbackAnswer): void => {
        clearTimeout(timer);
        resolve(clone(a));
      },
      reject: (e: Error): void => {
        clearTimeout(timer);
        reject(e);
      },
    };
    q.waiters.push(waiter);
  });
}

export const callbackMethods: Record<string, Method> = {
  answerCallbackQuery(s, p): true {
    const id = optString(p, 'callback_query_id');
    if (!id) throw bad('query_id is empty');
    const text = optString(p, 'text');
    const showAlert = optBool(p, 'show_alert');
    const url = optString(p, 'url');
    const cacheTime = optInt(p, 'cache_time');
    if (text !== undefined && text.length > 200) throw bad('MESSAGE_TOO_LONG');
    const q = s.queries.get(id);
    if (!q || q.answered || s.now() - q.createdAt > s.options.callbackQueryTtlMs) {
      throw new ApiError(400, DESCRIPTIONS.queryTooOld);
    }
    const answer: CallbackAnswer = {
      ...(text !== undefined ? { text } : {}),
      ...(showAlert !== undefined ? { show_alert: showAlert } : {}),
      ...(url !== undefined ? { url } : {}),
      ...(cacheTime !== undefined ? { cache_time: cacheTime } : {}),
    };
    q.answered = true;
    q.answer = answer;
    for (const w of q.waiters) w.resolve(answer);
    q.waiters = [];
    return true;
  },
};
