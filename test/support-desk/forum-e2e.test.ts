/**
 * The support desk with a Telegram forum, end to end: the real bot and desk on a real database, the
 * Bot API emulator playing the seller and the operators. What is asserted is what each side sees.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { BotMessageView, ForumChat, ForumOperator, TopicView } from '../../src/emulator/emulator.js';
import {
  QUICK_SUPPORT,
  eventually,
  newUser,
  seedSeller,
  seedShop,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';
import type { BotUser } from '../support/texts.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { sql } from '../support/sql.js';

const FORUM = -1001700000001;

let h: Harness;
let forum: ForumChat;
let olga: ForumOperator;

async function setUp(perGroup = { count: 1000, windowMs: 60_000 }, logger?: Logger): Promise<void> {
  h = await startHarness(
    {},
    { rateLimit: { perGroup } },
    { supportIntervals: QUICK_SUPPORT, ...(logger ? { logger } : {}) },
  );
  forum = h.emulator.forum({ id: FORUM, title: 'Support' });
  olga = forum.operator({ id: 501, first_name: 'Olga', last_name: 'K' });
  await h.services.support.createChannel({
    name: 'forum',
    kind: 'topics',
    settings: { forumChatId: String(FORUM), language: 'en' },
    isDefault: true,
    running: true,
  });
  const ch = await eventually(
    () => h.services.support.channel('forum'),
    (c) => c?.status === 'online',
  );
  expect(ch?.status).toBe('online');
}

afterEach(async () => {
  await h.close();
});

let shopNo = 0;
/** A logged-in seller with a shop, in support mode. */
async function seller(name = 'Ann'): Promise<BotUser> {
  const { apiKey } = await seedShop(h.services, `Tea House ${++shopNo}`);
  const u = newUser(h, {
    first_name: name,
    username: `${name.toLowerCase()}_${shopNo}`,
    language_code: 'en',
  });
  await seedSeller(h, u, apiKey!);
  u.send('/support');
  await u.waitForMessage(u.label((t) => t.supportIntro).slice(0, 30));
  return u;
}

/** The bot's copy in the topic of what the seller sent, once it arrives. */
function inTopic(
  thread: number,
  match: (m: BotMessageView) => boolean,
  timeoutMs = 8000,
): Promise<BotMessageView> {
  return forum.waitForMessage((m) => m.message_thread_id === thread && !m.service && match(m), timeoutMs);
}

const texts = (thread: number): string[] =>
  forum
    .messages(thread)
    .filter((m) => m.from_bot && !m.service && !m.text.includes('Telegram id:'))
    .map((m) => m.text);

describe('a seller and an operator in a forum topic', () => {
  beforeEach(() => setUp());

  it('text, a photo, an album, replies both ways, edits both ways, a close and a reopen', async () => {
    const ann = await seller('Ann');
    const hello = ann.send('Hello, my order is stuck');
    const topic: TopicView = await forum.waitForTopic(8000);
    expect(topic.name).toBe(`Ann · @ann_${shopNo} · Tea House ${shopNo}`);
    const copyOfHello = await inTopic(topic.id, (m) => m.text === 'Hello, my order is stuck');
    const card = forum.messages(topic.id).find((m) => m.from_bot && !m.service)!;
    expect(card.text).toContain(`Telegram id: ${ann.id}`);
    expect(card.text).toContain(`Shops: Tea House ${shopNo}`);
    expect(card.message_id).toBeLessThan(copyOfHello.message_id);

    // The operator answers; the seller sees it marked as support, with her name.
    const which = olga.send('Hi! Which order?', topic.id);
    const answer = await ann.waitForMessage('Which order?', 8000);
    expect(answer.text).toContain('Support · Olga K');

    // A photo and an album (one album in the topic).
    ann.sendPhoto('the label');
    await inTopic(topic.id, (m) => m.kind === 'photo' && m.text === 'the label');
    ann.sendAlbum([{ type: 'photo', caption: 'two sides' }, { type: 'photo' }]);
    const first = await inTopic(topic.id, (m) => m.text === 'two sides');
    const album = await eventually(
      () =>
        Promise.resolve(forum.messages(topic.id).filter((m) => m.media_group_id === first.media_group_id)),
      (items) => items.length === 2,
    );
    expect(album.map((m) => m.kind)).toEqual(['photo', 'photo']);

    // The seller replies to the operator's message: the copy replies to hers.
    const order = ann.reply(answer.message_id, 'Order 42');
    const copyOfOrder = await inTopic(topic.id, (m) => m.text === 'Order 42');
    expect(copyOfOrder.reply_to_message_id).toBe(which.message_id);

    // The operator replies to the seller's copy: the seller sees a reply to their own message.
    olga.reply(copyOfHello.message_id, 'Found it');
    const found = await ann.waitForMessage('Found it', 8000);
    expect(found.reply_to_message_id).toBe(hello.message_id);

    // Edits both ways.
    ann.edit(order.message_id, 'Order 43');
    await inTopic(topic.id, (m) => m.message_id === copyOfOrder.message_id && m.text === 'Order 43');
    olga.edit(which.message_id, 'Hi! Which order number?');
    await ann.waitForMessage(
      (m) => m.message_id === answer.message_id && m.text.includes('Which order number?'),
      8000,
    );

    // The operator sends a photo: the seller gets a photo.
    olga.sendPhoto(topic.id, 'your parcel');
    await ann.waitForMessage((m) => m.kind === 'photo' && m.text === 'your parcel', 8000);

    // /close: the seller is told, the topic is closed.
    olga.send('/close', topic.id);
    await ann.waitForMessage(ann.label((t) => t.supportClosedByOperator).slice(0, 20), 8000);
    await eventually(
      () => Promise.resolve(forum.topic(topic.id)),
      (t) => t?.closed === true,
    );

    // The seller's next message reopens the same topic.
    ann.send('One more thing');
    await inTopic(topic.id, (m) => m.text === 'One more thing');
    expect(forum.topic(topic.id)?.closed).toBe(false);
    expect(forum.topics()).toHaveLength(1);

    // Closed from Telegram's menu: the same as /close.
    olga.closeTopic(topic.id);
    await ann.waitForMessage(ann.label((t) => t.supportClosedByOperator).slice(0, 20), 8000);

    // And the seller ends one: the operators read it in the topic.
    ann.send('Back again');
    await inTopic(topic.id, (m) => m.text === 'Back again');
    ann.pressKey((t) => t.btnEndConversation);
    await ann.waitForMessage(ann.label((t) => t.supportEnded).slice(0, 20), 8000);
    await inTopic(topic.id, (m) => m.text === 'The seller ended the conversation.');
    await eventually(
      () => Promise.resolve(forum.topic(topic.id)),
      (t) => t?.closed === true,
    );
    expect(forum.topic(topic.id)?.closed).toBe(true);
    expect(forum.topics()).toHaveLength(1);
  });

  it("a reopened topic's title follows the seller's shops", async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'hello');
    ann.pressKey((t) => t.btnEndConversation);
    await eventually(
      () => Promise.resolve(forum.topic(topic.id)),
      (t) => t?.closed === true,
    );
    const { apiKey } = await seedShop(h.services, 'Spice Market');
    await seedSeller(h, ann, apiKey!);
    ann.send('/support');
    await ann.waitForMessage(ann.label((t) => t.supportIntro).slice(0, 30));
    ann.send('again');
    await inTopic(topic.id, (m) => m.text === 'again');
    const renamed = await eventually(
      () => Promise.resolve(forum.topic(topic.id)),
      (t) => t?.name.includes('Spice Market') === true,
    );
    expect(renamed?.name).toBe(`Ann · @ann_${shopNo} · Spice Market, Tea House ${shopNo}`);
    expect(forum.topics()).toHaveLength(1);
  });

  it('two first messages at once make one topic, and both arrive in order', async () => {
    const ann = await seller('Ann');
    ann.send('first');
    ann.send('second');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'second');
    expect(texts(topic.id)).toEqual(['first', 'second']);
    expect(forum.topics()).toHaveLength(1);
  });

  it('a deleted topic is made anew with the card and a note, and nothing is lost', async () => {
    const ann = await seller('Ann');
    ann.send('before');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'before');
    olga.deleteTopic(topic.id);

    ann.send('after one');
    ann.send('after two');
    const again = await forum.waitForTopic(8000);
    expect(again.id).not.toBe(topic.id);
    await inTopic(again.id, (m) => m.text === 'after two');
    const [card] = forum.messages(again.id).filter((m) => m.from_bot && !m.service);
    expect(card.text).toMatch(/^⚠️ The previous topic of this seller was deleted/);
    expect(card.text).toContain(`Telegram id: ${ann.id}`);
    expect(texts(again.id)).toEqual(['after one', 'after two']);

    // Operators keep talking to the seller from the new topic.
    olga.send('We are here', again.id);
    await ann.waitForMessage('We are here', 8000);
  });

  it('operators in General, in a topic of no conversation, and bots are not relayed', async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'hello');
    const before = ann.chat().length;

    const general = olga.send('Team: lunch at one');
    olga.reply(general.message_id, 'ok'); // a thread id, but not a topic message
    const own = olga.createTopic('Team notes');
    olga.send('remember the report', own.id);
    olga.send('/close', own.id);
    await h.emulator.settle(300, 8000);
    expect(ann.chat()).toHaveLength(before);
    expect(forum.topic(topic.id)?.closed).toBe(false);
  });

  it('/ban bars the seller from support (told once), /unban lets them back, /info posts the card again', async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'hello');

    olga.send('/info', topic.id);
    await eventually(
      () => Promise.resolve(forum.messages(topic.id).filter((m) => m.text.startsWith('👤'))),
      (cards) => cards.length === 2,
    );

    olga.send('/ban', topic.id);
    await eventually(
      async () => (await h.services.users.findByTelegramId(ann.id))?.supportBanned,
      (banned) => banned === true,
    );
    ann.send('let me in');
    await ann.waitForMessage(ann.label((t) => t.supportBanned).slice(0, 20), 8000);
    ann.send('please');
    await h.emulator.settle(300, 8000);
    const told = ann.chat().filter((m) => m.text === ann.label((t) => t.supportBanned));
    expect(told).toHaveLength(1);
    expect(texts(topic.id)).toEqual(['hello']);

    olga.send('/unban', topic.id);
    await eventually(
      async () => (await h.services.users.findByTelegramId(ann.id))?.supportBanned,
      (banned) => banned === false,
    );
    ann.send('thanks');
    await inTopic(topic.id, (m) => m.text === 'thanks');
  });
});

describe('what the forum takes', () => {
  beforeEach(() => setUp());

  it('voice, video, a sticker and a 30 MB document go to the topic; a poll and a dice get a sentence; an operator album arrives as one', async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const topic = await forum.waitForTopic(8000);
    ann.sendVoice();
    ann.sendVideo({ caption: 'unboxing' });
    ann.sendSticker('🙂');
    ann.sendDocument({ name: 'catalogue.pdf', size: 30 * 1024 * 1024 });
    await inTopic(topic.id, (m) => m.kind === 'document');
    expect(
      forum
        .messages(topic.id)
        .filter((m) => m.from_bot && !m.service)
        .map((m) => m.kind)
        .slice(1),
    ).toEqual(['text', 'voice', 'video', 'sticker', 'document']);

    ann.sendPoll('Which box?', ['red', 'blue']);
    await ann.waitForMessage(
      ann.label((t) => t.supportPoll),
      8000,
    );
    ann.sendDice();
    await ann.waitForMessage(
      ann.label((t) => t.supportDice),
      8000,
    );
    await h.emulator.settle(300, 8000);
    expect(forum.messages(topic.id).some((m) => m.kind === 'poll' || m.kind === 'dice')).toBe(false);

    const album = olga.sendAlbum(topic.id, [{ type: 'photo', caption: 'both boxes' }, { type: 'photo' }]);
    const first = await ann.waitForMessage((m) => m.kind === 'photo' && m.text === 'both boxes', 8000);
    const items = await eventually(
      () => Promise.resolve(ann.chat().filter((m) => m.media_group_id === first.media_group_id)),
      (list) => list.length === 2,
    );
    expect(items).toHaveLength(album.length);
  });

  it('a seller who blocked the bot: the operators are told in the topic', async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'hello');
    ann.blockBot();
    olga.send('Are you still there?', topic.id);
    await inTopic(topic.id, (m) => m.text.includes('blocked the bot'), 8000);
  });
});

describe('no message text is kept', () => {
  const lines: string[] = [];
  beforeEach(() =>
    setUp(undefined, createLogger('debug', 'market-bot', { write: (l: string) => lines.push(l) })),
  );

  it('after a conversation no table and no log line holds a word of it', async () => {
    const ann = await seller('Ann');
    ann.send('zebra-parcel-7731 is stuck');
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'zebra-parcel-7731 is stuck');
    ann.sendPhoto('okapi-label-5520');
    await inTopic(topic.id, (m) => m.text === 'okapi-label-5520');
    olga.send('narwhal-answer-9914', topic.id);
    await ann.waitForMessage('narwhal-answer-9914', 8000);
    const mine = ann.send('quokka-reply-3381');
    await inTopic(topic.id, (m) => m.text === 'quokka-reply-3381');
    ann.edit(mine.message_id, 'quokka-edited-4471');
    await inTopic(topic.id, (m) => m.text === 'quokka-edited-4471');
    await h.emulator.settle(300, 8000);

    const tables = await sql<{ table_name: string }>(
      h,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await sql<{ row: string }>(h, `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      dump += rows.map((r) => r.row).join('\n');
    }
    expect(dump).toContain(String(ann.id)); // the dump did read the tables
    expect(lines.length).toBeGreaterThan(10);
    for (const word of ['zebra-parcel', 'okapi-label', 'narwhal-answer', 'quokka-reply', 'quokka-edited']) {
      expect(dump).not.toContain(word);
      expect(lines.filter((l) => l.includes(word))).toEqual([]);
    }
  });
});

describe("the forum's rate", () => {
  beforeEach(() => setUp({ count: 4, windowMs: 3000 }));

  it('~20 messages a minute: a 429 is waited out and every message arrives, in order', async () => {
    const ann = await seller('Ann');
    const sent = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    for (const t of sent) ann.send(t);
    const topic = await forum.waitForTopic(8000);
    await inTopic(topic.id, (m) => m.text === 'm6', 20_000);
    expect(texts(topic.id)).toEqual(sent);
    expect(h.emulator.calls.some((c) => c.error_code === 429)).toBe(true);
  }, 30_000);
});
