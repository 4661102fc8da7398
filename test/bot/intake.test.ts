/**
 * The durable inbox seen from the bot (src/bot/intake.ts): what a crash leaves stored but not
 * handled runs at the next start, in each chat's order; an update in flight during three crashes in
 * a row is parked instead, until staff re-run it; a delivery of an update id seen before is dropped
 * across restarts; a handled update keeps no payload. (test/process/crash-intake.test.ts kills the
 * real process; here the rows a crash leaves are written as it would leave them.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Update } from 'telegraf/types';
import { ChatQueue } from '../../src/bot/chat-queue.js';
import { Intake } from '../../src/bot/intake.js';
import { createLogger } from '../../src/logger.js';
import { newUser, sql, startHarness, type Harness } from '../support/bot-harness.js';
import type { BotUser } from '../support/texts.js';

let nextUpdateId = 800_000_000;

/** A message update as Telegram would send it, from this user's chat. */
function message(u: BotUser, text: string): Update {
  return {
    update_id: ++nextUpdateId,
    message: {
      message_id: nextUpdateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: u.chatId, type: 'private', first_name: u.info.first_name },
      from: { id: u.id, is_bot: false, first_name: u.info.first_name, language_code: 'ru' },
      text,
      ...(text.startsWith('/')
        ? { entities: [{ type: 'bot_command', offset: 0, length: text.length }] }
        : {}),
    },
  } as Update;
}

describe('the durable inbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { rateLimit: false });
  });
  afterAll(async () => {
    await h.close();
  });

  /** Rows as a crash leaves them: stored, pending, `attempts` crashes so far. */
  async function leftByCrash(updates: Update[], attempts = 0) {
    for (const u of updates) {
      const chat = (u as { message: { chat: { id: number } } }).message.chat.id;
      await sql(
        h.db,
        `INSERT INTO tg_inbox (update_id, chat_key, kind, payload, attempts) VALUES ($1, $2, 'message', $3, $4)`,
        [u.update_id, chat, JSON.stringify(u), attempts],
      );
    }
  }
  const rowOf = async (id: number) =>
    (
      await sql<{ status: string; payload: unknown; attempts: number }>(
        h.db,
        `SELECT status, payload, attempts FROM tg_inbox WHERE update_id = $1`,
        [id],
      )
    )[0];
  const texts = (u: BotUser) => u.chat().map((m) => m.text ?? '');
  /** Until the chat holds `n` bot messages (or 15 s pass). */
  async function botMessages(u: BotUser, n: number) {
    const deadline = Date.now() + 15_000;
    while (texts(u).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await u.waitForIdle(200);
    return texts(u);
  }
  const HELP = 'Бот управляется';
  const ROLES = 'Выберите роль:';

  it('stores what it receives and drops the payload once handled', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль:');
    await u.waitForIdle(200);
    const rows = await sql<{ status: string; payload: unknown; kind: string; chat_key: number }>(
      h.db,
      `SELECT status, payload, kind, chat_key FROM tg_inbox WHERE chat_key = $1`,
      [u.chatId],
    );
    expect(rows).toEqual([{ status: 'done', payload: null, kind: 'message', chat_key: u.chatId }]);
  });

  it('replays at start what a crash left unfinished, each chat in its order', async () => {
    const a = newUser(h);
    const b = newUser(h);
    a.send('/start');
    b.send('/start');
    await a.waitForMessage('Выберите роль:');
    await b.waitForMessage('Выберите роль:');
    // Two updates per chat were stored when the process died: /help then /menu.
    const left = [message(a, '/help'), message(b, '/help'), message(a, '/menu'), message(b, '/menu')];
    await leftByCrash(left);
    await h.restart();
    for (const u of [a, b]) {
      const after = (await botMessages(u, 3)).slice(1);
      // The /menu answer (the role screen, nobody is logged in) after the /help one.
      expect(after).toEqual([expect.stringContaining(HELP), expect.stringContaining(ROLES)]);
    }
    for (const u of left) expect(await rowOf(u.update_id)).toMatchObject({ status: 'done', payload: null });
  });

  it('drops an update id delivered again after a restart', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль:');
    const update = message(u, '/start');
    await h.bot.handleUpdate(update);
    await u.waitForIdle(200);
    const roles = () => texts(u).filter((t) => t.includes('Выберите роль:')).length;
    expect(roles()).toBe(2);
    await h.restart();
    await h.bot.handleUpdate(update);
    await h.bot.handleUpdate(update);
    await u.waitForIdle(300);
    expect(roles()).toBe(2);
  });

  it('parks an update in flight during three crashes in a row, and runs it when staff re-run it', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль:');
    await u.waitForIdle(200);
    const before = texts(u).length;
    // Two crashes already happened while /menu ran; the chat's next update waits behind it.
    const poison = message(u, '/menu');
    const next = message(u, '/help');
    await leftByCrash([poison], 2);
    await leftByCrash([next]);
    await h.restart(); // the third
    await u.waitForIdle(500);
    expect(await rowOf(poison.update_id)).toMatchObject({ status: 'parked', attempts: 3 });
    expect((await rowOf(poison.update_id)).payload).toEqual(poison);
    // The chat goes on: the update behind the parked one ran.
    expect(await rowOf(next.update_id)).toMatchObject({ status: 'done' });
    expect(texts(u)).toHaveLength(before + 1);

    expect(texts(u)[before]).toContain(HELP);
    expect(await h.services.inbox.rerun([poison.update_id, next.update_id])).toBe(1);
    expect((await botMessages(u, before + 2))[before + 1]).toContain(ROLES);
    expect(await rowOf(poison.update_id)).toMatchObject({ status: 'done', payload: null });
  });

  it('prunes handled rows after the redelivery window, parked ones after a week, pending ones never', async () => {
    await sql(h.db, `DELETE FROM tg_inbox`);
    await sql(
      h.db,
      `INSERT INTO tg_inbox (update_id, kind, payload, status, received_at, done_at) VALUES
         (1, 'message', NULL, 'done', now() - interval '2 hours', now() - interval '2 hours'),
         (2, 'message', NULL, 'done', now() - interval '10 minutes', now() - interval '10 minutes'),
         (3, 'message', '{}', 'parked', now() - interval '8 days', NULL),
         (4, 'message', '{}', 'parked', now() - interval '1 day', NULL),
         (5, 'message', '{}', 'pending', now() - interval '30 days', NULL)`,
    );
    expect((await h.services.housekeeping.prune()).inbox).toBe(2);
    const left = await sql<{ update_id: number }>(h.db, `SELECT update_id FROM tg_inbox ORDER BY 1`);
    expect(left.map((r) => Number(r.update_id))).toEqual([2, 4, 5]);
    await sql(h.db, `DELETE FROM tg_inbox`);
  });

  it("runs a chat's update only once the one before it is marked done, so a crash can't replay it after", async () => {
    // The inbox is the real one; the handler only records, at its start, what the database holds
    // for the chat's updates. Marks are batched (20 ms): the next update of the chat must not start
    // before its predecessor's mark is written, or a kill in between would run the predecessor
    // again after it (a shop switched off, on, then off once more).
    const seen: Record<number, string[]> = {};
    const chats = [9_100_001, 9_100_002];
    const updates = Array.from({ length: 6 }, (_, i) => ({
      update_id: 900_000_000 + i,
      message: { chat: { id: chats[i % 2]! } },
    })) as unknown as Update[];
    const intake = new Intake({
      inbox: h.services.inbox,
      queue: new ChatQueue(),
      handle: async (u) => {
        const rows = await sql<{ update_id: string; status: string }>(
          h.db,
          `SELECT update_id, status FROM tg_inbox WHERE update_id = ANY($1::bigint[]) ORDER BY update_id`,
          [updates.map((x) => x.update_id)],
        );
        seen[u.update_id] = rows.filter((r) => Number(r.update_id) < u.update_id).map((r) => r.status);
      },
      chatKey: (u) => String((u as { message: { chat: { id: number } } }).message.chat.id),
      logger: createLogger('silent'),
    });
    const { handled } = await intake.receive(updates);
    await handled;
    await intake.stop();
    // Each update saw every earlier update of its own chat done (the other chat's may still be pending).
    for (const [i, u] of updates.entries()) {
      const own = updates
        .slice(0, i)
        .filter((x, j) => j % 2 === i % 2)
        .map((x) => x.update_id);
      const earlier = updates.slice(0, i).map((x) => x.update_id);
      const statuses = seen[u.update_id]!;
      own.forEach((id) => expect(statuses[earlier.indexOf(id)]).toBe('done'));
    }
    expect((await rowOf(updates[5]!.update_id))!.status).toBe('done');
  });
});
