import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errorReport } from '../../src/bot/errors.js';
import type { BotContext } from '../../src/bot/context.js';
import type { GroupChat } from '../../src/emulator/emulator.js';
import type { BotUser } from '../support/texts.js';
import { parseHtml } from '../../src/emulator/html.js';
import {
  newUser,
  seedAdmin,
  seedSeller,
  seedShop,
  sql,
  startHarness,
  unansweredOrTwice,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

const REPORT_CHAT = -1009876543210;

/**
 * F32 and bug 18: one error boundary; Telegram's 429 and 403 handled by name; reports without secrets.
 * The ids are those of docs/original-behaviour.md.
 */
describe('errors', () => {
  let h: Harness;
  let devChat: GroupChat;
  let key: string;
  beforeAll(async () => {
    h = await startHarness({ REPORT_CHAT_ID: String(REPORT_CHAT) });
    // The developers' chat: the bot can write there once someone has written in it.
    devChat = h.emulator.groupChat({ id: REPORT_CHAT, title: 'market-bot errors' }, newUser(h));
    devChat.send('hello bot');
    key = (await seedShop(h.services, 'Лавка с ошибками')).apiKey;
  });
  afterAll(async () => {
    await h.close();
  });

  const waitUntil = async (check: () => Promise<boolean>, ms = 5000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Runs `fn` with a table renamed away, as if the database had lost it, and puts it back. */
  async function withoutTable(table: string, fn: () => Promise<void>) {
    await sql(h, `ALTER TABLE ${table} RENAME TO ${table}_away`);
    try {
      await fn();
    } finally {
      await sql(h, `ALTER TABLE ${table}_away RENAME TO ${table}`);
    }
  }

  async function seller(): Promise<BotUser> {
    const u = newUser(h);
    await seedSeller(h, u, key);
    u.send('/menu');
    await u.waitForMessage('Главное меню');
    return u;
  }

  it('429: the bot waits retry_after and the user still gets the message', async () => {
    const u = newUser(h);
    h.emulator.failNext(
      'sendMessage',
      { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 },
      { chatId: u.chatId },
    );
    u.send('/start');
    await u.waitForMessage('Выберите роль', 8000);
    await h.emulator.settle();
    const calls = h.emulator.callsOf('sendMessage').filter((c) => c.params.chat_id === u.chatId);
    expect(calls.map((c) => c.ok)).toEqual([false, true]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(950);
  });

  it('403 from sendMessage: the user is marked unreachable; writing again marks them reachable', async () => {
    const u = await seller();
    h.emulator.failNext(
      'sendMessage',
      { error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      { chatId: u.chatId },
    );
    u.send('/menu');
    await waitUntil(async () => (await userRow(h, u.id))?.isReachable === false);
    u.send('/menu');
    await u.waitForMessage('Главное меню');
    expect((await userRow(h, u.id))?.isReachable).toBe(true);
  });

  it('a user who blocks the bot is marked unreachable (my_chat_member)', async () => {
    const u = await seller();
    u.blockBot();
    await waitUntil(async () => (await userRow(h, u.id))?.isReachable === false);
    await h.emulator.settle();
    expect(u.chat().filter((m) => m.text.includes('Что-то пошло не так'))).toEqual([]);
  });

  it('a database error: "something went wrong", the query answered, a report without secrets', async () => {
    const u = await seller();
    const reportsBefore = devChat.botMessages().length;
    let q!: ReturnType<BotUser['press']>;
    await withoutTable('shops', async () => {
      q = u.pressKey((t) => t.btnShopList);
      const sorry = await u.waitForMessage('Что-то пошло не так');
      expect(sorry.text).toBe('⚠️ Что-то пошло не так. Пожалуйста, попробуйте ещё раз.');
      expect((await u.answerOf(q.queryId)).text).toBe('Что-то пошло не так');
      await h.emulator.settle();
    });
    expect(await unansweredOrTwice(h, [q])).toEqual([]);
    const reports = devChat.botMessages().slice(reportsBefore);
    expect(reports).toHaveLength(1);
    expect(reports[0].text).toMatch(/^Error while handling update \d+ \(callback_query\) from user \d+/);
    expect(reports[0].text).toContain('shops');
    expect(reports[0].text.length).toBeLessThanOrEqual(4096);
    // Once the table is back, the same button works.
    u.pressKey((t) => t.btnShopList);
    await u.waitForMessage('Доступные магазины');
  });

  it('a failure while checking a password or a key reports neither', async () => {
    const { username, password } = await seedAdmin(h.services, 'secretive', 'Sup3r-Secret-Passw0rd');
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnAdmin);
    await u.waitForMessage('Введите ваш Username');
    u.send(username);
    await u.waitForMessage('Введите пароль');
    const before = devChat.botMessages().length;
    await withoutTable('users', async () => {
      const typed = u.send(password);
      await u.waitForMessage('Что-то пошло не так');
      expect(u.userMessages().find((m) => m.message_id === typed.message_id)?.deleted).toBe(true);
      await h.emulator.settle();
    });

    const s = newUser(h);
    s.send('/start');
    await s.waitForMessage('Выберите роль');
    s.pressKey((t) => t.btnSeller);
    await s.waitForMessage('Введите API key');
    await withoutTable('shops', async () => {
      s.send(key);
      await s.waitForMessage('Что-то пошло не так');
      await h.emulator.settle();
    });

    const reports = devChat.botMessages().slice(before);
    expect(reports).toHaveLength(2);
    for (const r of reports) {
      expect(r.text).not.toContain(password);
      expect(r.text).not.toContain(username);
      expect(r.text).not.toContain(key);
      expect(r.html ?? '').not.toContain(key);
    }
  });

  it('a report is cut to 4096 characters and stays valid HTML', () => {
    const ctx = {
      update: { update_id: 7 },
      updateType: 'message',
      from: { id: 42 },
    } as unknown as BotContext;
    const err = new Error(`<tag> & ${'very long message '.repeat(2000)}`);
    err.stack = `${err.message}\n${'    at somewhere (<file>:1:1)\n'.repeat(500)}`;
    const report = errorReport(err, ctx);
    const parsed = parseHtml(report);
    expect(parsed.text.length).toBeLessThanOrEqual(4096);
    expect(report.length).toBeLessThanOrEqual(4096);
    expect(parsed.text).toContain('<tag> & very long message');
  });
});
