/**
 * The forum-topics channel (kind 'topics'): operators work in a Telegram supergroup with Topics on,
 * one topic per seller, through the same bot the sellers write to.
 *
 * - A topic is titled with the seller's name, @username and shops; its first message is the seller
 *   card. Seller messages are copied into it (copyMessage; albums with copyMessages, so they stay
 *   albums) and nothing is downloaded: files of any size go through.
 * - Operators (humans) answer in the topic; their messages reach the core as operator_message events:
 *   a plain text as text, anything else with the ids to copy to the seller. Messages from bots, in General (a reply there also carries a
 *   thread id: only `is_topic_message` says "in a topic") and in topics of no conversation are
 *   ignored quietly.
 * - In a topic: /close closes the conversation and the topic, a topic closed from Telegram's menu
 *   does the same, /ban and /unban set the support ban, /info posts the card again.
 * - Failures say what the core should do: a deleted topic ("message thread not found") is 'lost'
 *   (the core opens again: a new topic, the card with a note, then the message), a 429 is 'retry'
 *   after retry_after (a forum takes ~20 messages a minute), another 4xx on a message is 'reject'.
 *
 * No message text is kept or logged: only ids.
 */
import { TelegramError, type Telegram } from 'telegraf';
import type { Message, Update } from 'telegraf/types';
import { cut } from '../../bot/texts/html.js';
import {
  ChannelError,
  type Capabilities,
  type ChannelFactory,
  type ChannelRuntime,
  type ConversationRef,
  type SellerCard,
  type SellerMessage,
  type StartCheck,
  type SupportChannel,
} from '../channel.js';
import { topicsTexts, type TopicsTexts } from './topics-texts.js';

/** The colours Telegram allows for a topic icon. */
export const TOPIC_ICON_COLORS = [7322096, 16766590, 13338331, 9367192, 16749490, 16478047] as const;
/** Telegram's longest topic name. */
export const MAX_TOPIC_TITLE = 128;
/** The default title: the seller's name, @username and shops (empty parts left out). */
export const DEFAULT_TITLE_TEMPLATE = '{name} · {username} · {shops}';
/** How long the items of an operator's album are gathered before they go as one message. */
const ALBUM_GATHER_MS = 800;

export interface TopicsSettings {
  forumChatId: number;
  iconColor: number;
  titleTemplate: string;
  language: 'ru' | 'en';
}

/** The channel's settings from support_channels.settings, or what is wrong with them. */
export function parseTopicsSettings(raw: Record<string, unknown>): TopicsSettings | string {
  const id = raw.forumChatId;
  const forumChatId =
    typeof id === 'number' ? id : typeof id === 'string' && /^-\d+$/.test(id.trim()) ? Number(id) : NaN;
  if (!Number.isSafeInteger(forumChatId) || forumChatId >= 0) {
    return 'forumChatId must be the id of the forum supergroup (a negative number like -1001234567890)';
  }
  const color =
    raw.iconColor === undefined || raw.iconColor === '' ? TOPIC_ICON_COLORS[3] : Number(raw.iconColor);
  if (!(TOPIC_ICON_COLORS as readonly number[]).includes(color)) {
    return `iconColor must be one of ${TOPIC_ICON_COLORS.join(', ')}`;
  }
  const template =
    typeof raw.titleTemplate === 'string' && raw.titleTemplate.trim() !== ''
      ? raw.titleTemplate
      : DEFAULT_TITLE_TEMPLATE;
  const language = raw.language === 'en' ? 'en' : 'ru';
  return { forumChatId, iconColor: color, titleTemplate: template, language };
}

/** A topic title from the template: {name}, {username} (with its @), {shops}, {id}; at most 128 characters. */
export function topicTitle(template: string, seller: SellerCard): string {
  const name = [seller.firstName, seller.lastName].filter(Boolean).join(' ').trim();
  const values: Record<string, string> = {
    name,
    username: seller.username ? `@${seller.username}` : '',
    shops: seller.shops.join(', '),
    id: String(seller.telegramId),
  };
  // Split on the separators first, so one around an empty part goes with it.
  const pieces = template.split(/(\s+[·|]\s+)/);
  let title = '';
  for (let i = 0; i < pieces.length; i += 2) {
    const part = pieces[i].replace(/\{(name|username|shops|id)\}/g, (_, key: string) => values[key]).trim();
    if (part === '') continue;
    title += (title === '' ? '' : (pieces[i - 1] ?? ' ')) + part;
  }
  title = title.replace(/\s+/g, ' ').trim();
  return cut(title || String(seller.telegramId), MAX_TOPIC_TITLE);
}

const describe = (err: unknown): string =>
  err instanceof TelegramError ? err.description : err instanceof Error ? err.message : String(err);

/** The topic is gone: deleted by a human, or archived in a forum past a million messages. */
export function isTopicLost(err: unknown): boolean {
  return (
    err instanceof TelegramError &&
    err.code === 400 &&
    /message thread not found|TOPIC_ID_INVALID|TOPIC_DELETED/i.test(err.description)
  );
}

const isTopicNotModified = (err: unknown): boolean =>
  err instanceof TelegramError && /TOPIC_NOT_MODIFIED/i.test(err.description);

const isNotModified = (err: unknown): boolean =>
  err instanceof TelegramError && /message is not modified/i.test(err.description);

/**
 * What the core should do about a failed call. `onMessage`: the call carried one seller message, so
 * a 4xx about it means this message can never go through.
 */
export function toChannelError(err: unknown, onMessage: boolean): ChannelError {
  if (err instanceof ChannelError) return err;
  if (!(err instanceof TelegramError))
    return new ChannelError(`Telegram unreachable: ${describe(err)}`, 'retry');
  const d = err.description;
  if (err.code === 429) return new ChannelError(d, 'retry', err.parameters?.retry_after ?? 1);
  if (isTopicLost(err)) return new ChannelError(d, 'lost');
  // The forum itself is wrong (the bot removed, demoted, the chat gone): staff must fix it; keep the messages.
  if (
    err.code === 401 ||
    err.code === 403 ||
    err.code === 404 ||
    err.code >= 500 ||
    /chat not found|not enough rights|CHAT_ADMIN_REQUIRED|TOPIC_CLOSED|need administrator rights/i.test(d)
  ) {
    return new ChannelError(d, 'retry');
  }
  return new ChannelError(d, onMessage ? 'reject' : 'retry');
}

interface Gathering {
  conversation: ConversationRef;
  ids: number[];
  operatorName?: string;
  text?: string;
  replyTo?: string;
  timer: NodeJS.Timeout;
}

type ForumMessage = Message & {
  message_thread_id?: number;
  is_topic_message?: boolean;
  media_group_id?: string;
  text?: string;
  caption?: string;
  reply_to_message?: Message & { forum_topic_created?: unknown };
  forum_topic_closed?: unknown;
  forum_topic_created?: unknown;
  forum_topic_reopened?: unknown;
  forum_topic_edited?: unknown;
};

const COMMAND = /^\/(close|ban|unban|info)(?:@([A-Za-z0-9_]+))?(?:\s|$)/;

export class TopicsChannel implements SupportChannel {
  readonly kind = 'topics' as const;
  readonly capabilities: Capabilities = { files: 'copy', edits: true, reopens: true };
  private settings?: TopicsSettings;
  private botUsername?: string;
  private running = false;
  private readonly albums = new Map<string, Gathering>();

  constructor(
    private readonly runtime: ChannelRuntime,
    private readonly telegram: Telegram,
  ) {}

  private get forum(): number {
    if (!this.settings) throw new ChannelError('the channel is not started', 'retry');
    return this.settings.forumChatId;
  }

  private get texts(): TopicsTexts {
    return topicsTexts[this.settings?.language ?? 'ru'];
  }

  private thread(conversation: ConversationRef): number {
    const id = Number(conversation.externalId);
    if (!Number.isSafeInteger(id) || id <= 0)
      throw new ChannelError('no topic for this conversation', 'lost');
    return id;
  }

  async start(): Promise<StartCheck> {
    const parsed = parseTopicsSettings(this.runtime.settings);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    this.settings = parsed;
    const chatId = parsed.forumChatId;
    let botId: number;
    try {
      const me = await this.telegram.getMe();
      botId = me.id;
      this.botUsername = me.username;
    } catch (err) {
      return { ok: false, reason: `Telegram did not answer getMe: ${describe(err)}` };
    }
    let chat: { type: string; is_forum?: boolean };
    try {
      chat = (await this.telegram.getChat(chatId)) as { type: string; is_forum?: boolean };
    } catch (err) {
      return {
        ok: false,
        reason: `the bot cannot see the chat ${chatId} (${describe(err)}): add the bot to the forum`,
      };
    }
    if (chat.type !== 'supergroup' || chat.is_forum !== true) {
      return {
        ok: false,
        reason: `the chat ${chatId} is not a forum: turn Topics on in the group's settings`,
      };
    }
    let member: { status: string; can_manage_topics?: boolean };
    try {
      member = (await this.telegram.getChatMember(chatId, botId)) as typeof member;
    } catch (err) {
      return { ok: false, reason: `the bot's rights in the forum could not be read: ${describe(err)}` };
    }
    if (member.status !== 'administrator' && member.status !== 'creator') {
      return { ok: false, reason: 'the bot is not an administrator of the forum' };
    }
    if (member.status === 'administrator' && member.can_manage_topics !== true) {
      return {
        ok: false,
        reason: 'the bot is an administrator of the forum without the "Manage topics" right',
      };
    }
    this.running = true;
    this.runtime.log.info({ channel: this.runtime.name, forum: chatId }, 'forum-topics channel started');
    return { ok: true };
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.albums.keys()].map((key) => this.flushAlbum(key)));
  }

  async open(
    seller: SellerCard,
    existing?: ConversationRef,
  ): Promise<{ externalId: string; state?: Record<string, unknown> }> {
    if (existing) {
      const thread = Number(existing.externalId);
      if (!existing.lost && Number.isSafeInteger(thread) && thread > 0) {
        try {
          await this.telegram.reopenForumTopic(this.forum, thread);
          return { externalId: existing.externalId };
        } catch (err) {
          if (isTopicNotModified(err)) return { externalId: existing.externalId };
          if (!isTopicLost(err)) throw toChannelError(err, false);
        }
      }
      this.runtime.log.warn(
        { channel: this.runtime.name, conversation: existing.id, thread: existing.externalId },
        'the topic of a conversation is gone: a new one is made',
      );
      return this.create(seller, 'recreated');
    }
    return this.create(seller);
  }

  private async create(seller: SellerCard, note?: 'recreated'): Promise<{ externalId: string }> {
    const settings = this.settings!;
    let thread: number;
    try {
      const topic = await this.telegram.createForumTopic(
        this.forum,
        topicTitle(settings.titleTemplate, seller),
        {
          // Checked against TOPIC_ICON_COLORS at start (Telegraf types the field as that union).
          icon_color: settings.iconColor as (typeof TOPIC_ICON_COLORS)[number],
        },
      );
      thread = topic.message_thread_id;
    } catch (err) {
      throw toChannelError(err, false);
    }
    // The topic exists now: a card that can't be posted is retried here, never by making a second topic.
    await this.postCardInto(thread, seller, note).catch((err: unknown) => {
      this.runtime.log.warn(
        { channel: this.runtime.name, thread, err: describe(err) },
        'the seller card could not be posted (/info posts it again)',
      );
    });
    this.runtime.log.info(
      { channel: this.runtime.name, thread, recreated: note === 'recreated' },
      'topic opened',
    );
    return { externalId: String(thread) };
  }

  private async postCardInto(thread: number, seller: SellerCard, note?: 'recreated'): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.telegram.sendMessage(this.forum, this.texts.card(seller, note), {
          message_thread_id: thread,
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
        });
        return;
      } catch (err) {
        const e = toChannelError(err, false);
        if (e.action !== 'retry' || e.retryAfter === undefined || attempt >= 3 || e.retryAfter > 60) throw e;
        await new Promise((r) => setTimeout(r, e.retryAfter! * 1000));
      }
    }
  }

  async send(
    conversation: ConversationRef,
    message: SellerMessage,
  ): Promise<{ externalMessageIds: string[] }> {
    const thread = this.thread(conversation);
    try {
      if (message.messageIds.length > 1) {
        const copies = await this.telegram.copyMessages(this.forum, message.chatId, message.messageIds, {
          message_thread_id: thread,
        });
        return { externalMessageIds: copies.map((c) => String(c.message_id)) };
      }
      const reply = message.replyToExternalId === undefined ? undefined : Number(message.replyToExternalId);
      const copy = await this.telegram.copyMessage(this.forum, message.chatId, message.messageIds[0], {
        message_thread_id: thread,
        ...(reply !== undefined && Number.isSafeInteger(reply)
          ? { reply_parameters: { message_id: reply, allow_sending_without_reply: true } }
          : {}),
      });
      return { externalMessageIds: [String(copy.message_id)] };
    } catch (err) {
      throw toChannelError(err, true);
    }
  }

  async edit(
    conversation: ConversationRef,
    externalMessageId: string,
    message: SellerMessage,
  ): Promise<void> {
    const id = Number(externalMessageId);
    if (!Number.isSafeInteger(id)) throw new ChannelError('not a message of this forum', 'reject');
    try {
      if (message.kind === 'text') {
        if (!message.text) throw new ChannelError('an edit without text', 'reject');
        await this.telegram.editMessageText(this.forum, id, undefined, message.text);
      } else {
        await this.telegram.editMessageCaption(this.forum, id, undefined, message.text ?? '');
      }
    } catch (err) {
      if (isNotModified(err)) return;
      throw toChannelError(err, true);
    }
  }

  async notice(conversation: ConversationRef, text: string): Promise<void> {
    try {
      await this.telegram.sendMessage(this.forum, text, {
        message_thread_id: this.thread(conversation),
        link_preview_options: { is_disabled: true },
      });
    } catch (err) {
      throw toChannelError(err, false);
    }
  }

  async close(conversation: ConversationRef, by: 'seller' | 'staff'): Promise<void> {
    const thread = this.thread(conversation);
    try {
      await this.telegram.sendMessage(
        this.forum,
        by === 'seller' ? this.texts.closedBySeller : this.texts.closedByStaff,
        { message_thread_id: thread },
      );
      await this.telegram.closeForumTopic(this.forum, thread);
    } catch (err) {
      // Already closed, or gone: either way there is nothing left to close.
      if (isTopicNotModified(err) || isTopicLost(err)) return;
      throw toChannelError(err, false);
    }
  }

  async updateSeller(conversation: ConversationRef, seller: SellerCard): Promise<void> {
    try {
      await this.telegram.editForumTopic(this.forum, this.thread(conversation), {
        name: topicTitle(this.settings!.titleTemplate, seller),
      });
    } catch (err) {
      if (isTopicNotModified(err)) return;
      throw toChannelError(err, false);
    }
  }

  async postCard(conversation: ConversationRef, seller: SellerCard): Promise<void> {
    await this.postCardInto(this.thread(conversation), seller);
  }

  async handleUpdate(update: Update): Promise<boolean> {
    if (!this.settings) return false;
    const edited = 'edited_message' in update;
    const msg = ('message' in update ? update.message : edited ? update.edited_message : undefined) as
      ForumMessage | undefined;
    if (!msg) {
      if ('my_chat_member' in update && update.my_chat_member.chat.id === this.forum) {
        this.runtime.log.warn(
          { channel: this.runtime.name, status: update.my_chat_member.new_chat_member.status },
          "the bot's membership in the forum changed",
        );
        return true;
      }
      return false;
    }
    if (msg.chat.id !== this.forum) return false;
    // From here on the update is this channel's; what is not for it is ignored quietly.
    if (!this.running || !msg.from || msg.from.is_bot) return true;
    if (msg.is_topic_message !== true || !msg.message_thread_id) return true;
    const conversation = await this.runtime.conversationByExternalId(String(msg.message_thread_id));
    if (!conversation) return true;
    const operatorName = [msg.from.first_name, msg.from.last_name].filter(Boolean).join(' ') || undefined;
    const log = { channel: this.runtime.name, conversation: conversation.id, message: msg.message_id };

    if (msg.forum_topic_closed !== undefined) {
      this.runtime.log.info(log, 'topic closed by an operator');
      await this.runtime.emit({ type: 'closed', conversation, by: 'operator' });
      return true;
    }
    if (msg.forum_topic_created || msg.forum_topic_reopened || msg.forum_topic_edited) return true;

    const text = msg.text ?? msg.caption;
    const command = !edited && msg.text ? COMMAND.exec(msg.text) : null;
    // A command for another bot in the forum is not an operator's message to the seller.
    if (command?.[2] && command[2].toLowerCase() !== this.botUsername?.toLowerCase()) return true;
    if (command) {
      this.runtime.log.info({ ...log, command: command[1] }, 'operator command');
      switch (command[1]) {
        case 'close':
          await this.runtime.emit({ type: 'closed', conversation, by: 'operator' });
          await this.telegram.closeForumTopic(this.forum, msg.message_thread_id).catch((err: unknown) => {
            if (!isTopicNotModified(err) && !isTopicLost(err)) {
              this.runtime.log.warn({ ...log, err: describe(err) }, 'the topic could not be closed');
            }
          });
          return true;
        case 'ban':
        case 'unban':
          await this.runtime.emit({
            type: 'ban',
            conversation,
            banned: command[1] === 'ban',
            by: operatorName,
          });
          return true;
        default:
          await this.runtime.emit({ type: 'card_requested', conversation });
          return true;
      }
    }

    if (edited) {
      await this.runtime.emit({
        type: 'operator_edit',
        conversation,
        externalMessageId: String(msg.message_id),
        ...(text !== undefined ? { text } : {}),
        copy: { fromChatId: this.forum, messageIds: [msg.message_id] },
      });
      return true;
    }

    const replied = msg.reply_to_message;
    // In a topic every message "replies" to the topic's first message: only a real reply counts.
    const replyTo =
      replied && !replied.forum_topic_created && replied.message_id !== msg.message_thread_id
        ? String(replied.message_id)
        : undefined;

    if (msg.media_group_id) {
      this.gatherAlbum(msg.media_group_id, conversation, msg.message_id, operatorName, text, replyTo);
      return true;
    }
    this.runtime.log.info(log, 'operator message');
    // A plain text goes as text (the core sends it with the "Support" mark as one message); anything
    // else is copied.
    const plain = msg.text !== undefined;
    await this.runtime.emit({
      type: 'operator_message',
      conversation,
      message: {
        externalMessageId: String(msg.message_id),
        ...(operatorName ? { operatorName } : {}),
        ...(text !== undefined ? { text } : {}),
        ...(plain ? {} : { copy: { fromChatId: this.forum, messageIds: [msg.message_id] } }),
        ...(replyTo ? { replyToExternalId: replyTo } : {}),
      },
    });
    return true;
  }

  /** An operator's album arrives as one update per item: they go to the seller as one album. */
  private gatherAlbum(
    key: string,
    conversation: ConversationRef,
    messageId: number,
    operatorName: string | undefined,
    text: string | undefined,
    replyTo: string | undefined,
  ): void {
    const g = this.albums.get(key);
    if (g) {
      g.ids.push(messageId);
      g.text ??= text;
      g.timer.refresh();
      return;
    }
    const timer = setTimeout(() => void this.flushAlbum(key), ALBUM_GATHER_MS);
    this.albums.set(key, { conversation, ids: [messageId], operatorName, text, replyTo, timer });
  }

  private async flushAlbum(key: string): Promise<void> {
    const g = this.albums.get(key);
    if (!g) return;
    this.albums.delete(key);
    clearTimeout(g.timer);
    const ids = [...g.ids].sort((a, b) => a - b);
    this.runtime.log.info(
      { channel: this.runtime.name, conversation: g.conversation.id, message: ids[0], items: ids.length },
      'operator album',
    );
    await this.runtime
      .emit({
        type: 'operator_message',
        conversation: g.conversation,
        message: {
          externalMessageId: String(ids[0]),
          ...(g.operatorName ? { operatorName: g.operatorName } : {}),
          ...(g.text !== undefined ? { text: g.text } : {}),
          copy: { fromChatId: this.forum, messageIds: ids },
          ...(g.replyTo ? { replyToExternalId: g.replyTo } : {}),
        },
      })
      .catch((err: unknown) => {
        this.runtime.log.error(
          { channel: this.runtime.name, conversation: g.conversation.id, err: describe(err) },
          'an operator album could not be handed to the core',
        );
      });
  }
}

export const createTopicsChannel: ChannelFactory = (runtime, telegram) =>
  new TopicsChannel(runtime, telegram);
