/**
 * Messages in chats, from either side: storing them, their view for tests, and waiting for a bot
 * message. Used by the message methods (the bot's side) and by the actors (the users' side).
 */
import { ApiError, DESCRIPTIONS, bad } from './errors.js';
import { fileIdOf, kindOf, serviceOf } from './media.js';
import type { EmulatorState, ChatState, MessageWaiter, StoredMessage } from './state.js';
import type { ButtonMatcher, MessageMatcher } from './options.js';
import {
  buttonRows,
  clone,
  describeMatcher,
  isInlineMarkup,
  isObject,
  optBool,
  optInt,
  optJson,
  textMatches,
  type Params,
} from './params.js';
import type { BotMessageView, TgMessage, TgUser } from './types.js';

/** The chat's user acted: later bot messages answer this action. */
export function markAction(chat: ChatState): void {
  chat.known = true;
  chat.recent = new Set();
}

/** Stores a new message in a chat, from a user or from the bot, with the next message id. */
function store(
  s: EmulatorState,
  chat: ChatState,
  from: TgUser,
  fields: Partial<TgMessage>,
  extra: Pick<StoredMessage, 'fromBot' | 'kind'> & Partial<StoredMessage>,
): StoredMessage {
  const message: TgMessage = {
    message_id: chat.nextMessageId++,
    from: clone(from),
    chat: clone(chat.chat),
    date: s.unixNow(),
    ...fields,
  };
  const stored: StoredMessage = { chat, message, createdAt: s.now(), deleted: false, edits: 0, ...extra };
  chat.messages.set(message.message_id, stored);
  (extra.fromBot ? chat.botMessages : chat.userMessages).push(stored);
  return stored;
}

/** Adds a message from a user to a chat and queues it as a `message` update. */
export function userMessage(
  s: EmulatorState,
  chat: ChatState,
  from: TgUser,
  fields: Partial<TgMessage>,
  kind: StoredMessage['kind'],
  markAsAction = true,
): TgMessage {
  if (markAsAction) markAction(chat);
  chat.known = true;
  const { message } = store(s, chat, from, fields, { fromBot: false, kind });
  s.enqueue({ message: clone(message) });
  return clone(message);
}

/** A text message with a bot_command entity when it starts with one. */
export function textFields(text: string): Partial<TgMessage> {
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return {
    text,
    ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
  };
}

/** Stores a message the bot sent and wakes the waiters it satisfies. */
export function botMessage(
  s: EmulatorState,
  chat: ChatState,
  fields: Partial<TgMessage>,
  extra: Partial<StoredMessage>,
): TgMessage {
  const kind = kindOf(fields);
  const stored = store(s, chat, s.botUser, fields, { fromBot: true, kind, ...extra });
  changed(stored);
  return clone(stored.message);
}

/** A bot message was sent, edited or deleted: wake the chat's waiters it satisfies. */
export function changed(m: StoredMessage): void {
  const chat = m.chat;
  if (m.deleted) return;
  chat.recent.add(m);
  if (chat.waiters.size === 0) return;
  const v = view(m);
  for (const w of [...chat.waiters]) {
    if (w.matches(v)) {
      chat.waiters.delete(w);
      w.resolve(v);
    }
  }
}

export function view(m: StoredMessage): BotMessageView {
  const msg = m.message;
  const out: BotMessageView = {
    message_id: msg.message_id,
    chat_id: msg.chat.id,
    text: msg.text ?? msg.caption ?? '',
    buttons: buttonRows(msg.reply_markup),
    deleted: m.deleted,
    edits: m.edits,
    date: msg.date,
    kind: m.kind,
  };
  const fileId = fileIdOf(msg);
  if (fileId !== undefined) out.file_id = fileId;
  if (msg.media_group_id !== undefined) out.media_group_id = msg.media_group_id;
  if (msg.message_thread_id !== undefined) out.message_thread_id = msg.message_thread_id;
  if (msg.is_topic_message) out.is_topic_message = true;
  const reply = explicitReply(msg);
  if (reply !== undefined) out.reply_to_message_id = reply;
  const service = serviceOf(msg);
  if (service !== undefined) out.service = service;
  if (m.html !== undefined) out.html = m.html;
  if (m.parseMode !== undefined) out.parse_mode = m.parseMode;
  if (msg.entities) out.entities = clone(msg.entities);
  if (msg.reply_markup) out.reply_markup = clone(msg.reply_markup);
  if (msg.invoice) out.invoice = clone(msg.invoice);
  if (msg.edit_date !== undefined) out.edit_date = msg.edit_date;
  return out;
}

/** The first bot message sent or edited since the user's last action that matches. */
export function waitForMessage(
  s: EmulatorState,
  chat: ChatState,
  matcher: MessageMatcher,
  timeoutMs: number,
): Promise<BotMessageView> {
  const matches =
    typeof matcher === 'function' ? matcher : (v: BotMessageView): boolean => textMatches(matcher, v.text);
  for (const m of chat.recent) {
    if (m.deleted) continue;
    const v = view(m);
    if (matches(v)) return Promise.resolve(v);
  }
  if (s.stopped) return Promise.reject(new Error('waitForMessage: the emulator is stopped'));
  return new Promise<BotMessageView>((resolve, reject) => {
    const waiter: MessageWaiter = {
      matches,
      resolve: (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    };
    const timer = setTimeout(() => {
      chat.waiters.delete(waiter);
      const since = [...chat.recent].map(
        (m) =>
          `#${m.message.message_id}${m.deleted ? ' (deleted)' : ''}: ${JSON.stringify(m.message.text ?? '')}`,
      );
      const latest = chat.botMessages
        .slice(-3)
        .map((m) => `#${m.message.message_id}: ${JSON.stringify(m.message.text ?? '')}`);
      reject(
        new Error(
          `waitForMessage(${describeMatcher(matcher)}) timed out after ${timeoutMs} ms in chat ${chat.chat.id}.\n` +
            `  Bot messages since the user's last action: ${since.length ? since.join('; ') : 'none'}\n` +
            `  Latest bot messages: ${latest.length ? latest.join('; ') : 'none'}`,
        ),
      );
    }, timeoutMs);
    chat.waiters.add(waiter);
  });
}

/** The error for a press that found no button: lists the buttons the user could have pressed. */
export function pressError(chat: ChatState, matcher: ButtonMatcher, messageId?: number): Error {
  const withButtons = chat.botMessages.filter((m) => !m.deleted && isInlineMarkup(m.message.reply_markup));
  const listed = withButtons
    .slice(-3)
    .reverse()
    .map(
      (m) =>
        `  #${m.message.message_id}: ` +
        buttonRows(m.message.reply_markup)
          .map((row) => row.map((t) => `[${t}]`).join(' '))
          .join(' / '),
    );
  return new Error(
    `press(${describeMatcher(matcher)}): no such button ${messageId !== undefined ? `on message #${messageId}` : 'on any bot message'} in chat ${chat.chat.id}.\n` +
      (listed.length
        ? `Buttons on the newest bot messages:\n${listed.join('\n')}`
        : 'The bot has sent no buttons in this chat.'),
  );
}

/** The message a message replies to on purpose (a topic's messages also "reply" to its root). */
export function explicitReply(msg: TgMessage): number | undefined {
  const r = msg.reply_to_message;
  if (!r || r.forum_topic_created) return undefined;
  return r.message_id;
}

/** A message as reply_to_message carries it: one level deep. */
export function asReplied(msg: TgMessage): TgMessage {
  const out = clone(msg);
  delete out.reply_to_message;
  return out;
}

/** The status of `userId` in a group lets them manage topics (creator, or admin with the right). */
export function canManageTopics(chat: ChatState, userId: number): boolean {
  const m = chat.members.get(userId);
  return m?.status === 'creator' || (m?.status === 'administrator' && m.can_manage_topics === true);
}

/** The message a bot's send replies to: reply_parameters or the older reply_to_message_id. */
function replyTarget(chat: ChatState, p: Params): StoredMessage | undefined {
  const rp = optJson(p, 'reply_parameters');
  let id: number | undefined;
  let allowWithout = optBool(p, 'allow_sending_without_reply') ?? false;
  if (rp !== undefined) {
    if (!isObject(rp) || typeof rp.message_id !== 'number') {
      throw bad("can't parse reply parameters JSON object");
    }
    if (rp.chat_id !== undefined && String(rp.chat_id) !== String(chat.chat.id)) return undefined;
    id = rp.message_id;
    allowWithout = rp.allow_sending_without_reply === true;
  } else {
    id = optInt(p, 'reply_to_message_id');
  }
  if (id === undefined) return undefined;
  const target = chat.messages.get(id);
  if (target && !target.deleted) return target;
  if (allowWithout) return undefined;
  throw bad('message to be replied not found');
}

/**
 * Where a bot's new message goes: its topic (message_thread_id, or the topic of the message it
 * replies to) and what it replies to. A deleted topic answers "message thread not found"; a closed
 * one refuses a bot without "Manage topics".
 */
export function placement(s: EmulatorState, chat: ChatState, p: Params): Partial<TgMessage> {
  const reply = replyTarget(chat, p);
  let thread = optInt(p, 'message_thread_id');
  if ((thread === undefined || thread === 0) && reply?.message.is_topic_message) {
    thread = reply.message.message_thread_id;
  }
  const out: Partial<TgMessage> = {};
  if (thread !== undefined && thread !== 0 && chat.chat.type !== 'private') {
    const topic = chat.chat.is_forum ? chat.topics.get(thread) : undefined;
    if (!topic || topic.deleted) throw new ApiError(400, DESCRIPTIONS.threadNotFound);
    if (topic.closed && !canManageTopics(chat, s.botUser.id)) throw bad('TOPIC_CLOSED');
    out.message_thread_id = thread;
    out.is_topic_message = true;
    const root = chat.messages.get(thread);
    const replied = reply ?? root;
    if (replied) out.reply_to_message = asReplied(replied.message);
  } else if (reply) {
    out.reply_to_message = asReplied(reply.message);
  }
  return out;
}
