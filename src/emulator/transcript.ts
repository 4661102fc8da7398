/**
 * A chat as its user's Telegram client shows it: every message, the user's and the bot's, in order
 * and in its current state. The sandbox's web chat draws this; tests keep using the views in chats.ts.
 */
import { explicitReply } from './chats.js';
import { serviceOf } from './media.js';
import { clone, isInlineMarkup } from './params.js';
import type { ChatState, StoredMessage } from './state.js';
import type {
  InlineKeyboardMarkup,
  MessageEntity,
  TgInvoice,
  TgSuccessfulPayment,
  TgUserDocument,
} from './types.js';

export interface TranscriptMessage {
  message_id: number;
  from_bot: boolean;
  kind: StoredMessage['kind'];
  /** The text, or the caption of a photo or document. */
  text?: string;
  entities?: MessageEntity[];
  /** Only inline keyboards are drawn under a message; other markup is left out. */
  reply_markup?: InlineKeyboardMarkup;
  invoice?: TgInvoice;
  successful_payment?: TgSuccessfulPayment;
  photo?: { width: number; height: number; file_size?: number };
  document?: TgUserDocument;
  deleted: boolean;
  edited: boolean;
  /** Unix seconds. */
  date: number;
  /** In a forum: the topic, the message it explicitly replies to, a service message's kind, the sender. */
  message_thread_id?: number;
  reply_to_message_id?: number;
  service?: string;
  from_name?: string;
}

export function transcript(chat: ChatState | undefined): TranscriptMessage[] {
  if (!chat) return [];
  return [...chat.messages.values()]
    .sort((a, b) => a.message.message_id - b.message.message_id)
    .map((m) => entry(m));
}

function entry(m: StoredMessage): TranscriptMessage {
  const msg = m.message;
  const out: TranscriptMessage = {
    message_id: msg.message_id,
    from_bot: m.fromBot,
    kind: m.kind,
    deleted: m.deleted,
    edited: m.edits > 0,
    date: msg.date,
  };
  const text = msg.text ?? msg.caption;
  if (text !== undefined) out.text = text;
  const entities = msg.entities ?? msg.caption_entities;
  if (entities) out.entities = clone(entities);
  if (isInlineMarkup(msg.reply_markup)) out.reply_markup = clone(msg.reply_markup);
  if (msg.invoice) out.invoice = clone(msg.invoice);
  if (msg.successful_payment) out.successful_payment = clone(msg.successful_payment);
  const largest = msg.photo?.at(-1);
  if (largest) {
    out.photo = {
      width: Number(largest.width),
      height: Number(largest.height),
      ...(typeof largest.file_size === 'number' ? { file_size: largest.file_size } : {}),
    };
  }
  if (msg.document) out.document = clone(msg.document);
  if (msg.chat.is_forum) {
    if (msg.is_topic_message && msg.message_thread_id !== undefined)
      out.message_thread_id = msg.message_thread_id;
    const reply = explicitReply(msg);
    if (reply !== undefined) out.reply_to_message_id = reply;
    const service = serviceOf(msg);
    if (service !== undefined) out.service = service;
    if (msg.from) out.from_name = [msg.from.first_name, msg.from.last_name].filter(Boolean).join(' ');
  }
  return out;
}
