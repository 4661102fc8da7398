import type { Update } from 'telegraf/types';

/** The update kinds the bot asks Telegram for (polling and webhook alike). */
export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'callback_query',
  'pre_checkout_query',
  'my_chat_member',
];

/** The chat whose updates must stay in order; updates of different chats run side by side. */
export function chatKey(update: Update): string | undefined {
  const u = update as unknown as Partial<
    Record<string, { chat?: { id: number }; from?: { id: number }; message?: { chat: { id: number } } }>
  >;
  const id =
    u.message?.chat?.id ??
    u.edited_message?.chat?.id ??
    u.callback_query?.message?.chat.id ??
    u.callback_query?.from?.id ??
    u.pre_checkout_query?.from?.id ??
    u.my_chat_member?.chat?.id;
  return id === undefined ? undefined : String(id);
}
