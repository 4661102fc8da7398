import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BotUser } from '../support/texts.js';
import {
  loginAdmin,
  newUser,
  seedAdmin,
  seedShop,
  sql,
  startHarness,
  unansweredOrTwice,
  userRow,
  type Harness,
} from '../support/bot-harness.js';

/**
 * F09–F13: the admin login, its failures, the lockout, and admin rights checked again on every press.
 * The ids are those of docs/original-behaviour.md.
 */
describe('admin login', () => {
  let h: Harness;
  let admin: { username: string; password: string; user: { id: number } };
  beforeAll(async () => {
    h = await startHarness();
    admin = await seedAdmin(h.services, 'boss', 'correct horse battery');
    await seedShop(h.services, 'Первый');
    await seedShop(h.services, 'Второй');
  });
  afterAll(async () => {
    await h.close();
  });

  const wasDeleted = (u: BotUser, messageId: number) =>
    u.userMessages().find((m) => m.message_id === messageId)?.deleted;

  async function toPasswordPrompt(u: BotUser, username: string) {
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnAdmin);
    await u.waitForMessage('Введите ваш Username:');
    const sent = u.send(username);
    await u.waitForMessage('Введите пароль:');
    return sent;
  }

  it('F09 the username prompt has a way back to the role choice', async () => {
    const u = newUser(h);
    u.send('/start');
    const choice = await u.waitForMessage('Выберите роль');
    const q = u.pressKey((t) => t.btnAdmin);
    const prompt = await u.waitForMessage('Введите ваш Username:');
    expect(prompt.message_id).toBe(choice.message_id);
    expect(prompt.buttons).toEqual([['⟵']]);
    u.pressKey((t) => t.btnBack);
    const back = await u.waitForMessage('Выберите роль:');
    expect(back.buttons).toEqual([['Админ', 'Продавец']]);
    // Back means the username is no longer expected.
    u.send('boss');
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    expect(await unansweredOrTwice(h, [q])).toEqual([]);
  });

  it('F10, F11, F13 logs in with username and password; both messages are deleted (bug 25)', async () => {
    const u = newUser(h, { first_name: 'Олег', username: 'oleg' });
    u.send('/start');
    await u.waitForMessage('Выберите роль');
    u.pressKey((t) => t.btnAdmin);
    await u.waitForMessage('Введите ваш Username:');
    const name = u.send(admin.username);
    const prompt = await u.waitForMessage('Введите пароль:');
    expect(prompt.buttons).toEqual([['Отмена']]);
    const pass = u.send(admin.password);
    const done = await u.waitForMessage('✅ Вы вошли в систему как Администратор.');
    expect(done.text).toBe('✅ Вы вошли в систему как Администратор.\n\nГлавное меню (Олег: Админ):');
    expect(done.buttons).toEqual([
      ['❔ Помощь ❔', '⚡️ Подписка ⚡️'],
      ['📋 Список магазинов 📋'],
      ['💬 Поддержка'],
    ]);
    expect(wasDeleted(u, name.message_id)).toBe(true);
    expect(wasDeleted(u, pass.message_id)).toBe(true);
    // "Password received" was shown, then turned into the result.
    expect(u.chat().some((m) => m.edits > 0 && m.message_id === done.message_id)).toBe(true);
    const row = await userRow(h, u.id);
    expect(row).toMatchObject({
      role: 'admin',
      isLoggedOut: false,
      username: 'oleg',
      staffUserId: admin.user.id,
    });
    // An admin sees every shop.
    u.pressKey((t) => t.btnShopList);
    const list = await u.waitForMessage('Доступные магазины');
    expect(list.buttons.flat()).toEqual(expect.arrayContaining(['Первый 🟢', 'Второй 🟢']));
  });

  it('F12 a wrong password can be typed again, with the username kept', async () => {
    const u = newUser(h);
    await toPasswordPrompt(u, admin.username);
    const wrong = u.send('not the password');
    const failed = await u.waitForMessage('Неверный username или password');
    expect(failed.text).toBe('❌ Неверный username или password.\nВы можете ввести пароль повторно:');
    expect(failed.buttons).toEqual([['Ввести username', 'Отмена']]);
    expect(wasDeleted(u, wrong.message_id)).toBe(true);
    u.send(admin.password);
    await u.waitForMessage('Вы вошли в систему как Администратор');
    expect((await userRow(h, u.id))?.role).toBe('admin');
  });

  it('F12 "Enter username" starts again from the username', async () => {
    const u = newUser(h);
    await toPasswordPrompt(u, 'nobody-like-this');
    u.send('whatever-password');
    await u.waitForMessage('Неверный username или password');
    u.pressKey((t) => t.btnEnterUsername);
    await u.waitForMessage('Введите ваш Username:');
    u.send(admin.username);
    await u.waitForMessage('Введите пароль:');
    u.send(admin.password);
    await u.waitForMessage('Вы вошли в систему как Администратор');
  });

  it('F12 Cancel ends the login; the next text is not a password', async () => {
    const u = newUser(h);
    await toPasswordPrompt(u, admin.username);
    u.send('wrong one');
    await u.waitForMessage('Неверный username или password');
    const q = u.pressKey((t) => t.btnCancel);
    await u.waitForMessage('Команда отменена');
    await u.waitForMessage('Выберите роль:');
    expect((await u.answerOf(q.queryId)).text).toBe('Отмена');
    const later = u.send(admin.password);
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    expect(wasDeleted(u, later.message_id)).toBe(false);
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('F11 refuses a staff user who is not in telegram_admins', async () => {
    await h.services.staff.createUser({ username: 'clerk', password: 'clerk password 1', isStaff: true });
    const u = newUser(h);
    await toPasswordPrompt(u, 'clerk');
    u.send('clerk password 1');
    await u.waitForMessage('Неверный username или password');
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('F11 refuses an inactive staff user', async () => {
    await seedAdmin(h.services, 'retired', 'retired password 1');
    await sql(h, `UPDATE users SET is_active = false WHERE username = 'retired'`);
    const u = newUser(h);
    await toPasswordPrompt(u, 'retired');
    u.send('retired password 1');
    await u.waitForMessage('Неверный username или password');
    expect(await userRow(h, u.id)).toBeNull();
  });

  it('bug 21: after 5 failures the login is locked, with the wait time, even for the right password', async () => {
    await seedAdmin(h.services, 'target', 'target password 1');
    const u = newUser(h);
    await toPasswordPrompt(u, 'target');
    for (let i = 0; i < 5; i++) {
      u.send(`guess number ${i}`);
      await u.waitForMessage('Неверный username или password');
    }
    u.send('target password 1');
    const locked = await u.waitForMessage('Слишком много неудачных попыток');
    expect(locked.text).toBe('⏳ Слишком много неудачных попыток входа. Попробуйте снова через 15 мин.');
    expect(await userRow(h, u.id)).toBeNull();
    // The prompt is over: the next text is not taken as a password.
    u.send('target password 1');
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    // Starting again doesn't get round the lock.
    await toPasswordPrompt(u, 'target');
    u.send('target password 1');
    await u.waitForMessage('Слишком много неудачных попыток');
    expect(await userRow(h, u.id)).toBeNull();
  });

  describe('bug 23: admin rights are checked again on every press', () => {
    it('removed from telegram_admins → the next press shows the role choice with the notice', async () => {
      await seedAdmin(h.services, 'demoted', 'demoted password 1');
      const u = newUser(h);
      await loginAdmin(u, 'demoted', 'demoted password 1');
      // As the panel's UserGroup delete does it.
      await sql(
        h,
        `DELETE FROM user_groups WHERE user_id = (SELECT id FROM users WHERE username = 'demoted')`,
      );
      const q = u.pressKey((t) => t.btnShopList);
      const m = await u.waitForMessage('Ваш доступ администратора отозван');
      expect(m.text).toBe('🔑 Ваш доступ администратора отозван. Войдите снова.\n\nВыберите роль:');
      expect(m.buttons).toEqual([['Админ', 'Продавец']]);
      expect((await u.answerOf(q.queryId)).text).toBe('Войдите в систему');
      expect(u.chat().some((msg) => msg.text.includes('Доступные магазины'))).toBe(false);
      // /menu too.
      u.send('/menu');
      await u.waitForMessage('Ваш доступ администратора отозван');
      expect(await unansweredOrTwice(h, [q])).toEqual([]);
    });

    it('a deactivated staff account loses admin access at once', async () => {
      await seedAdmin(h.services, 'leaver', 'leaver password 1');
      const u = newUser(h);
      await loginAdmin(u, 'leaver', 'leaver password 1');
      await sql(h, `UPDATE users SET is_active = false WHERE username = 'leaver'`);
      u.pressKey((t) => t.btnShopList);
      await u.waitForMessage('Ваш доступ администратора отозван');
    });
  });
});
