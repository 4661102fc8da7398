/**
 * The seller's side of the support desk, end to end: the real bot and desk against the Bot API
 * emulator, with the forum-topics channel on an emulated forum. What a seller sees when there is no
 * channel, when not logged in, support-banned or too fast; a conversation both ways, End
 * conversation and the reopen; messages that wait in the outbox while the desk is down.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ForumChat, ForumOperator } from '../../src/emulator/emulator.js';
import {
  QUICK_SUPPORT,
  eventually,
  newUser,
  seedSeller,
  seedShop,
  sql,
  startHarness,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

const FORUM = -1001700000001;
let h: Harness;
let shopKey: string;
let forum: ForumChat;
let olga: ForumOperator;

beforeAll(async () => {
  h = await startHarness({ SUPPORT_RATE_PER_MINUTE: '4' }, {}, { supportIntervals: QUICK_SUPPORT });
  ({ apiKey: shopKey } = await seedShop(h.services, 'Чайная лавка'));
  forum = h.emulator.forum({ id: FORUM, title: 'Support' });
  olga = forum.operator({ id: 900001, first_name: 'Olga' });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => h.clock.reset());

async function seller(lang = 'ru') {
  const u = newUser(h, { language_code: lang, username: `s${Date.now()}` });
  await seedSeller(h, u, shopKey);
  return u;
}

async function channelOn() {
  await h.services.support.createChannel({
    name: 'forum',
    kind: 'topics',
    settings: { forumChatId: FORUM, language: 'en' },
    running: true,
  });
  await h.desk.sync();
  expect((await h.services.support.channel('forum'))?.status).toBe('online');
}

describe('before any channel exists', () => {
  it('tells a logged-in seller support is unavailable, and takes nothing', async () => {
    const u = await seller();
    u.send('/support');
    await u.waitForMessage(u.label((t) => t.supportUnavailable));
    const [{ n }] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM support_conversations`);
    expect(n).toBe(0);
  });

  it('asks someone not logged in to log in first', async () => {
    const u = newUser(h);
    u.send('/support');
    await u.waitForMessage(u.label((t) => t.chooseRole));
  });
});

describe('with a forum channel', () => {
  beforeAll(channelOn);

  it('carries a conversation both ways: a topic with the card, the message copied; the answer marked as support', async () => {
    const u = await seller('en');
    u.pressKey((t) => t.btnSupport, { messageId: (await enterMenu(u)).message_id });
    await u.waitForMessage(u.label((t) => t.supportIntro));
    u.send('Hello, my prices are stuck');
    const topic = await forum.waitForTopic();
    expect(topic.name).toContain('Анна');
    await until(
      async () => forum.messages(topic.id).map((m) => m.text ?? ''),
      (texts) => texts.includes('Hello, my prices are stuck'),
    );
    olga.send('We are on it', topic.id);
    const answer = await u.waitForMessage('We are on it');
    // Marked as support with the operator's name (in the same message, or a line just before a copy).
    const shown = u
      .chat()
      .filter((m) => m.message_id <= answer.message_id)
      .slice(-2);
    expect(shown.map((m) => m.text).join('\n')).toMatch(/💬 Support · Olga\n(.*\n)?We are on it$/);
    const [conv] = await sql<{ status: string; operator_name: string }>(
      h,
      `SELECT status, operator_name FROM support_conversations c JOIN telegram_users t ON t.id = c.telegram_user_id
        WHERE t.telegram_id = $1`,
      [u.id],
    );
    expect(conv).toEqual({ status: 'open', operator_name: 'Olga' });

    // End conversation: the topic closes; the next message reopens the same topic.
    u.pressKey((t) => t.btnEndConversation);
    await u.waitForMessage(u.label((t) => t.supportEnded));
    await until(
      async () => forum.topic(topic.id)?.closed,
      (closed) => closed === true,
    );
    u.send('One more thing');
    await until(
      async () => forum.topic(topic.id)?.closed,
      (closed) => closed === false,
    );
    await until(
      async () => forum.messages(topic.id).map((m) => m.text ?? ''),
      (texts) => texts.includes('One more thing'),
    );
    expect(forum.topics().filter((t) => t.name === topic.name)).toHaveLength(1);
  });

  it('answers a poll, a dice and a fifth message within a minute with a sentence', async () => {
    const u = await seller();
    u.send('/support');
    await u.waitForMessage(u.label((t) => t.supportIntro));
    u.sendPoll('Which?', ['a', 'b']);
    await u.waitForMessage(u.label((t) => t.supportPoll));
    u.sendDice();
    await u.waitForMessage(u.label((t) => t.supportDice));
    for (let i = 1; i <= 4; i++) u.send(`message ${i}`);
    u.send('message 5');
    await u.waitForMessage(u.label((t) => t.supportRateLimited(4)));
    // A minute later the seller may write again.
    h.clock.advance(61_000);
    u.send('message 6');
    const topic = await forum.waitForTopic();
    await until(
      async () => forum.messages(topic.id).map((m) => m.text ?? ''),
      (texts) => texts.includes('message 6'),
    );
    const texts = forum.messages(topic.id).map((m) => m.text ?? '');
    expect(texts.filter((t) => t.startsWith('message '))).toEqual([
      'message 1',
      'message 2',
      'message 3',
      'message 4',
      'message 6',
    ]);
  });

  it('tells a support-banned seller once, then relays nothing', async () => {
    const u = await seller();
    u.send('/support');
    await u.waitForMessage(u.label((t) => t.supportIntro));
    const row = (await userRow(h, u.id))!;
    await h.services.support.setSupportBanned([row.id], true);
    u.send('let me in');
    await u.waitForMessage(u.label((t) => t.supportBanned));
    const before = u.chat().length;
    u.send('again');
    await u.waitForIdle();
    expect(u.chat().length).toBe(before);
    const [{ n }] = await sql<{ n: number }>(
      h,
      `SELECT count(*)::int AS n FROM support_outbox o JOIN support_conversations c ON c.id = o.conversation_id
        WHERE c.telegram_user_id = $1`,
      [row.id],
    );
    expect(n).toBe(0);
    // The bot itself still works for them.
    u.send('/menu');
    await u.waitForMessage('Главное меню');
  });

  it('keeps messages in the outbox while the channel is down, across a restart, and delivers them after', async () => {
    const u = await seller();
    u.send('/support');
    await u.waitForMessage(u.label((t) => t.supportIntro));
    // The forum refuses the bot (no admin rights): the channel fails its check, messages wait.
    forum.setBot({ status: 'member' });
    await h.services.support.updateChannel('forum', { settings: {} });
    await h.desk.sync();
    expect((await h.services.support.channel('forum'))?.status).toBe('failed');
    u.send('sent while support was down');
    expect(
      await until(
        () => h.services.support.waiting('to_operator'),
        (n) => n === 1,
      ),
    ).toBe(1);
    // The app restarts; meanwhile the forum gave the bot its rights back.
    forum.setBot({ status: 'administrator' });
    await h.restart();
    const copy = await forum.waitForMessage('sent while support was down');
    expect(forum.topic(copy.message_thread_id!)?.name).toContain('Анна');
    expect(
      await until(
        () => h.services.support.waiting(),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect((await h.services.support.channel('forum'))?.status).toBe('online');
  });

  it('gives a message up after a day of a failing channel and tells the seller', async () => {
    const u = await seller();
    u.send('/support');
    await u.waitForMessage(u.label((t) => t.supportIntro));
    // The bot loses its admin rights: the channel fails its check and messages wait.
    forum.setBot({ status: 'member' });
    await h.services.support.updateChannel('forum', { settings: {} });
    await h.desk.sync();
    expect((await h.services.support.channel('forum'))?.status).toBe('failed');
    u.send('waiting for a day');
    expect(
      await eventually(
        () => h.services.support.waiting('to_operator'),
        (n) => n === 1,
      ),
    ).toBe(1);
    // A day later (the desk's clock; the database's next check is brought forward to match).
    h.clock.advance(25 * 60 * 60 * 1000);
    await sql(h, `UPDATE support_outbox SET next_attempt_at = now()`);
    await u.waitForMessage(
      u.label((t) => t.supportUndelivered),
      10_000,
    );
    expect(await h.services.support.waiting('to_operator')).toBe(0);
    forum.setBot({ status: 'administrator' });
  });
});

/** eventually(), failing the test when `ok` never held. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const value = await eventually(read, ok);
  if (!ok(value)) throw new Error(`never happened; last read: ${JSON.stringify(value)}`);
  return value;
}

async function enterMenu(u: ReturnType<typeof newUser>) {
  u.send('/menu');
  return u.waitForMessage('Main menu');
}
