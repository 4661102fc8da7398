/**
 * A conversation through the desk, end to end, with the forum-topics channel: the greeting and the
 * off-hours notice, a photo and an album (one unit), edits and replies both ways, a seller who
 * blocked the bot; and afterwards no message text in any table or in the log.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ForumChat, ForumOperator } from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/logger.js';
import {
  eventually,
  newUser,
  seedSeller,
  seedShop,
  sql,
  QUICK_SUPPORT,
  startHarness,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

const FORUM = -1001700000009;
const logLines: string[] = [];
const logger = createLogger(
  'info',
  'market-bot',
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

let h: Harness;
let forum: ForumChat;
let olga: ForumOperator;
let closedHours: string;

beforeAll(async () => {
  h = await startHarness({}, {}, { logger, supportIntervals: QUICK_SUPPORT });
  forum = h.emulator.forum({ id: FORUM, title: 'Support' });
  olga = forum.operator({ id: 900002, first_name: 'Olga' });
  // Working hours that exclude the present hour (UTC), so the seller is told when operators answer.
  const now = new Date().getUTCHours();
  const hh = (n: number) => String(n % 24).padStart(2, '0');
  closedHours = `daily ${hh(now + 2)}:00-${hh(now + 3)}:00`;
  await h.services.support.createChannel({
    name: 'forum',
    kind: 'topics',
    settings: {
      forumChatId: FORUM,
      language: 'en',
      timeZone: 'UTC',
      workingHours: closedHours,
      greeting: 'Hello from the desk',
    },
    running: true,
  });
  await h.desk.sync();
});
afterAll(async () => {
  await h.close();
});

/** eventually(), failing the test when `ok` never held. */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const value = await eventually(read, ok);
  if (!ok(value)) throw new Error(`never happened; last read: ${JSON.stringify(value)}`);
  return value;
}

const topicTexts = (thread: number) => forum.messages(thread).map((m) => m.text ?? '');

describe('a conversation', () => {
  let thread: number;
  let u: ReturnType<typeof newUser>;

  it('tells the seller when operators answer, greets a new conversation, and relays text and media', async () => {
    const { apiKey } = await seedShop(h.services, 'Teashop');
    u = newUser(h, { language_code: 'en', first_name: 'Ann', username: 'ann' });
    await seedSeller(h, u, apiKey);
    u.send('/support');
    const intro = await u.waitForMessage(u.label((t) => t.supportIntro));
    expect(intro.text).toContain(closedHours);
    u.send('secret text A1');
    const greeting = await u.waitForMessage('Hello from the desk');
    expect(greeting.text).toBe('💬 Support\nHello from the desk');
    thread = (await forum.waitForTopic()).id;
    await until(
      async () => topicTexts(thread),
      (t) => t.includes('secret text A1'),
    );

    u.sendPhoto('caption secret B2');
    u.sendAlbum([
      { type: 'photo', caption: 'album secret C3' },
      { type: 'photo' },
      { type: 'document', name: 'a.pdf' },
    ]);
    const album = await until(
      async () => forum.messages(thread).filter((m) => m.media_group_id),
      (m) => m.length === 3,
    );
    expect(new Set(album.map((m) => m.media_group_id)).size).toBe(1);
    expect(topicTexts(thread)).toContain('caption secret B2');
  });

  it('carries edits and replies both ways through the id pairs', async () => {
    const mine = u.send('typo secret E5');
    await until(
      async () => topicTexts(thread),
      (t) => t.includes('typo secret E5'),
    );
    u.edit(mine.message_id, 'fixed secret E6');
    await until(
      async () => topicTexts(thread),
      (t) => t.includes('fixed secret E6'),
    );

    // The operator answers the seller's message as a reply; the seller sees a reply to their own.
    const copy = forum.messages(thread).find((m) => m.text === 'fixed secret E6')!;
    const said = olga.reply(copy.message_id, 'operator secret D4');
    const answer = await u.waitForMessage('operator secret D4');
    const shown = u
      .chat()
      .filter((m) => m.message_id <= answer.message_id)
      .slice(-2);
    expect(shown.some((m) => m.reply_to_message_id === mine.message_id)).toBe(true);

    // The operator edits the answer: the seller's copy changes in place.
    olga.edit(said.message_id, 'operator secret D4, corrected');
    const edited = await u.waitForMessage('corrected');
    expect([answer.message_id, answer.message_id - 1]).toContain(edited.message_id);

    // The seller replies to the answer; the topic copy replies to the operator's message.
    u.reply(answer.message_id, 'reply secret F7');
    const relayed = await until(
      async () => forum.messages(thread).find((m) => m.text === 'reply secret F7'),
      (m) => m !== undefined,
    );
    expect(relayed!.reply_to_message_id).toBeDefined();
  });

  it('marks a seller who blocked the bot unreachable and tells the operators in the topic', async () => {
    u.blockBot();
    olga.send('are you there? secret G8', thread);
    const reachable = await until(
      async () => (await userRow(h, u.id))!.isReachable,
      (r) => !r,
    );
    expect(reachable).toBe(false);
    const texts = await until(
      async () => topicTexts(thread).join('\n'),
      (t) => /blocked the bot/.test(t),
    );
    expect(texts).toMatch(/blocked the bot/);
    // The undeliverable row is settled just after the operators' line is posted, in the same round.
    const left = await until(
      () => h.services.support.waiting(),
      (n) => n === 0,
    );
    expect(left).toBe(0);
  });

  it('leaves no message text in any table or in the log', async () => {
    const secrets = ['secret text A1', 'caption secret B2', 'album secret C3', 'operator secret D4'];
    secrets.push('corrected', 'typo secret E5', 'fixed secret E6', 'reply secret F7', 'secret G8');
    const tables = await sql<{ tablename: string }>(
      h,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    const dump: string[] = [];
    for (const { tablename } of tables) {
      const rows = await sql<{ row: string }>(h, `SELECT t::text AS row FROM "${tablename}" t`);
      dump.push(...rows.map((r) => `${tablename}: ${r.row}`));
    }
    expect(dump.filter((line) => line.startsWith('support_message_pairs')).length).toBeGreaterThan(5);
    const log = logLines.join('');
    expect(log).toContain('support message delivered to operators');
    for (const secret of secrets) {
      expect([secret, dump.filter((line) => line.includes(secret))]).toEqual([secret, []]);
      expect([secret, log.includes(secret)]).toEqual([secret, false]);
    }
  });
});
