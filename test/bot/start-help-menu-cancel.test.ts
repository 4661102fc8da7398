import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  newUser,
  newUserId,
  seedSeller,
  seedShop,
  setBanned,
  sql,
  startHarness,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

/**
 * F01–F07: /start, /help, /menu, /cancel, /sign_out, unknown commands, text nobody asked for.
 * The ids are those of docs/original-behaviour.md.
 */
describe('start, help, menu, cancel, sign out', () => {
  let h: Harness;
  let shopKey: string;
  beforeAll(async () => {
    h = await startHarness();
    shopKey = (await seedShop(h.services, 'Домашний уют')).apiKey;
  });
  afterAll(async () => {
    await h.close();
  });

  const SELLER_MENU = [
    ['❔ Помощь ❔', '⚡️ Подписка ⚡️'],
    ['➕ Добавить магазин ➕'],
    ['➖ Отвязать магазин ➖'],
    ['📋 Список магазинов 📋'],
    ['💬 Поддержка'],
  ];

  describe('F01 /start', () => {
    it('shows the role choice to someone unregistered', async () => {
      const u = newUser(h);
      u.send('/start');
      const m = await u.waitForMessage('Выберите роль:');
      expect(m.buttons).toEqual([['Админ', 'Продавец']]);
      expect(await userRow(h, u.id)).toBeNull();
    });

    it('shows a logged-in seller the seller menu with their name and role', async () => {
      const u = newUser(h, { first_name: 'Анна', last_name: 'Петрова' });
      await seedSeller(h, u, shopKey);
      u.send('/start');
      const m = await u.waitForMessage('Главное меню');
      expect(m.text).toBe('Главное меню (Анна Петрова: Продавец):');
      expect(m.buttons).toEqual(SELLER_MENU);
    });

    it('shows a banned user the ban notice and nothing else', async () => {
      const u = newUser(h);
      await seedSeller(h, u, shopKey);
      await setBanned(h, u.id, true);
      u.send('/start');
      const m = await u.waitForMessage('Вы забанены');
      expect(m.text).toBe('🚫 Вы забанены. Обратитесь в службу поддержки.');
      expect(m.buttons).toEqual([]);
    });

    it('shows an inactive user the not-active notice with Help and Subscription', async () => {
      const u = newUser(h);
      const row = await seedSeller(h, u, shopKey);
      await h.services.users.setActive([row.id], false);
      u.send('/start');
      const m = await u.waitForMessage('Ваш аккаунт не активен');
      expect(m.buttons).toEqual([['❔ Помощь ❔', '⚡️ Подписка ⚡️']]);
    });

    it('drops a pending input: a key typed after /start is not taken', async () => {
      const u = newUser(h);
      u.send('/start');
      await u.waitForMessage('Выберите роль');
      u.pressKey((t) => t.btnSeller);
      await u.waitForMessage(/API key/);
      u.send('/start');
      await u.waitForMessage('Выберите роль');
      u.send(shopKey);
      await u.waitForMessage('Сейчас бот не ожидает ввода текста');
      expect(await userRow(h, u.id)).toBeNull();
    });
  });

  describe('F02 help', () => {
    it('/help sends the help text with the admin contact from config', async () => {
      const u = newUser(h);
      u.send('/help');
      const m = await u.waitForMessage('/sign_out');
      expect(m.text).toContain('@market_support');
      expect(m.text).toContain('/start');
      expect(m.text).toContain('/menu');
      expect(m.text).toContain('/cancel');
      // Before login the way back is the role choice.
      expect(m.buttons).toEqual([['⟵']]);
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage('Выберите роль:');
    });

    it('the Help button keeps a way back to the menu (bug 14: it used to remove every button)', async () => {
      const u = newUser(h);
      await seedSeller(h, u, shopKey);
      u.send('/menu');
      const menu = await u.waitForMessage('Главное меню');
      const q = u.pressKey((t) => t.btnHelp);
      const help = await u.waitForMessage('@market_support');
      expect(help.message_id).toBe(menu.message_id);
      expect(help.buttons).toEqual([['🏠 Главное меню']]);
      expect((await u.answerOf(q.queryId)).text).toBe('Помощь');
      u.pressKey((t) => t.btnMenu);
      const back = await u.waitForMessage('Главное меню (');
      expect(back.buttons).toEqual(SELLER_MENU);
    });
  });

  describe('F03 /menu', () => {
    it('shows the menu of the role', async () => {
      const u = newUser(h, { first_name: 'Игорь' });
      await seedSeller(h, u, shopKey);
      u.send('/menu');
      const m = await u.waitForMessage('Главное меню');
      expect(m.text).toBe('Главное меню (Игорь: Продавец):');
      expect(m.buttons).toEqual(SELLER_MENU);
    });

    it('answers an unregistered user with the role choice (bug 9: it crashed silently)', async () => {
      const u = newUser(h);
      u.send('/menu');
      await u.waitForMessage('Выберите роль:');
    });
  });

  describe('F04 cancel', () => {
    it('/cancel with nothing pending says so, then shows the start screen', async () => {
      const u = newUser(h);
      u.send('/cancel');
      await u.waitForMessage('Нет активной команды для отмены. Бот не ожидал ввода данных.');
      await u.waitForMessage('Выберите роль:');
    });

    it('/cancel with input pending cancels it, then shows the start screen', async () => {
      const u = newUser(h);
      u.send('/start');
      await u.waitForMessage('Выберите роль');
      u.pressKey((t) => t.btnSeller);
      await u.waitForMessage(/API key/);
      u.send('/cancel');
      await u.waitForMessage('Команда отменена. Ввод данных с клавиатуры больше не ожидается.');
      await u.waitForMessage('Выберите роль:');
      u.send(shopKey);
      await u.waitForMessage('Сейчас бот не ожидает ввода текста');
      expect(await userRow(h, u.id)).toBeNull();
    });

    it('/cancel during add-shop input returns a seller to the menu', async () => {
      const u = newUser(h);
      await seedSeller(h, u, shopKey);
      u.send('/menu');
      await u.waitForMessage('Главное меню');
      u.pressKey((t) => t.btnAddShop);
      await u.waitForMessage('Введите API key');
      u.send('/cancel');
      await u.waitForMessage('Команда отменена');
      await u.waitForMessage('Главное меню');
    });

    it('the Cancel button answers once, says what it cancelled and shows the start screen (bug 3)', async () => {
      const u = newUser(h);
      u.send('/start');
      await u.waitForMessage('Выберите роль');
      u.pressKey((t) => t.btnSeller);
      await u.waitForMessage(/API key/);
      u.send('wrong-key-123');
      const failed = await u.waitForMessage('Неверный API key');
      expect(failed.buttons).toEqual([['Отмена']]);
      const q = u.pressKey((t) => t.btnCancel);
      const edited = await u.waitForMessage('Команда отменена');
      expect(edited.message_id).toBe(failed.message_id);
      expect(edited.buttons).toEqual([]);
      await u.waitForMessage('Выберите роль:');
      expect((await u.answerOf(q.queryId)).text).toBe('Отмена');
      await h.emulator.settle();
      expect(
        h.emulator.callsOf('answerCallbackQuery').filter((c) => c.params.callback_query_id === q.queryId),
      ).toHaveLength(1);
    });
  });

  describe('F05 /sign_out', () => {
    it('marks the user logged out and shows the role choice; links are kept', async () => {
      const u = newUser(h);
      await seedSeller(h, u, shopKey);
      u.send('/sign_out');
      await u.waitForMessage('Выберите роль:');
      const row = await userRow(h, u.id);
      expect(row?.isLoggedOut).toBe(true);
      const links = await sql(h, `SELECT 1 FROM shop_links WHERE telegram_user_id = $1`, [row!.id]);
      expect(links).toHaveLength(1);
      // Logged out means logged out: /menu no longer opens the menu.
      u.send('/menu');
      await u.waitForMessage('Выберите роль:');
    });

    it('works for an unregistered user (bug 9: it crashed)', async () => {
      const u = newUser(h);
      u.send('/sign_out');
      await u.waitForMessage('Выберите роль:');
      expect(await userRow(h, u.id)).toBeNull();
    });
  });

  it('F06 answers an unknown command', async () => {
    const u = newUser(h);
    u.send('/frobnicate now');
    const m = await u.waitForMessage('Такой команды не существует');
    expect(m.text).toBe('Такой команды не существует. Используйте /help, чтобы получить список команд.');
  });

  describe('F07 text nobody asked for', () => {
    it('is answered and left in the chat', async () => {
      const u = newUser(h);
      const sent = u.send('привет, как дела?');
      await u.waitForMessage('Сейчас бот не ожидает ввода текста');
      expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(false);
    });

    it('is deleted when it looks like a key or password (bug 25)', async () => {
      const u = newUser(h);
      const sent = u.send('Xk29fjQ0pLm7Zt4');
      await u.waitForMessage('похоже на ключ или пароль');
      expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(true);
    });

    it('is deleted when it is in the format of our shop keys, digits or not', async () => {
      const u = newUser(h);
      const sent = u.send('mk_abcdefghijklmnopqrstuvwxyzABCDEF');
      await u.waitForMessage('похоже на ключ или пароль');
      expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(true);
    });
  });

  describe('updates the bot does not serve (bug 10, bug 15)', () => {
    it('ignores an edited message and an edited command without crashing', async () => {
      const u = newUser(h);
      const text = u.send('просто текст');
      await u.waitForMessage('Сейчас бот не ожидает');
      const cmd = u.send('/help');
      await u.waitForMessage('/sign_out');
      await h.emulator.settle();
      const before = u.chat().length;
      u.edit(text.message_id, 'исправленный текст');
      u.edit(cmd.message_id, '/start');
      await h.emulator.settle();
      expect(u.chat()).toHaveLength(before);
      expect(h.emulator.pendingUpdates()).toBe(0);
      // Still alive and serving this user.
      u.send('/start');
      await u.waitForMessage('Выберите роль');
    });

    it('ignores stickers and photos', async () => {
      const u = newUser(h);
      u.sendSticker();
      u.sendPhoto('подпись');
      await h.emulator.settle();
      expect(u.chat()).toHaveLength(0);
      u.send('/start');
      await u.waitForMessage('Выберите роль');
    });

    it('says nothing in a group chat and registers nobody', async () => {
      const u = newUser(h);
      const group = h.emulator.groupChat({ id: -1001234567, title: 'Продавцы' }, u);
      group.send('/start');
      group.send('/menu');
      group.send(shopKey);
      await h.emulator.settle();
      expect(group.botMessages()).toHaveLength(0);
      expect(await userRow(h, u.id)).toBeNull();
      const rows = await sql(h, `SELECT 1 FROM telegram_users WHERE chat_id < 0`);
      expect(rows).toHaveLength(0);
    });
  });

  it('serves two users independently', async () => {
    const a = newUser(h, { id: newUserId() });
    const b = newUser(h, { id: newUserId() });
    a.send('/start');
    b.send('/help');
    await a.waitForMessage('Выберите роль');
    await b.waitForMessage('/sign_out');
  });
});
