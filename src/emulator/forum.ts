/**
 * A supergroup with topics (a forum) and the humans in it: the operators who write in topics and in
 * General, reply, edit, send photos and albums, and close, reopen, create and delete topics from
 * Telegram's own menus. Their messages and the topics' service messages reach the bot as updates,
 * shaped as Telegram shapes them (`message_thread_id` + `is_topic_message` in a topic; a reply in
 * General carries a thread id but no `is_topic_message`).
 */
import { asReplied, markAction, textFields, userMessage, view, waitForMessage } from './chats.js';
import { diceFields, editOwn, mediaFields, newMediaGroupId, pollFields, type MediaItem } from './actors.js';
import { createTopic, deleteTopic, TOPIC_ICON_COLORS } from './methods/forum.js';
import type { MessageMatcher } from './options.js';
import { clone } from './params.js';
import type { ChatState, EmulatorState, TopicState } from './state.js';
import type { AdminRights, BotMessageView, TgChatMember, TgMessage, TgUser } from './types.js';

export interface TopicView {
  id: number;
  name: string;
  icon_color: number;
  icon_custom_emoji_id?: string;
  closed: boolean;
  deleted: boolean;
  creatorId: number;
}

/** A message of the forum, anyone's, as the test sees it. */
export interface ForumMessageView extends BotMessageView {
  from_id?: number;
  from_bot: boolean;
}

/** What the bot may do in the forum: an administrator with rights, or a plain member. */
export type BotMembership =
  { status: 'administrator'; rights?: AdminRights } | { status: 'member' | 'left' | 'kicked' };

/** The rights an administrator bot gets unless the test says otherwise. */
export const FULL_TOPIC_RIGHTS: AdminRights = {
  can_manage_chat: true,
  can_delete_messages: true,
  can_pin_messages: true,
  can_manage_topics: true,
  can_restrict_members: true,
  can_invite_users: true,
  can_change_info: false,
};

function memberOf(user: TgUser, status: TgChatMember['status'], rights?: AdminRights): TgChatMember {
  return {
    user: clone(user),
    status,
    ...(status === 'administrator'
      ? { can_be_edited: false, is_anonymous: false, ...FULL_TOPIC_RIGHTS, ...rights }
      : {}),
    ...(status === 'creator' ? { is_anonymous: false } : {}),
  };
}

export class ForumChat {
  constructor(
    private readonly s: EmulatorState,
    private readonly state: ChatState,
  ) {}

  get id(): number {
    return this.state.chat.id;
  }

  /** Sets what the bot is in this group (administrator with `rights`, or a member). */
  setBot(membership: BotMembership): void {
    const rights = membership.status === 'administrator' ? membership.rights : undefined;
    this.state.members.set(this.s.botUser.id, memberOf(this.s.botUser, membership.status, rights));
  }

  /** Turns Topics on or off in the group's settings. */
  setForum(on: boolean): void {
    if (on) this.state.chat.is_forum = true;
    else delete this.state.chat.is_forum;
  }

  /** A human in the forum (an administrator unless said otherwise). */
  operator(
    info: { id: number; first_name: string; last_name?: string; username?: string },
    status: 'administrator' | 'creator' | 'member' = 'administrator',
  ): ForumOperator {
    const user: TgUser = { is_bot: false, ...info };
    this.state.members.set(user.id, memberOf(user, status, status === 'administrator' ? {} : undefined));
    return new ForumOperator(this.s, this.state, user);
  }

  topics(): TopicView[] {
    return [...this.state.topics.values()].map(topicView);
  }

  topic(id: number): TopicView | undefined {
    const t = this.state.topics.get(id);
    return t ? topicView(t) : undefined;
  }

  /** The forum's messages, anyone's, in order (deleted ones flagged); only one topic's when given, 'general' for General. */
  messages(thread?: number | 'general'): ForumMessageView[] {
    const out: ForumMessageView[] = [];
    for (const m of this.state.messages.values()) {
      const inTopic = m.message.is_topic_message === true;
      if (thread === 'general' && inTopic) continue;
      if (typeof thread === 'number' && (!inTopic || m.message.message_thread_id !== thread)) continue;
      out.push({ ...view(m), from_id: m.message.from?.id, from_bot: m.fromBot });
    }
    return out;
  }

  /** The bot's messages in the forum, in order, current state. */
  botMessages(): BotMessageView[] {
    return this.state.botMessages.map(view);
  }

  /**
   * The first bot message in the forum, sent or edited since an operator's last action, that
   * matches (a predicate can look at `message_thread_id`, `service`, `kind`…).
   */
  waitForMessage(matcher: MessageMatcher, timeoutMs = 5000): Promise<BotMessageView> {
    return waitForMessage(this.s, this.state, matcher, timeoutMs);
  }

  /** The next topic the bot creates (or one it created since an operator's last action). */
  async waitForTopic(timeoutMs = 5000): Promise<TopicView> {
    const created = await this.waitForMessage((m) => m.service === 'forum_topic_created', timeoutMs);
    return topicView(this.state.topics.get(created.message_id)!);
  }
}

function topicView(t: TopicState): TopicView {
  return {
    id: t.id,
    name: t.name,
    icon_color: t.icon_color,
    ...(t.icon_custom_emoji_id ? { icon_custom_emoji_id: t.icon_custom_emoji_id } : {}),
    closed: t.closed,
    deleted: t.deleted,
    creatorId: t.creatorId,
  };
}

/** A human operator in a forum: what they do in Telegram's client reaches the bot as updates. */
export class ForumOperator {
  constructor(
    private readonly s: EmulatorState,
    private readonly state: ChatState,
    readonly info: TgUser,
  ) {}

  get id(): number {
    return this.info.id;
  }

  private topic(thread: number): TopicState {
    const t = this.state.topics.get(thread);
    if (!t || t.deleted) throw new Error(`operator: forum ${this.state.chat.id} has no topic ${thread}`);
    return t;
  }

  /** Where a message written in a topic (or in General, without one) goes. */
  private where(thread: number | undefined): Partial<TgMessage> {
    if (thread === undefined) return {};
    this.topic(thread);
    const root = this.state.messages.get(thread);
    return {
      message_thread_id: thread,
      is_topic_message: true,
      ...(root ? { reply_to_message: asReplied(root.message) } : {}),
    };
  }

  private post(fields: Partial<TgMessage>, kind: Parameters<typeof userMessage>[4]): TgMessage {
    return userMessage(this.s, this.state, this.info, fields, kind);
  }

  /** A text in topic `thread`, or in General when `thread` is undefined. */
  send(text: string, thread?: number): TgMessage {
    return this.post({ ...this.where(thread), ...textFields(text) }, 'text');
  }

  /**
   * Replies to a message: in its topic, or in General, where the reply carries the replied
   * message's id as message_thread_id but no is_topic_message.
   */
  reply(messageId: number, text: string): TgMessage {
    const target = this.state.messages.get(messageId);
    if (!target || target.deleted) throw new Error(`reply: no message #${messageId} in the forum`);
    const t = target.message;
    const where: Partial<TgMessage> = t.is_topic_message
      ? { message_thread_id: t.message_thread_id, is_topic_message: true }
      : { message_thread_id: t.message_thread_id ?? t.message_id };
    return this.post({ ...where, ...textFields(text), reply_to_message: asReplied(t) }, 'text');
  }

  sendPhoto(thread: number | undefined, caption?: string): TgMessage {
    return this.sendMedia(thread, { type: 'photo', caption });
  }

  sendMedia(thread: number | undefined, item: MediaItem): TgMessage {
    return this.post({ ...this.where(thread), ...mediaFields(this.s, item) }, item.type);
  }

  sendAlbum(thread: number | undefined, items: MediaItem[]): TgMessage[] {
    const group = newMediaGroupId(this.s);
    return items.map((item) =>
      this.post({ ...this.where(thread), ...mediaFields(this.s, item), media_group_id: group }, item.type),
    );
  }

  sendPoll(thread: number | undefined, question: string, options: string[]): TgMessage {
    return this.post({ ...this.where(thread), ...pollFields(this.s, question, options) }, 'poll');
  }

  sendDice(thread: number | undefined, emoji = '🎲'): TgMessage {
    return this.post({ ...this.where(thread), ...diceFields(emoji) }, 'dice');
  }

  /** Edits one of this operator's messages (text or caption): an `edited_message` update. */
  edit(messageId: number, newText: string): TgMessage {
    return editOwn(this.s, this.state, this.info, messageId, newText);
  }

  private service(thread: number, fields: Partial<TgMessage>): TgMessage {
    return this.post({ message_thread_id: thread, is_topic_message: true, ...fields }, 'service');
  }

  /** Closes the topic from Telegram's menu: a forum_topic_closed service message. */
  closeTopic(thread: number): TgMessage {
    const t = this.topic(thread);
    if (t.closed) throw new Error(`closeTopic: topic ${thread} is already closed`);
    t.closed = true;
    return this.service(thread, { forum_topic_closed: {} });
  }

  reopenTopic(thread: number): TgMessage {
    const t = this.topic(thread);
    if (!t.closed) throw new Error(`reopenTopic: topic ${thread} is open`);
    t.closed = false;
    return this.service(thread, { forum_topic_reopened: {} });
  }

  renameTopic(thread: number, name: string): TgMessage {
    const t = this.topic(thread);
    t.name = name;
    return this.service(thread, { forum_topic_edited: { name } });
  }

  /** Creates a topic by hand (one that belongs to no conversation). */
  createTopic(name: string): TopicView {
    const { topic, created } = createTopic(this.s, this.state, this.id, name, TOPIC_ICON_COLORS[1]);
    this.post(created, 'service');
    return topicView(topic);
  }

  /** Deletes a topic with all its messages; Telegram sends the bot no update for it. */
  deleteTopic(thread: number): void {
    markAction(this.state);
    deleteTopic(this.state, this.topic(thread));
  }
}
