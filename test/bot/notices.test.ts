import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  newUser,
  seedSeller,
  seedShop,
  setBanned,
  sql,
  startHarness,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

type NoticeRow = {
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
  due_in: number;
};

/**
 * F28 and bug 17: ban and unban notices, sent after the change commits, from a durable queue.
 * The ids are those of docs/original-behaviour.md.
 */
describe('ban and unban notices', () => {
  let h: Harness;
  let key: string;
  beforeAll(async () => {
    h = await startHarness();
    key = (await seedShop(h.services, 'Лавка')).apiKey;
  });
  afterAll(async () => {
    await h.notifier.stop();
    await h.close();
  });

  /** A seller who has talked to the bot (Telegram lets a bot write only to those). */
  async function seller(languageCode = 'ru') {
    const u = newUser(h, { language_code: languageCode });
    await seedSeller(h, u, key);
    u.send('/menu');
    await u.waitForMessage(languageCode === 'ru' ? 'Главное меню' : 'Main menu');
    return u;
  }

  const notices = async (telegramId: number) => {
    const row = await userRow(h, telegramId);
    return sql<NoticeRow>(
      h,
      `SELECT kind, status, attempts, last_error,
              extract(epoch FROM next_attempt_at - now())::float AS due_in
       FROM notifications WHERE telegram_user_id = $1 ORDER BY id`,
      [row!.id],
    );
  };

  it('a ban through the services reaches the user; so does the unban', async () => {
    const u = await seller();
    await setBanned(h, u.id, true);
    expect(await h.notifier.runOnce()).toBe(1);
    const m = await u.waitForMessage('Вы забанены');
    expect(m.text).toBe('🚫 Вы забанены. Обратитесь в службу поддержки.');
    await setBanned(h, u.id, false);
    await h.notifier.runOnce();
    await u.waitForMessage('🎉 Вы разбанены!');
    expect((await notices(u.id)).map((n) => [n.kind, n.status])).toEqual([
      ['ban', 'sent'],
      ['unban', 'sent'],
    ]);
    // Setting the same value again is no change and sends nothing.
    await setBanned(h, u.id, false);
    expect(await h.notifier.runOnce()).toBe(0);
    expect(await notices(u.id)).toHaveLength(2);
  });

  it('a ban by plain SQL is noticed too, in the user’s language, by the running notifier', async () => {
    const u = await seller('en');
    h.notifier.start();
    try {
      await sql(h, `UPDATE telegram_users SET is_banned = true WHERE telegram_id = $1`, [u.id]);
      await u.waitForMessage('🚫 You are banned. Contact support.', 8000);
    } finally {
      await h.notifier.stop();
    }
    // The user now gets the ban notice from the bot itself, too.
    u.send('/menu');
    await u.waitForMessage('You are banned');
  });

  it('a rolled-back ban notifies nobody', async () => {
    const u = await seller();
    await h.db.dataSource
      .transaction(async (em) => {
        await em.query(`UPDATE telegram_users SET is_banned = true WHERE telegram_id = $1`, [u.id]);
        throw new Error('changed my mind');
      })
      .catch(() => undefined);
    expect(await notices(u.id)).toEqual([]);
    expect((await userRow(h, u.id))?.isBanned).toBe(false);
  });

  it('a failed delivery is retried later with backoff, and the ban stays', async () => {
    const u = await seller();
    h.emulator.failNext(
      'sendMessage',
      { error_code: 500, description: 'Internal Server Error' },
      { chatId: u.chatId },
    );
    await setBanned(h, u.id, true);
    expect(await h.notifier.runOnce()).toBe(0);
    const [failed] = await notices(u.id);
    expect(failed).toMatchObject({ kind: 'ban', status: 'pending', attempts: 1 });
    expect(failed.last_error).toContain('Internal Server Error');
    expect(failed.due_in).toBeGreaterThan(5);
    expect((await userRow(h, u.id))?.isBanned).toBe(true);
    // Not due yet: nothing is sent.
    expect(await h.notifier.runOnce()).toBe(0);
    await h.emulator.settle();
    expect(u.chat().filter((m) => m.text.includes('забанены'))).toHaveLength(0);
    // When it is due, it goes out.
    await sql(h, `UPDATE notifications SET next_attempt_at = now() WHERE status = 'pending'`);
    expect(await h.notifier.runOnce()).toBe(1);
    await u.waitForMessage('Вы забанены');
    expect((await notices(u.id))[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a user who blocked the bot: the notice is given up and the user marked unreachable', async () => {
    const u = await seller();
    u.blockBot();
    await h.emulator.settle();
    await setBanned(h, u.id, true);
    await h.notifier.runOnce();
    expect((await notices(u.id))[0]).toMatchObject({ status: 'failed' });
    expect((await userRow(h, u.id))?.isReachable).toBe(false);
  });
});
