/**
 * The forum-topics channel against the Bot API emulator, through Telegraf's real client: what it
 * checks at start, the topics and cards it makes, what it copies, and which forum updates become
 * events. The core is stood in for by a runtime that records the events and maps topics to
 * conversations in memory.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import {
  ChannelError,
  type ChannelEvent,
  type ChannelRuntime,
  type ConversationRef,
  type SellerCard,
  type SellerMessage,
} from '../../src/support/channel.js';
import { TopicsChannel, topicTitle } from '../../src/support/channels/topics.js';
import {
  TelegramEmulator,
  type ForumChat,
  type ForumOperator,
  type TestUser,
  type TgUpdate,
} from '../../src/emulator/emulator.js';

const FORUM = -1001500000001;

let emu: TelegramEmulator;
let telegram: Telegram;
let forum: ForumChat;
let olga: ForumOperator;
let seller: TestUser;
let events: ChannelEvent[];
let conversations: Map<string, ConversationRef>;
let channel: TopicsChannel;

const card = (over: Partial<SellerCard> = {}): SellerCard => ({
  telegramId: seller.id,
  firstName: 'Ann <Shop>',
  lastName: 'Lee',
  username: 'ann_lee',
  languageCode: 'en',
  role: 'seller',
  shops: ['Tea & Co', 'Books'],
  subscription: 'active until 2026-12-31',
  ...over,
});

function runtime(settings: Record<string, unknown>): ChannelRuntime {
  return {
    name: 'forum',
    settings,
    emit: (e) => {
      events.push(e);
      return Promise.resolve();
    },
    conversationByExternalId: (id) => Promise.resolve(conversations.get(id) ?? null),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    publicUrl: 'http://localhost:3000',
  };
}

async function started(settings: Record<string, unknown> = { forumChatId: FORUM, language: 'en' }) {
  const ch = new TopicsChannel(runtime(settings), telegram);
  expect(await ch.start()).toEqual({ ok: true });
  return ch;
}

/** Opens a conversation as the core would: the channel's topic, mapped to our id. */
async function open(ch: TopicsChannel, id = 1): Promise<ConversationRef> {
  const { externalId } = await ch.open(card());
  const ref = { id, externalId };
  conversations.set(externalId, ref);
  return ref;
}

/** Feeds every queued update to the channel as the bot would; returns what it said about each. */
async function pump(): Promise<boolean[]> {
  const got = (await telegram.callApi('getUpdates', { timeout: 0 } as never)) as unknown as TgUpdate[];
  if (got.length > 0) {
    await telegram.callApi('getUpdates', { offset: got[got.length - 1].update_id + 1, timeout: 0 } as never);
  }
  const out: boolean[] = [];
  for (const u of got) out.push(await channel.handleUpdate(u as unknown as Update));
  return out;
}

const one = (chatId: number, id: number, kind: SellerMessage['kind'] = 'text'): SellerMessage => ({
  chatId,
  messageIds: [id],
  kind,
  files: [],
});

beforeEach(async () => {
  emu = new TelegramEmulator({ rateLimit: { perGroup: { count: 100, windowMs: 60_000 } } });
  await emu.start();
  telegram = new Telegram(emu.token, { apiRoot: emu.apiRoot });
  forum = emu.forum({ id: FORUM, title: 'Support' });
  olga = forum.operator({ id: 501, first_name: 'Olga', last_name: 'K' });
  seller = emu.user({ id: 7001, first_name: 'Ann', username: 'ann_lee' });
  events = [];
  conversations = new Map();
  channel = await started();
});

afterEach(async () => {
  await channel.stop();
  await emu.stop();
});

describe('start-up check', () => {
  it('says exactly what is wrong with the forum or the bot', async () => {
    const check = (s: Record<string, unknown>) => new TopicsChannel(runtime(s), telegram).start();
    expect(await check({})).toEqual({
      ok: false,
      reason: 'forumChatId must be the id of the forum supergroup (a negative number like -1001234567890)',
    });
    expect(await check({ forumChatId: FORUM, iconColor: 5 })).toMatchObject({ ok: false });
    expect(await check({ forumChatId: -100999 })).toEqual({
      ok: false,
      reason: 'the bot cannot see the chat -100999 (Bad Request: chat not found): add the bot to the forum',
    });
    forum.setForum(false);
    expect(await check({ forumChatId: FORUM })).toEqual({
      ok: false,
      reason: `the chat ${FORUM} is not a forum: turn Topics on in the group's settings`,
    });
    forum.setForum(true);
    forum.setBot({ status: 'member' });
    expect(await check({ forumChatId: String(FORUM) })).toEqual({
      ok: false,
      reason: 'the bot is not an administrator of the forum',
    });
    forum.setBot({ status: 'administrator', rights: { can_manage_topics: false } });
    expect(await check({ forumChatId: FORUM })).toEqual({
      ok: false,
      reason: 'the bot is an administrator of the forum without the "Manage topics" right',
    });
    forum.setBot({ status: 'administrator' });
    expect(await check({ forumChatId: String(FORUM), iconColor: 16478047 })).toEqual({ ok: true });
  });
});

describe('topics and cards', () => {
  it('one topic per seller, titled with name, @username and shops; the card first, HTML-escaped', async () => {
    const ref = await open(channel);
    const topic = forum.topic(Number(ref.externalId))!;
    expect(topic).toMatchObject({ name: 'Ann <Shop> Lee · @ann_lee · Tea & Co, Books', icon_color: 9367192 });
    const [created, first] = forum.messages(topic.id);
    expect(created.service).toBe('forum_topic_created');
    expect(first.from_bot).toBe(true);
    expect(first.text).toContain('👤 Ann <Shop> Lee @ann_lee');
    expect(first.html).toContain(`<a href="tg://user?id=${seller.id}">Ann &lt;Shop&gt; Lee</a>`);
    expect(first.entities).toContainEqual(
      expect.objectContaining({ type: 'text_link', url: `tg://user?id=${seller.id}` }),
    );
    for (const line of [
      `Telegram id: ${seller.id}`,
      'Role: seller',
      'Shops: Tea & Co, Books',
      'Subscription: active until 2026-12-31',
      'Language: en',
    ]) {
      expect(first.text).toContain(line);
    }
    await channel.postCard(ref, card({ shops: [] }));
    expect(forum.messages(topic.id).at(-1)?.text).toContain('Shops: —');
  });

  it('titles fit 128 characters, leave out empty parts and follow a template', () => {
    const long = topicTitle('{name} · {username} · {shops}', card({ shops: Array(40).fill('Shop') }));
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long.endsWith('…')).toBe(true);
    expect(topicTitle('{name} · {username} · {shops}', card({ username: undefined, shops: [] }))).toBe(
      'Ann <Shop> Lee',
    );
    expect(topicTitle('#{id} {name}', card())).toBe(`#${seller.id} Ann <Shop> Lee`);
  });

  it('reopens a closed topic; a deleted one is made anew with the card and a note', async () => {
    const ref = await open(channel);
    const thread = Number(ref.externalId);
    await channel.close(ref, 'seller');
    expect(forum.topic(thread)?.closed).toBe(true);
    expect(forum.messages(thread).map((m) => m.text || m.service)).toContain(
      'The seller ended the conversation.',
    );
    await channel.close(ref, 'staff'); // already closed: nothing to do, no error
    expect(await channel.open(card(), ref)).toEqual({ externalId: ref.externalId });
    expect(forum.topic(thread)?.closed).toBe(false);
    expect(await channel.open(card(), ref)).toEqual({ externalId: ref.externalId }); // open already

    olga.deleteTopic(thread);
    const m = seller.send('still there?');
    const lost = await channel.send(ref, one(seller.chatId, m.message_id)).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ChannelError);
    expect((lost as ChannelError).action).toBe('lost');

    const { externalId } = await channel.open(card(), ref);
    expect(externalId).not.toBe(ref.externalId);
    const again = forum.messages(Number(externalId)).filter((x) => !x.service);
    expect(again[0].text).toMatch(/^⚠️ The previous topic of this seller was deleted/);
    const resent = await channel.send({ id: 1, externalId }, one(seller.chatId, m.message_id));
    expect(forum.messages(Number(externalId)).at(-1)).toMatchObject({
      message_id: Number(resent.externalMessageIds[0]),
      text: 'still there?',
    });
  });

  it('a conversation the core marks lost gets a new topic at once, with the note', async () => {
    const ref = await open(channel);
    const { externalId } = await channel.open(card(), { ...ref, lost: true });
    expect(externalId).not.toBe(ref.externalId);
    expect(forum.topics()).toHaveLength(2);
    const [note] = forum.messages(Number(externalId)).filter((x) => !x.service);
    expect(note.text).toMatch(/^⚠️ The previous topic of this seller was deleted/);
  });

  it('updateSeller renames the topic', async () => {
    const ref = await open(channel);
    await channel.updateSeller(ref, card({ shops: ['New shop'] }));
    expect(forum.topic(Number(ref.externalId))?.name).toBe('Ann <Shop> Lee · @ann_lee · New shop');
    await channel.updateSeller(ref, card({ shops: ['New shop'] })); // unchanged: no error
  });
});

describe('seller → topic', () => {
  it('copies text, a photo, an album (one album) and a reply; edits reach the copies', async () => {
    const ref = await open(channel);
    const thread = Number(ref.externalId);
    const text = seller.send('hello');
    const photo = seller.sendPhoto('the label');
    const album = seller.sendAlbum([
      { type: 'photo', caption: 'both' },
      { type: 'document', name: 'a.pdf' },
    ]);
    const t = await channel.send(ref, one(seller.chatId, text.message_id));
    const p = await channel.send(ref, one(seller.chatId, photo.message_id, 'photo'));
    const a = await channel.send(ref, {
      chatId: seller.chatId,
      messageIds: album.map((m) => m.message_id),
      kind: 'album',
      files: [],
    });
    expect(a.externalMessageIds).toHaveLength(2);

    const answer = olga.send('which order?', thread);
    const reply = seller.send('order 42');
    const r = await channel.send(ref, {
      ...one(seller.chatId, reply.message_id),
      replyToExternalId: String(answer.message_id),
    });

    const copies = forum.messages(thread).filter((m) => m.from_bot && !m.service);
    const byId = new Map(copies.map((m) => [m.message_id, m]));
    expect(byId.get(Number(t.externalMessageIds[0]))).toMatchObject({ kind: 'text', text: 'hello' });
    expect(byId.get(Number(p.externalMessageIds[0]))).toMatchObject({ kind: 'photo', text: 'the label' });
    const [a1, a2] = a.externalMessageIds.map((id) => byId.get(Number(id))!);
    expect(a1.media_group_id).toBeDefined();
    expect(a2.media_group_id).toBe(a1.media_group_id);
    expect([a1.kind, a2.kind]).toEqual(['photo', 'document']);
    expect(byId.get(Number(r.externalMessageIds[0]))).toMatchObject({
      text: 'order 42',
      reply_to_message_id: answer.message_id,
    });

    seller.edit(text.message_id, 'hello again');
    await channel.edit(ref, t.externalMessageIds[0], {
      ...one(seller.chatId, text.message_id),
      text: 'hello again',
    });
    seller.edit(photo.message_id, 'a new label');
    await channel.edit(ref, p.externalMessageIds[0], {
      ...one(seller.chatId, photo.message_id, 'photo'),
      text: 'a new label',
    });
    await channel.edit(ref, p.externalMessageIds[0], {
      ...one(seller.chatId, photo.message_id, 'photo'),
      text: 'a new label',
    }); // not modified: quietly done
    const after = new Map(forum.messages(thread).map((m) => [m.message_id, m]));
    expect(after.get(Number(t.externalMessageIds[0]))).toMatchObject({ text: 'hello again', edits: 1 });
    expect(after.get(Number(p.externalMessageIds[0]))).toMatchObject({ text: 'a new label', edits: 1 });
  });

  it('a 429 from the forum is "retry" with retry_after; a message Telegram refuses is "reject"', async () => {
    const ref = await open(channel);
    emu.failNext('copyMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      retry_after: 7,
    });
    const m = seller.send('x');
    const err = (await channel
      .send(ref, one(seller.chatId, m.message_id))
      .catch((e: unknown) => e)) as ChannelError;
    expect([err.action, err.retryAfter]).toEqual(['retry', 7]);

    const long = seller.sendPhoto('y'.repeat(2000)); // a Premium caption: can't be copied by a bot
    const rejected = (await channel
      .send(ref, one(seller.chatId, long.message_id, 'photo'))
      .catch((e: unknown) => e)) as ChannelError;
    expect(rejected.action).toBe('reject');

    forum.setBot({ status: 'kicked' });
    const demoted = (await channel
      .send(ref, one(seller.chatId, m.message_id))
      .catch((e: unknown) => e)) as ChannelError;
    expect(demoted.action).toBe('retry');
  });

  it("the forum's own limit (~20 a minute) answers 429 through the channel", async () => {
    await emu.stop();
    emu = new TelegramEmulator({ rateLimit: { perGroup: { count: 3, windowMs: 60_000 } } });
    await emu.start();
    telegram = new Telegram(emu.token, { apiRoot: emu.apiRoot });
    forum = emu.forum({ id: FORUM, title: 'Support' });
    seller = emu.user({ id: 7001, first_name: 'Ann' });
    channel = await started();
    const ref = await open(channel); // topic + card = 2
    const m = seller.send('one');
    await channel.send(ref, one(seller.chatId, m.message_id));
    const err = (await channel
      .send(ref, one(seller.chatId, m.message_id))
      .catch((e: unknown) => e)) as ChannelError;
    expect(err.action).toBe('retry');
    expect(err.retryAfter).toBeGreaterThan(50);
  });
});

describe('forum → events', () => {
  it('operator texts, replies, albums and edits in a mapped topic become events (media with ids to copy)', async () => {
    const ref = await open(channel);
    const thread = Number(ref.externalId);
    const m = seller.send('hello');
    const copied = await channel.send(ref, one(seller.chatId, m.message_id));
    await pump();

    const hi = olga.send('Hi! How can I help?', thread);
    const reply = olga.reply(Number(copied.externalMessageIds[0]), 'About that:');
    olga.edit(hi.message_id, 'Hi, how can I help?');
    expect(await pump()).toEqual([true, true, true]);
    expect(events).toEqual([
      {
        type: 'operator_message',
        conversation: ref,
        message: {
          externalMessageId: String(hi.message_id),
          operatorName: 'Olga K',
          text: 'Hi! How can I help?',
        },
      },
      {
        type: 'operator_message',
        conversation: ref,
        message: {
          externalMessageId: String(reply.message_id),
          operatorName: 'Olga K',
          text: 'About that:',
          replyToExternalId: copied.externalMessageIds[0],
        },
      },
      {
        type: 'operator_edit',
        conversation: ref,
        externalMessageId: String(hi.message_id),
        text: 'Hi, how can I help?',
        copy: { fromChatId: FORUM, messageIds: [hi.message_id] },
      },
    ]);

    events = [];
    const pic = olga.sendPhoto(thread, 'the box');
    const album = olga.sendAlbum(thread, [{ type: 'photo', caption: 'see' }, { type: 'photo' }]);
    await pump();
    await channel.stop(); // gathers what came: the album goes as one message
    expect(events).toEqual([
      {
        type: 'operator_message',
        conversation: ref,
        message: {
          externalMessageId: String(pic.message_id),
          operatorName: 'Olga K',
          text: 'the box',
          copy: { fromChatId: FORUM, messageIds: [pic.message_id] },
        },
      },
      {
        type: 'operator_message',
        conversation: ref,
        message: {
          externalMessageId: String(album[0].message_id),
          operatorName: 'Olga K',
          text: 'see',
          copy: { fromChatId: FORUM, messageIds: album.map((x) => x.message_id) },
        },
      },
    ]);
  });

  it('/close, a topic closed from the menu, /ban, /unban and /info', async () => {
    const ref = await open(channel);
    const thread = Number(ref.externalId);
    olga.send('/close', thread);
    await pump();
    expect(events).toEqual([{ type: 'closed', conversation: ref, by: 'operator' }]);
    expect(forum.topic(thread)?.closed).toBe(true);

    await channel.open(card(), ref);
    events = [];
    olga.closeTopic(thread);
    olga.reopenTopic(thread);
    olga.send('/ban', thread);
    olga.send('/unban@market_test_bot', thread);
    olga.send('/info', thread);
    olga.send('/ban@other_bot', thread);
    await pump();
    expect(events).toEqual([
      { type: 'closed', conversation: ref, by: 'operator' },
      { type: 'ban', conversation: ref, banned: true, by: 'Olga K' },
      { type: 'ban', conversation: ref, banned: false, by: 'Olga K' },
      { type: 'card_requested', conversation: ref },
    ]);
  });

  it('ignores quietly: bots, General, a reply in General, unmapped topics; other chats are not its own', async () => {
    const ref = await open(channel);
    const thread = Number(ref.externalId);
    const general = olga.send('good morning');
    olga.reply(general.message_id, 'morning!'); // carries message_thread_id, not is_topic_message
    const own = olga.createTopic('Team chat');
    olga.send('lunch?', own.id);
    const bot = forum.operator({ id: 502, first_name: 'Helper' });
    // A message from another bot in the mapped topic.
    Object.assign(bot.info, { is_bot: true });
    bot.send('automatic', thread);
    seller.send('a private message');
    expect(await pump()).toEqual([true, true, true, true, true, false]);
    expect(events).toEqual([]);
  });
});
