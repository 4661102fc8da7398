import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestUser } from '../emulator/emulator.js';
import {
  linkedShopIds,
  loginAdmin,
  newUser,
  seedAdmin,
  seedSeller,
  seedShop,
  shopRow,
  startHarness,
  unansweredOrTwice,
  type Harness,
  keyboardData,
} from '../support/bot-harness.js';

/** F23 add a shop by key; F24 unlink a shop after confirming. */
describe('add and unlink shops', () => {
  let h: Harness;
  let seq = 0;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function shop(name = `Точка ${++seq}`) {
    const { shop, apiKey } = await seedShop(h.services, name);
    return { id: shop.id, name, key: apiKey };
  }

  async function menu(u: TestUser) {
    u.send('/menu');
    return u.waitForMessage('Главное меню');
  }

  describe('F23 add', () => {
    it('adds a shop by key: the key is deleted, the shop linked, then a fresh menu', async () => {
      const [a, b] = [await shop(), await shop('Новая & <лавка>')];
      const u = newUser(h);
      await seedSeller(h, u, a.key);
      await menu(u);
      const q = u.press('➕ Добавить магазин ➕');
      const prompt = await u.waitForMessage('Добавить магазин по API key.');
      expect(prompt.text).toBe('Добавить магазин по API key.\nВведите API key 🔑:');
      expect(prompt.buttons).toEqual([['⟵']]);
      expect((await u.answerOf(q.queryId)).text).toBe('Добавление магазина');
      const sent = u.send(b.key);
      const added = await u.waitForMessage('✅ Магазин');
      expect(added.text).toBe(`✅ Магазин ${b.name} добавлен.`);
      await u.waitForMessage('Главное меню');
      expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(true);
      expect((await linkedShopIds(h, u.id)).sort()).toEqual([a.id, b.id].sort());
      u.press('📋 Список магазинов 📋');
      const list = await u.waitForMessage('Доступные магазины');
      expect(list.buttons.flat()).toContain(`${b.name} 🟢`);
    });

    it('a shop already linked is a quiet success', async () => {
      const a = await shop();
      const u = newUser(h);
      await seedSeller(h, u, a.key);
      await menu(u);
      u.press('➕ Добавить магазин ➕');
      await u.waitForMessage('Введите API key');
      u.send(a.key);
      const m = await u.waitForMessage('уже привязан');
      expect(m.text).toBe(`Магазин ${a.name} уже привязан к вам.`);
      await u.waitForMessage('Главное меню');
      expect(await linkedShopIds(h, u.id)).toEqual([a.id]);
    });

    it('a wrong key can be typed again; ⟵ returns to the menu and ends the input', async () => {
      const [a, b] = [await shop(), await shop()];
      const u = newUser(h);
      await seedSeller(h, u, a.key);
      await menu(u);
      u.press('➕ Добавить магазин ➕');
      await u.waitForMessage('Введите API key');
      const wrong = u.send('no-such-key-42');
      const failed = await u.waitForMessage('Неверный API key');
      expect(failed.buttons).toEqual([['⟵']]);
      expect(u.userMessages().find((m) => m.message_id === wrong.message_id)?.deleted).toBe(true);
      u.send(b.key);
      await u.waitForMessage(`✅ Магазин ${b.name} добавлен.`);
      expect((await linkedShopIds(h, u.id)).sort()).toEqual([a.id, b.id].sort());

      const c = await shop();
      await menu(u);
      u.press('➕ Добавить магазин ➕');
      await u.waitForMessage('Введите API key');
      u.press('⟵');
      await u.waitForMessage('Главное меню');
      u.send(c.key);
      await u.waitForMessage('Сейчас бот не ожидает ввода текста');
      expect(await linkedShopIds(h, u.id)).not.toContain(c.id);
    });

    it('an admin has no add or unlink; their forged buttons are outdated', async () => {
      const { username, password } = await seedAdmin(h.services, 'chief', 'chief password 1');
      const a = await shop();
      const u = newUser(h);
      await loginAdmin(u, username, password);
      const m = u.lastBotMessage()!;
      expect(m.buttons.flat()).not.toContain('➕ Добавить магазин ➕');
      const q1 = u.pressData(m.message_id, '1:add');
      expect((await u.answerOf(q1.queryId)).text).toBe('Кнопка устарела');
      await h.emulator.settle();
      u.send(a.key);
      await u.waitForMessage('Сейчас бот не ожидает ввода текста');
      const q2 = u.pressData(m.message_id, `1:uy:${a.id}:0`);
      expect((await u.answerOf(q2.queryId)).text).toBe('Кнопка устарела');
      expect(await unansweredOrTwice(h, [q1, q2])).toEqual([]);
    });
  });

  describe('F24 unlink', () => {
    it('list → confirm → Yes: an alert, the link gone, the list again', async () => {
      const [a, b] = [await shop(), await shop()];
      const u = newUser(h);
      await seedSeller(h, u, a.key, b.key);
      await menu(u);
      const q0 = u.press('➖ Отвязать магазин ➖');
      const list = await u.waitForMessage('Открепление магазина.');
      expect(list.buttons).toEqual([[`${a.name} 🟢`], [`${b.name} 🟢`], ['⟵']]);
      expect((await u.answerOf(q0.queryId)).text).toBe('Открепление магазинов');
      u.press(`${a.name} 🟢`);
      const confirm = await u.waitForMessage('Открепить магазин');
      expect(confirm.text).toBe(`Открепить магазин ${a.name}?`);
      expect(confirm.buttons).toEqual([['Да', 'Нет']]);
      const yes = keyboardData(confirm)[0][0];
      const q = u.press('Да');
      const after = await u.waitForMessage('Открепление магазина.');
      expect(after.buttons).toEqual([[`${b.name} 🟢`], ['⟵']]);
      expect(await u.answerOf(q.queryId)).toEqual({
        text: `Магазин «${a.name}» откреплён.`,
        show_alert: true,
      });
      expect(await linkedShopIds(h, u.id)).toEqual([b.id]);
      // The same Yes again (a double press): nothing else changes, the user is told.
      const q2 = u.pressData(confirm.message_id, yes);
      expect((await u.answerOf(q2.queryId)).text).toBe('Этот магазин больше недоступен.');
      expect(await linkedShopIds(h, u.id)).toEqual([b.id]);
      expect(await unansweredOrTwice(h, [q0, q, q2])).toEqual([]);
      // The shop itself stays; only the link went.
      expect(await shopRow(h, a.id)).not.toBeNull();
    });

    it('bug 19: "No" returns to the unlink list, not the main menu', async () => {
      const a = await shop();
      const u = newUser(h);
      await seedSeller(h, u, a.key);
      await menu(u);
      u.press('➖ Отвязать магазин ➖');
      await u.waitForMessage('Открепление магазина.');
      u.press(`${a.name} 🟢`);
      await u.waitForMessage('Открепить магазин');
      u.press('Нет');
      const back = await u.waitForMessage('Открепление магазина.');
      expect(back.buttons).toEqual([[`${a.name} 🟢`], ['⟵']]);
      expect(await linkedShopIds(h, u.id)).toEqual([a.id]);
      u.press('⟵');
      await u.waitForMessage('Главное меню');
    });

    it('a seller may unlink the last shop and stays a seller with an empty list', async () => {
      const a = await shop();
      const u = newUser(h);
      await seedSeller(h, u, a.key);
      await menu(u);
      u.press('➖ Отвязать магазин ➖');
      await u.waitForMessage('Открепление магазина.');
      u.press(`${a.name} 🟢`);
      await u.waitForMessage('Открепить магазин');
      u.press('Да');
      const empty = await u.waitForMessage('Магазинов пока нет.');
      expect(empty.buttons).toEqual([['⟵']]);
      expect(await linkedShopIds(h, u.id)).toEqual([]);
    });

    it('bug 23: a shop unlinked elsewhere cannot be toggled from an old screen', async () => {
      const a = await shop();
      const u = newUser(h);
      const row = await seedSeller(h, u, a.key);
      await menu(u);
      u.press('📋 Список магазинов 📋');
      await u.waitForMessage('Доступные магазины');
      u.press(`${a.name} 🟢`);
      await u.waitForMessage(`Магазин: ${a.name}`);
      u.press('🔘 Активация 🔘');
      await u.waitForMessage('Активен: 🟢');
      await h.services.links.unlink(row.id, a.id);
      const q = u.press('⏹ Деактивировать ⏹');
      expect((await u.answerOf(q.queryId)).text).toBe('Этот магазин больше недоступен.');
      await u.waitForMessage('Доступные магазины');
      expect((await shopRow(h, a.id))?.isActive).toBe(true);
    });
  });
});
