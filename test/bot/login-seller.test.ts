import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  linkedShopIds,
  loginSeller,
  newUser,
  seedSeller,
  seedShop,
  setBanned,
  sql,
  startHarness,
  unansweredOrTwice,
  userRow,
  type Harness,
  keyboardData,
} from '../support/bot-harness.js';

/**
 * F14–F16 and F37, F39: the seller login by shop key, logging in again, shared shops.
 * The ids are those of docs/original-behaviour.md.
 */
describe('seller login', () => {
  let h: Harness;
  let a: { id: number; key: string };
  let b: { id: number; key: string };
  beforeAll(async () => {
    h = await startHarness();
    const sa = await seedShop(h.services, 'Магазин А');
    const sb = await seedShop(h.services, 'Магазин Б', { isActive: false });
    a = { id: sa.shop.id, key: sa.apiKey };
    b = { id: sb.shop.id, key: sb.apiKey };
  });
  afterAll(async () => {
    await h.close();
  });

  it('F14, F15 logs in with a shop key: the key message is deleted, the shop linked, the menu shown', async () => {
    const u = newUser(h, { first_name: 'Анна', username: 'anna' });
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    const q = u.pressKey((t) => t.btnSeller);
    const prompt = await u.waitForMessage('Введите API key 🔑 вашего магазина:');
    // Unlike the original, the prompt has a way back.
    expect(prompt.buttons).toEqual([['⟵']]);
    const sent = u.send(a.key);
    const done = await u.waitForMessage('✅ Вы вошли в систему как Продавец.');
    expect(done.text).toBe('✅ Вы вошли в систему как Продавец.\n\nГлавное меню (Анна: Продавец):');
    expect(done.buttons[1]).toEqual(['➕ Добавить магазин ➕']);
    expect(u.userMessages().find((m) => m.message_id === sent.message_id)?.deleted).toBe(true);
    const row = await userRow(h, u.id);
    expect(row).toMatchObject({ role: 'seller', isLoggedOut: false, username: 'anna', chatId: u.chatId });
    expect(await linkedShopIds(h, u.id)).toEqual([a.id]);
    expect((await u.answerOf(q.queryId)).text ?? '').toBe('');
  });

  it('F14 the back button on the key prompt returns to the role choice and drops the input', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    u.pressKey((t) => t.btnBack);
    await u.waitForMessage('Выберите роль:');
    u.send(a.key);
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('F16 a wrong key can be typed again; the right one then works', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    const wrong = u.send('not-a-real-key-1');
    const failed = await u.waitForMessage('Неверный API key');
    expect(failed.text).toBe('❌ Неверный API key 🔑, пожалуйста повторите ввод:');
    expect(failed.buttons).toEqual([['Отмена']]);
    expect(u.userMessages().find((m) => m.message_id === wrong.message_id)?.deleted).toBe(true);
    expect(await userRow(h, u.id)).toBeNull();
    u.send(a.key);
    await u.waitForMessage('Вы вошли в систему как Продавец');
  });

  it('F16 Cancel ends the seller login', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    u.send('not-a-real-key-2');
    await u.waitForMessage('Неверный API key');
    u.pressKey((t) => t.btnCancel);
    await u.waitForMessage('Команда отменена');
    await u.waitForMessage('Выберите роль:');
    u.send(a.key);
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('bug 24: an inactive shop key still logs in (is_active switches the sync, not the key)', async () => {
    const u = newUser(h);
    await loginSeller(u, b.key);
    expect(await linkedShopIds(h, u.id)).toEqual([b.id]);
  });

  it('bug 21: key guessing is locked after 5 failures', async () => {
    const u = newUser(h);
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    for (let i = 0; i < 5; i++) {
      u.send(`guessed-key-${i}`);
      await u.waitForMessage('Неверный API key');
    }
    u.send(a.key);
    await u.waitForMessage('Слишком много неудачных попыток входа. Попробуйте снова через 15 мин.');
    expect(await userRow(h, u.id)).toBeNull();
  });

  describe('F37 logging in again keeps ban, subscription and links', () => {
    it('keeps every link and the paid-until date', async () => {
      const u = newUser(h, { first_name: 'Старое' });
      await seedSeller(h, u, a.key, b.key);
      const paidUntil = new Date(Date.now() + 5 * 86_400_000);
      await sql(h, `UPDATE telegram_users SET subscription_paid_until = $2 WHERE telegram_id = $1`, [
        u.id,
        paidUntil,
      ]);
      u.send('/sign_out');
      await u.waitForMessage('Выберите роль:');
      h.emulator.user({ ...u.info, first_name: 'Новое' });
      await loginSeller(u, a.key);
      const row = await userRow(h, u.id);
      expect(row).toMatchObject({ firstName: 'Новое', isLoggedOut: false, isBanned: false, isActive: true });
      expect(row?.subscriptionPaidUntil?.getTime()).toBe(paidUntil.getTime());
      expect((await linkedShopIds(h, u.id)).sort()).toEqual([a.id, b.id].sort());
    });

    it('keeps an unpaid subscription unpaid: the user logs in and is told to subscribe', async () => {
      const u = newUser(h);
      u.send('/start');
      const choice = await u.waitForMessage('Выберите роль');
      const sellerData = keyboardData(choice)[0][1];
      u.pressKey((t) => t.btnSeller);
      await u.waitForMessage('Введите API key');
      u.send(a.key);
      await u.waitForMessage('Вы вошли в систему как Продавец');
      const row = await userRow(h, u.id);
      await h.services.users.setActive([row!.id], false);
      u.send('/sign_out');
      await u.waitForMessage('Ваш аккаунт не активен');
      expect((await userRow(h, u.id))?.isLoggedOut).toBe(true);
      // The "Seller" button (the data of the old role choice, pressed on the newest message) still
      // logs a signed-out user in, whatever the subscription.
      const q = u.pressData(u.lastBotMessage()!.message_id, sellerData);
      await u.waitForMessage('Введите API key');
      expect((await u.answerOf(q.queryId)).text ?? '').toBe('');
      u.send(a.key);
      await u.waitForMessage('Вы вошли в систему как Продавец');
      await u.waitForMessage('Ваш аккаунт не активен');
      expect(await userRow(h, u.id)).toMatchObject({ isActive: false, isLoggedOut: false });
    });

    it('keeps a ban: a banned user who signed out gets the ban notice instead of a login', async () => {
      const u = newUser(h);
      await seedSeller(h, u, a.key);
      u.send('/start');
      await u.waitForMessage('Главное меню');
      u.send('/sign_out');
      const choice = await u.waitForMessage('Выберите роль:');
      await setBanned(h, u.id, true);
      const q = u.pressKey((t) => t.btnSeller, { messageId: choice.message_id });
      await u.waitForMessage('Вы забанены');
      expect(await userRow(h, u.id)).toMatchObject({ isBanned: true, isLoggedOut: true });
      expect(await unansweredOrTwice(h, [q])).toEqual([]);
    });
  });

  it('bug 24: the role buttons do not log in again someone who is logged in', async () => {
    const u = newUser(h);
    u.send('/start');
    const choice = await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnSeller);
    await u.waitForMessage('Введите API key');
    u.send(a.key);
    await u.waitForMessage('Вы вошли в систему как Продавец');
    // An old role-choice message in the chat: its buttons now only say how to switch.
    u.send('/start');
    await u.waitForMessage('Главное меню');
    const q = u.pressData(choice.message_id, keyboardData(choice)[0][0]);
    const shown = await u.waitForMessage('Главное меню');
    expect((await u.answerOf(q.queryId)).text).toBe(
      'Вы уже вошли в систему. Чтобы сменить роль, используйте /sign_out.',
    );
    expect(shown.text).not.toContain('Username');
    u.send('boss');
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    expect((await userRow(h, u.id))?.role).toBe('seller');
  });

  it('F39 one shop, several sellers; one seller, several shops', async () => {
    const x = newUser(h);
    const y = newUser(h);
    await loginSeller(x, a.key);
    await loginSeller(y, a.key);
    await seedSeller(h, y, b.key);
    expect(await linkedShopIds(h, x.id)).toEqual([a.id]);
    expect((await linkedShopIds(h, y.id)).sort()).toEqual([a.id, b.id].sort());
    y.send('/menu');
    await y.waitForMessage('Главное меню');
    y.pressKey((t) => t.btnShopList);
    const list = await y.waitForMessage('Доступные магазины');
    expect(list.buttons.slice(0, 2)).toEqual([['Магазин А 🟢'], ['Магазин Б 🔴']]);
    x.send('/menu');
    await x.waitForMessage('Главное меню');
    x.pressKey((t) => t.btnShopList);
    const xl = await x.waitForMessage('Доступные магазины');
    expect(xl.buttons.flat()).not.toContain('Магазин Б 🔴');
  });
});
