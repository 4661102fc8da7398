/** The Bot API object shapes the emulator produces (the subset the project uses). */
import type { MessageEntity } from './html.js';

export type { MessageEntity };

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  last_name?: string;
  username?: string;
  /** A supergroup with topics on. */
  is_forum?: boolean;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  pay?: boolean;
  [field: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

/** Inline keyboards are validated; reply keyboards and the rest are stored as sent. */
export type ReplyMarkup = InlineKeyboardMarkup | Record<string, unknown>;

export interface TgInvoice {
  title: string;
  description: string;
  start_parameter: string;
  currency: string;
  total_amount: number;
}

export interface TgSuccessfulPayment {
  currency: string;
  total_amount: number;
  invoice_payload: string;
  telegram_payment_charge_id: string;
  provider_payment_charge_id: string;
}

/** A file a user sent as a document (the emulator keeps its description, not its bytes). */
export interface TgUserDocument {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface TgMessage {
  message_id: number;
  from?: TgUser;
  chat: TgChat;
  date: number;
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  reply_markup?: ReplyMarkup;
  invoice?: TgInvoice;
  successful_payment?: TgSuccessfulPayment;
  sticker?: Record<string, unknown>;
  photo?: Record<string, unknown>[];
  document?: TgUserDocument;
  voice?: Record<string, unknown>;
  video?: Record<string, unknown>;
  audio?: Record<string, unknown>;
  animation?: Record<string, unknown>;
  video_note?: Record<string, unknown>;
  poll?: Record<string, unknown>;
  dice?: { emoji: string; value: number };
  /** A shared contact (the user's own, through a contact-request button). */
  contact?: { phone_number: string; first_name: string; last_name?: string; user_id?: number };
  /** Items of one album share it. */
  media_group_id?: string;
  /** The topic of a forum message; a reply in General carries the replied message's id here too. */
  message_thread_id?: number;
  /** True only for messages in a forum topic (not General). */
  is_topic_message?: boolean;
  reply_to_message?: TgMessage;
  forum_topic_created?: { name: string; icon_color: number; icon_custom_emoji_id?: string };
  forum_topic_edited?: { name?: string; icon_custom_emoji_id?: string };
  forum_topic_closed?: Record<string, never>;
  forum_topic_reopened?: Record<string, never>;
}

/** What a message is, for views and for the copy rules. */
export type MessageKind =
  | 'text'
  | 'invoice'
  | 'successful_payment'
  | 'sticker'
  | 'photo'
  | 'document'
  | 'voice'
  | 'video'
  | 'audio'
  | 'animation'
  | 'video_note'
  | 'poll'
  | 'dice'
  | 'contact'
  /** forum_topic_created/edited/closed/reopened. */
  | 'service';

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message?: TgMessage;
  chat_instance: string;
  data?: string;
}

export interface TgPreCheckoutQuery {
  id: string;
  from: TgUser;
  currency: string;
  total_amount: number;
  invoice_payload: string;
}

/** An administrator's rights, as getChatMember reports them (the ones the project checks). */
export interface AdminRights {
  can_manage_chat?: boolean;
  can_delete_messages?: boolean;
  can_pin_messages?: boolean;
  can_manage_topics?: boolean;
  can_restrict_members?: boolean;
  can_invite_users?: boolean;
  can_change_info?: boolean;
}

export interface TgChatMember extends AdminRights {
  user: TgUser;
  status: 'member' | 'kicked' | 'left' | 'administrator' | 'creator' | 'restricted';
  until_date?: number;
  can_be_edited?: boolean;
  is_anonymous?: boolean;
}

export interface TgForumTopic {
  message_thread_id: number;
  name: string;
  icon_color: number;
  icon_custom_emoji_id?: string;
}

export interface TgFile {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path?: string;
}

export interface TgChatMemberUpdated {
  chat: TgChat;
  from: TgUser;
  date: number;
  old_chat_member: TgChatMember;
  new_chat_member: TgChatMember;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  callback_query?: TgCallbackQuery;
  pre_checkout_query?: TgPreCheckoutQuery;
  my_chat_member?: TgChatMemberUpdated;
}

export interface BotCommand {
  command: string;
  description: string;
}

export interface BotCommandScope {
  type: string;
  chat_id?: number | string;
  user_id?: number;
}

/** A Bot API error, as the emulator answers it and as failNext injects it. */
export interface ApiErrorSpec {
  error_code: number;
  description: string;
  retry_after?: number;
}

export interface CallRecord {
  method: string;
  params: Record<string, unknown>;
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  /** Emulator clock (ms) when the call arrived. */
  at: number;
  /** True when the bot made the call in the body of a webhook response. */
  viaWebhookReply?: boolean;
}

/** A bot message as the test sees it: its current state, after edits and deletion. */
export interface BotMessageView {
  message_id: number;
  chat_id: number;
  /** Plain text after entity parsing ('' for an invoice). */
  text: string;
  /** The raw text as the bot sent it when parse_mode was HTML. */
  html?: string;
  parse_mode?: string;
  entities?: MessageEntity[];
  reply_markup?: ReplyMarkup;
  invoice?: TgInvoice;
  /** Rows of inline button texts ([] without an inline keyboard). */
  buttons: string[][];
  deleted: boolean;
  edits: number;
  date: number;
  edit_date?: number;
  kind: MessageKind;
  /** The file_id of a media message (the largest size of a photo). */
  file_id?: string;
  media_group_id?: string;
  message_thread_id?: number;
  is_topic_message?: boolean;
  /** The message it explicitly replies to (not a topic's root). */
  reply_to_message_id?: number;
  /** For a service message: forum_topic_created, forum_topic_closed… */
  service?: string;
}

export interface UserMessageView {
  message_id: number;
  chat_id: number;
  kind: Exclude<MessageKind, 'invoice'>;
  text?: string;
  deleted: boolean;
  edits: number;
  date: number;
}
