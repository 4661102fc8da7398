/**
 * Bot API methods on chats and forum topics: getChat, getChatMember, getChatAdministrators,
 * createForumTopic, editForumTopic, closeForumTopic, reopenForumTopic, deleteForumTopic,
 * getForumTopicIconStickers. Topic changes post their service message in the topic, as Telegram does
 * (the bot's own service messages are not sent back to it as updates).
 */
import { ApiError, DESCRIPTIONS, bad } from '../errors.js';
import { botMessage, canManageTopics } from '../chats.js';
import { clone, optInt, optString, type Params } from '../params.js';
import type { ChatState, EmulatorState, Method, TopicState } from '../state.js';
import type { TgChatMember, TgForumTopic, TgMessage } from '../types.js';

/** The colours a topic icon may have (Telegram's fixed set). */
export const TOPIC_ICON_COLORS = [7322096, 16766590, 13338331, 9367192, 16749490, 16478047] as const;
/** A topic name: 1–128 characters. */
export const MAX_TOPIC_NAME = 128;

function forum(s: EmulatorState, p: Params): ChatState {
  const chat = s.resolveChat(p);
  if (chat.chat.type !== 'supergroup' || !chat.chat.is_forum) throw new ApiError(400, DESCRIPTIONS.notForum);
  return chat;
}

function requireRight(chat: ChatState, s: EmulatorState, what: string, topic?: TopicState): void {
  if (topic && topic.creatorId === s.botUser.id) return;
  if (!canManageTopics(chat, s.botUser.id)) throw bad(`not enough rights to ${what}`);
}

function topicOf(chat: ChatState, p: Params): TopicState {
  const id = optInt(p, 'message_thread_id');
  if (id === undefined) throw bad('message thread identifier is not specified');
  const topic = chat.topics.get(id);
  if (!topic || topic.deleted) throw new ApiError(400, DESCRIPTIONS.topicInvalid);
  return topic;
}

function topicName(raw: string | undefined): string {
  const name = (raw ?? '').trim();
  if (name === '') throw bad('TOPIC_TITLE_EMPTY');
  if ([...name].length > MAX_TOPIC_NAME) throw bad('TOPIC_TITLE_TOO_LONG');
  return name;
}

/** Posts a topic's service message from the bot (counted against the group's rate). */
function service(s: EmulatorState, chat: ChatState, topic: TopicState, fields: Partial<TgMessage>): void {
  s.checkRate(chat);
  botMessage(
    s,
    chat,
    {
      message_thread_id: topic.id,
      is_topic_message: true,
      ...fields,
    },
    {},
  );
}

/** Creates a topic whose id is its forum_topic_created message's id; shared with human creators. */
export function createTopic(
  s: EmulatorState,
  chat: ChatState,
  creatorId: number,
  name: string,
  iconColor: number,
  iconEmoji?: string,
): { topic: TopicState; created: Partial<TgMessage> } {
  const id = chat.nextMessageId;
  const topic: TopicState = {
    id,
    name,
    icon_color: iconColor,
    ...(iconEmoji ? { icon_custom_emoji_id: iconEmoji } : {}),
    closed: false,
    deleted: false,
    creatorId,
  };
  chat.topics.set(id, topic);
  const created: Partial<TgMessage> = {
    message_thread_id: id,
    is_topic_message: true,
    forum_topic_created: {
      name,
      icon_color: iconColor,
      ...(iconEmoji ? { icon_custom_emoji_id: iconEmoji } : {}),
    },
  };
  return { topic, created };
}

export function topicView(topic: TopicState): TgForumTopic {
  return {
    message_thread_id: topic.id,
    name: topic.name,
    icon_color: topic.icon_color,
    ...(topic.icon_custom_emoji_id ? { icon_custom_emoji_id: topic.icon_custom_emoji_id } : {}),
  };
}

export const forumMethods: Record<string, Method> = {
  getChat(s, p): Record<string, unknown> {
    const chat = s.resolveChat(p);
    return { ...clone(chat.chat), accent_color_id: 0, max_reaction_count: 11 };
  },

  getChatMember(s, p): TgChatMember {
    const chat = s.resolveChat(p);
    const userId = optInt(p, 'user_id');
    if (userId === undefined) throw bad('user_id is empty');
    const member = chat.members.get(userId);
    if (member) return clone(member);
    if (chat.chat.type === 'private' && chat.chat.id === userId) {
      return {
        user: { id: userId, is_bot: false, first_name: chat.chat.first_name ?? '' },
        status: 'member',
      };
    }
    const other = s.chats.get(userId);
    if (other?.chat.type === 'private') {
      return { user: { id: userId, is_bot: false, first_name: other.chat.first_name ?? '' }, status: 'left' };
    }
    throw bad('user not found');
  },

  getChatAdministrators(s, p): TgChatMember[] {
    const chat = s.resolveChat(p);
    if (chat.chat.type === 'private') throw bad('there are no administrators in the private chat');
    return [...chat.members.values()]
      .filter((m) => m.status === 'creator' || m.status === 'administrator')
      .map((m) => clone(m));
  },

  createForumTopic(s, p): TgForumTopic {
    const chat = forum(s, p);
    requireRight(chat, s, 'create a topic');
    const name = topicName(optString(p, 'name'));
    const color = optInt(p, 'icon_color') ?? TOPIC_ICON_COLORS[0];
    if (!(TOPIC_ICON_COLORS as readonly number[]).includes(color)) throw bad('TOPIC_ICON_COLOR_INVALID');
    const emoji = optString(p, 'icon_custom_emoji_id');
    s.checkRate(chat);
    const { topic, created } = createTopic(s, chat, s.botUser.id, name, color, emoji || undefined);
    botMessage(s, chat, created, {});
    return topicView(topic);
  },

  editForumTopic(s, p): true {
    const chat = forum(s, p);
    const topic = topicOf(chat, p);
    requireRight(chat, s, 'edit a topic', topic);
    const rawName = optString(p, 'name');
    const name = rawName === undefined || rawName === '' ? undefined : topicName(rawName);
    const emoji = optString(p, 'icon_custom_emoji_id');
    const nameChanges = name !== undefined && name !== topic.name;
    const emojiChanges = emoji !== undefined && emoji !== (topic.icon_custom_emoji_id ?? '');
    if (!nameChanges && !emojiChanges) throw new ApiError(400, DESCRIPTIONS.topicNotModified);
    service(s, chat, topic, {
      forum_topic_edited: {
        ...(nameChanges ? { name } : {}),
        ...(emojiChanges ? { icon_custom_emoji_id: emoji } : {}),
      },
    });
    if (nameChanges) topic.name = name;
    if (emojiChanges) {
      if (emoji) topic.icon_custom_emoji_id = emoji;
      else delete topic.icon_custom_emoji_id;
    }
    return true;
  },

  closeForumTopic(s, p): true {
    const chat = forum(s, p);
    const topic = topicOf(chat, p);
    requireRight(chat, s, 'close a topic', topic);
    if (topic.closed) throw new ApiError(400, DESCRIPTIONS.topicNotModified);
    service(s, chat, topic, { forum_topic_closed: {} });
    topic.closed = true;
    return true;
  },

  reopenForumTopic(s, p): true {
    const chat = forum(s, p);
    const topic = topicOf(chat, p);
    requireRight(chat, s, 'reopen a topic', topic);
    if (!topic.closed) throw new ApiError(400, DESCRIPTIONS.topicNotModified);
    service(s, chat, topic, { forum_topic_reopened: {} });
    topic.closed = false;
    return true;
  },

  deleteForumTopic(s, p): true {
    const chat = forum(s, p);
    const topic = topicOf(chat, p);
    const bot = chat.members.get(s.botUser.id);
    const canDelete =
      bot?.status === 'creator' || (bot?.status === 'administrator' && bot.can_delete_messages === true);
    if (!canDelete) throw bad('not enough rights to delete a topic');
    deleteTopic(chat, topic);
    return true;
  },

  getForumTopicIconStickers(): Record<string, unknown>[] {
    return ['5357419403325481346', '5312536423851630001', '5377498341074542641'].map((id, i) => ({
      file_id: `CAACAgIAAxUAAWZ${id}`,
      file_unique_id: `AgAD${i}`,
      type: 'custom_emoji',
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      custom_emoji_id: id,
      emoji: ['💬', '❓', '⭐'][i],
    }));
  },
};

/** A topic deleted with everything in it; later sends into it find no thread. */
export function deleteTopic(chat: ChatState, topic: TopicState): void {
  topic.deleted = true;
  for (const m of chat.messages.values()) {
    if (m.message.is_topic_message && m.message.message_thread_id === topic.id) m.deleted = true;
  }
}
