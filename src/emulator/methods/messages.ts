/** Bot API methods on messages: getMe, send, edit, delete, chat actions. */
import { ApiError, DESCRIPTIONS, bad } from '../errors.js';
import { botMessage, changed, placement } from '../chats.js';
import {
  clone,
  optString,
  parseMarkup,
  parseText,
  requireMessageId,
  sameEntities,
  type Params,
} from '../params.js';
import type { ChatState, EmulatorState, Method, StoredMessage } from '../state.js';
import type { TgMessage } from '../types.js';

const FORTY_EIGHT_HOURS = 48 * 3600 * 1000;

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

function editable(s: EmulatorState, p: Params): { chat: ChatState; stored: StoredMessage } {
  if (p.inline_message_id !== undefined) throw new ApiError(400, DESCRIPTIONS.editNotFound);
  const chat = s.resolveChat(p);
  const id = requireMessageId(p);
  const stored = chat.messages.get(id);
  if (!stored || stored.deleted) throw new ApiError(400, DESCRIPTIONS.editNotFound);
  if (!stored.fromBot) throw bad("message can't be edited");
  return { chat, stored };
}

function applyEdit(s: EmulatorState, stored: StoredMessage): TgMessage {
  stored.edits++;
  stored.message.edit_date = s.unixNow();
  changed(stored);
  return clone(stored.message);
}

export const messageMethods: Record<string, Method> = {
  getMe: (s) => ({
    ...clone(s.botUser),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  }),

  sendMessage(s, p): TgMessage {
    const chat = s.resolveChat(p);
    const t = parseText(p, s.options.strictHtml);
    const markup = parseMarkup(p);
    const where = placement(s, chat, p);
    s.checkBlocked(chat);
    s.checkRate(chat);
    return botMessage(
      s,
      chat,
      {
        ...where,
        text: t.text,
        ...(t.entities ? { entities: t.entities } : {}),
        ...(markup ? { reply_markup: markup } : {}),
      },
      { html: t.html, parseMode: t.parseMode },
    );
  },

  editMessageText(s, p): TgMessage {
    const { chat, stored } = editable(s, p);
    const t = parseText(p, s.options.strictHtml);
    const markup = parseMarkup(p);
    const m = stored.message;
    if (m.text === undefined) throw bad('there is no text in the message to edit');
    s.checkBlocked(chat);
    if (
      m.text === t.text &&
      sameEntities(m.entities, t.entities) &&
      JSON.stringify(m.reply_markup) === JSON.stringify(markup)
    ) {
      throw new ApiError(400, DESCRIPTIONS.notModified);
    }
    s.checkRate(chat);
    m.text = t.text;
    if (t.entities) m.entities = t.entities;
    else delete m.entities;
    // Like Telegram: an edit without reply_markup removes the inline keyboard.
    if (markup) m.reply_markup = markup;
    else delete m.reply_markup;
    stored.html = t.html;
    stored.parseMode = t.parseMode;
    return applyEdit(s, stored);
  },

  editMessageReplyMarkup(s, p): TgMessage {
    const { chat, stored } = editable(s, p);
    const markup = parseMarkup(p);
    s.checkBlocked(chat);
    if (JSON.stringify(stored.message.reply_markup) === JSON.stringify(markup)) {
      throw new ApiError(400, DESCRIPTIONS.notModified);
    }
    s.checkRate(chat);
    if (markup) stored.message.reply_markup = markup;
    else delete stored.message.reply_markup;
    return applyEdit(s, stored);
  },

  deleteMessage(s, p): true {
    const chat = s.resolveChat(p);
    const id = requireMessageId(p);
    const stored = chat.messages.get(id);
    if (!stored || stored.deleted) throw new ApiError(400, DESCRIPTIONS.deleteNotFound);
    if (s.now() - stored.createdAt > FORTY_EIGHT_HOURS) throw new ApiError(400, DESCRIPTIONS.cantDelete);
    s.checkRate(chat);
    stored.deleted = true;
    return true;
  },

  sendChatAction(s, p): true {
    const chat = s.resolveChat(p);
    const action = optString(p, 'action');
    if (!action || !CHAT_ACTIONS.has(action)) throw bad('wrong parameter action in request');
    s.checkBlocked(chat);
    return true;
  },
};
