import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  linkedShopIds,
  newUser,
  seedAdmin,
  seedSeller,
  seedShop,
  sessionOf,
  startHarness,
  userRow,
  type Harness,
} from '../support/bot-harness.js';
import type { Texts } from '../support/texts.js';

/**
 * Sessions in the database: restarts resume, typed input expires and is dropped on navigation (bug 8, 28, 29).
 * The ids are those of docs/original-behaviour.md.
 */
describe('sessions', () => {
  let h: Harness;
  let admin: { username: string; password: string };
  beforeAll(async () => {
    h = await startHarness();
    admin = await seedAdmin(h.services, 'resumer', 'resumer password 1');
  });
  afterAll(async () => {
    await h.close();
  });

  it('a restart during the admin login resumes at the password prompt', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnAdmin);
    await u.waitForMessage('Введите ваш Username');
    u.send(admin.username);
    await u.waitForMessage('Введите пароль');
    await h.restart();
    const pass = u.send(admin.password);
    await u.waitForMessage('Вы вошли в систему как Администратор');
    expect(u.userMessages().find((m) => m.message_id === pass.message_id)?.deleted).toBe(true);
    expect((await userRow(h, u.id))?.role).toBe('admin');
    // The session row is gone once nothing is pending.
    expect(await sessionOf(h, u.id, (rows) => rows.length === 0)).toEqual([]);
  });

  it('typed input expires after ten minutes: the key is deleted, not used, and the user told', async () => {
    const s = await seedShop(h.services, 'Не успел');
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    const [row] = await sessionOf(h, u.id, (rows) => rows[0]?.data.expect?.kind === 'seller_key');
    expect(row.data.expect?.kind).toBe('seller_key');
    // Eleven minutes pass.
    h.clock.advance(11 * 60 * 1000);
    const sent = u.send(s.apiKey);
    try {
      await u.waitForMessage('Время ожидания ввода истекло. Начните заново.');
      await u.waitForMessage('Выберите роль:');
    } finally {
      h.clock.reset();
    }
    expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(true);
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('input nine minutes old is still taken', async () => {
    const s = await seedShop(h.services, 'Успел');
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    await sessionOf(h, u.id, (rows) => rows[0]?.data.expect?.kind === 'seller_key');
    // Nine minutes pass.
    h.clock.advance(9 * 60 * 1000);
    u.send(s.apiKey);
    try {
      await u.waitForMessage('Вы вошли в систему как Продавец');
    } finally {
      h.clock.reset();
    }
  });

  describe('bug 8: navigating elsewhere drops the pending input', () => {
    for (const [via, button, expected] of [
      ['the shop list', (t: Texts) => t.btnShopList, 'Доступные магазины'],
      ['the subscription screen', (t: Texts) => t.btnSubscription, 'Подписка пользователя'],
      ['/menu', null, 'Главное меню'],
    ] as const) {
      it(`via ${via}: later text is not taken for a key`, async () => {
        const mine = await seedShop(h.services, `Моя ${via}`);
        // A key that looks like one to the "unexpected secret" check (letters and digits).
        const other = await seedShop(h.services, `Другая ${via}`, {
          apiKey: `mk_${Math.random().toString(36).slice(2)}7Q${Date.now()}`,
        });
        const u = newUser(h);
        await seedSeller(h, u, mine.apiKey);
        u.send('/menu');
        const first = await u.waitForMessage('Главное меню');
        u.send('/menu');
        const second = await u.waitForMessage('Главное меню');
        u.pressKey((t) => t.btnAddShop, { messageId: second.message_id });
        await u.waitForMessage('Введите API key');
        // Leave the prompt straight for another screen, from the older menu.
        if (button) u.pressKey(button, { messageId: first.message_id });
        else u.send('/menu');
        await u.waitForMessage(expected);
        const typed = u.send(other.apiKey);
        await u.waitForMessage('Сейчас бот не ожидает ввода текста');
        expect(await linkedShopIds(h, u.id)).toEqual([mine.shop.id]);
        // It looked like a key, so it was deleted anyway.
        expect(u.userMessages().find((m) => m.message_id === typed.message_id)?.deleted).toBe(true);
      });
    }

    it('help keeps the input: the prompt can be read and then answered', async () => {
      const mine = await seedShop(h.services, 'Моя с помощью');
      const other = await seedShop(h.services, 'Добавлю после помощи');
      const u = newUser(h);
      await seedSeller(h, u, mine.apiKey);
      u.send('/menu');
      await u.waitForMessage('Главное меню');
      u.pressKey((t) => t.btnAddShop);
      await u.waitForMessage('Введите API key');
      u.send('/help');
      await u.waitForMessage('@market_support');
      u.send(other.apiKey);
      await u.waitForMessage('✅ Магазин');
      expect((await linkedShopIds(h, u.id)).sort()).toEqual([mine.shop.id, other.shop.id].sort());
    });
  });
});
