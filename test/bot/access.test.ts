import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PressResult } from '../../src/emulator/emulator.js';
import type { BotUser } from '../support/texts.js';
import {
  answerCounts,
  newUser,
  seedSeller,
  seedShop,
  setBanned,
  shopRow,
  sql,
  startHarness,
  userRow,
  type Harness,
  dataOf,
} from '../support/bot-harness.js';

/**
 * F27 and bugs 3, 4, 5, 22, 23: access is checked on every update that reads or changes data, and
 * every press is answered exactly once, refusals included.
 * The ids are those of docs/original-behaviour.md.
 */
describe('access', () => {
  let h: Harness;
  let shop: { id: number; key: string; name: string };
  const presses: PressResult[] = [];
  beforeAll(async () => {
    h = await startHarness();
    const s = await seedShop(h.services, 'Охраняемая');
    shop = { id: s.shop.id, key: s.apiKey, name: 'Охраняемая' };
  });
  afterAll(async () => {
    await h.close();
  });

  const press = (u: BotUser, ...args: Parameters<BotUser['press']>) => {
    const p = u.press(...args);
    presses.push(p);
    return p;
  };
  const pressKey = (u: BotUser, ...args: Parameters<BotUser['pressKey']>) => {
    const p = u.pressKey(...args);
    presses.push(p);
    return p;
  };

  /** A seller with the menu, the activation screen (shop active) and their button data captured. */
  async function sellerWithScreens(u: BotUser) {
    await seedSeller(h, u, shop.key);
    await sql(h, `UPDATE shops SET is_active = true WHERE id = $1`, [shop.id]);
    u.send('/menu');
    const menu = await u.waitForMessage('Главное меню');
    u.send('/menu');
    const second = await u.waitForMessage('Главное меню');
    pressKey(u, (t) => t.btnShopList, { messageId: second.message_id });
    await u.waitForMessage('Доступные магазины');
    press(u, `${shop.name} 🟢`);
    await u.waitForMessage(`Магазин: ${shop.name}`);
    pressKey(u, (t) => t.btnActivation);
    const activation = await u.waitForMessage('Активен: 🟢');
    await h.emulator.settle();
    return { menu, activation };
  }

  describe('a banned user gets the ban notice on every action', () => {
    it('/start, /menu, old buttons, toggles, subscription and typed keys', async () => {
      const u = newUser(h);
      const { menu, activation } = await sellerWithScreens(u);
      u.pressKey((t) => t.btnAddShop, { messageId: menu.message_id });
      await u.waitForMessage('Введите API key');
      await setBanned(h, u.id, true);

      u.send('/menu');
      await u.waitForMessage('🚫 Вы забанены. Обратитесь в службу поддержки.');
      u.send('/start');
      await u.waitForMessage('Вы забанены');

      // The old toggle: nothing changes, the query is answered, the old buttons go away (bug 5).
      const toggle = pressKey(u, (t) => t.btnDeactivate, { messageId: activation.message_id });
      const edited = await u.waitForMessage('Вы забанены');
      expect(edited.message_id).toBe(activation.message_id);
      expect(edited.buttons).toEqual([]);
      expect((await u.answerOf(toggle.queryId)).text).toBe('Доступ запрещён');
      expect((await shopRow(h, shop.id))?.isActive).toBe(true);

      // Pressing the shop list on an old menu.
      const list = u.pressData(
        menu.message_id,
        dataOf(
          menu,
          u.label((t) => t.btnShopList),
        ),
      );
      presses.push(list);
      await u.waitForMessage('Вы забанены');
      expect(
        u.chat().some((m) => m.text.startsWith('Доступные магазины') && m.message_id === menu.message_id),
      ).toBe(false);

      const sub = u.pressData(
        menu.message_id,
        dataOf(
          menu,
          u.label((t) => t.btnSubscription),
        ),
      );
      presses.push(sub);
      await u.answerOf(sub.queryId);
      await h.emulator.settle();
      expect(u.chat().find((m) => m.message_id === menu.message_id)?.text).toContain('Вы забанены');

      // The add-shop prompt was pending: the key is not taken.
      const other = await seedShop(h.services, 'Чужая');
      u.send(other.apiKey);
      await u.waitForMessage(/Вы забанены|не ожидает/);
      const row = await userRow(h, u.id);
      const links = await sql(h, `SELECT shop_id FROM shop_links WHERE telegram_user_id = $1`, [row!.id]);
      expect(links).toEqual([{ shop_id: shop.id }]);
    });

    it('a banned user cannot pay', async () => {
      const u = newUser(h);
      await seedSeller(h, u, shop.key);
      await sql(
        h,
        `UPDATE telegram_users SET subscription_paid_until = now() + interval '1 day' WHERE telegram_id = $1`,
        [u.id],
      );
      u.send('/menu');
      await u.waitForMessage('Главное меню');
      pressKey(u, (t) => t.btnSubscription);
      await u.waitForMessage('Подписка пользователя');
      await setBanned(h, u.id, true);
      const q = pressKey(u, (t) => t.btnPay);
      await u.waitForMessage('Вы забанены');
      expect((await u.answerOf(q.queryId)).text).toBe('Доступ запрещён');
      expect(h.emulator.callsOf('sendInvoice').filter((c) => c.params.chat_id === u.chatId)).toEqual([]);
    });
  });

  describe('an inactive user gets the subscription notice, but can pay', () => {
    it('menu, list and toggles are refused; help and subscription work', async () => {
      const u = newUser(h);
      const { menu, activation } = await sellerWithScreens(u);
      const row = await userRow(h, u.id);
      await h.services.users.setActive([row!.id], false);

      u.send('/menu');
      const notice = await u.waitForMessage(
        '🔒 Ваш аккаунт не активен. Оформите подписку для использования сервиса.',
      );
      expect(notice.buttons).toEqual([['❔ Помощь ❔', '⚡️ Подписка ⚡️']]);

      const toggle = pressKey(u, (t) => t.btnDeactivate, { messageId: activation.message_id });
      await u.waitForMessage('Ваш аккаунт не активен');
      expect((await u.answerOf(toggle.queryId)).text).toBe('Нужна подписка');
      expect((await shopRow(h, shop.id))?.isActive).toBe(true);

      const list = u.pressData(
        menu.message_id,
        dataOf(
          menu,
          u.label((t) => t.btnShopList),
        ),
      );
      presses.push(list);
      await u.waitForMessage('Ваш аккаунт не активен');

      pressKey(u, (t) => t.btnHelp);
      await u.waitForMessage('@market_support');
      u.send('/start');
      await u.waitForMessage('Ваш аккаунт не активен');
      pressKey(u, (t) => t.btnSubscription);
      await u.waitForMessage('не активна');
      pressKey(u, (t) => t.btnPay);
      await u.waitForMessage((m) => m.invoice !== undefined);
    });
  });

  describe('logged-out and unregistered users get the role choice', () => {
    it('a logged-out seller: /menu and old buttons show the role choice and change nothing', async () => {
      const u = newUser(h);
      const { menu, activation } = await sellerWithScreens(u);
      u.send('/sign_out');
      await u.waitForMessage('Выберите роль');
      u.send('/menu');
      await u.waitForMessage('Выберите роль:');
      const toggle = pressKey(u, (t) => t.btnDeactivate, { messageId: activation.message_id });
      const m = await u.waitForMessage('Выберите роль:');
      expect(m.buttons).toEqual([['Админ', 'Продавец']]);
      expect((await u.answerOf(toggle.queryId)).text).toBe('Войдите в систему');
      expect((await shopRow(h, shop.id))?.isActive).toBe(true);
      const list = u.pressData(
        menu.message_id,
        dataOf(
          menu,
          u.label((t) => t.btnShopList),
        ),
      );
      presses.push(list);
      await u.waitForMessage('Выберите роль:');
    });

    it('an unregistered user pressing real-looking buttons gets the role choice', async () => {
      const u = newUser(h);
      u.send('/start');
      const choice = await u.waitForMessage('Выберите роль');
      for (const data of [`1:ta:${shop.id}:0:0`, '1:l:0', '1:m', '1:s', '1:p', `1:si:${shop.id}:0`]) {
        const q = u.pressData(choice.message_id, data);
        presses.push(q);
        expect((await u.answerOf(q.queryId)).text).toBe('Войдите в систему');
      }
      await h.emulator.settle();
      expect(u.chat().find((m) => m.message_id === choice.message_id)?.text).toBe('Выберите роль:');
      expect((await shopRow(h, shop.id))?.isActive).toBe(true);
      expect(await userRow(h, u.id)).toBeNull();
    });
  });

  it('bugs 3, 4: every press in this file was answered exactly once', async () => {
    expect(presses.length).toBeGreaterThan(15);
    await h.emulator.settle();
    const counts = answerCounts(h.emulator);
    const wrong = presses
      .filter((p) => counts.get(p.queryId) !== 1)
      .map((p) => `${p.data}×${counts.get(p.queryId) ?? 0}`);
    expect(wrong).toEqual([]);
    // And no query at all, pressed by any helper, was answered twice or left unanswered.
    const all = h.emulator.callsOf('answerCallbackQuery');
    expect(all.every((c) => c.ok)).toBe(true);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
