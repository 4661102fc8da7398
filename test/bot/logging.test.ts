import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import {
  loginSeller,
  newUser,
  seedAdmin,
  seedShop,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';
import { sql } from '../support/sql.js';

/**
 * F31, F35 and bug 20: what the bot logs, read as the operator would, and what it never logs.
 * The ids are those of docs/original-behaviour.md.
 */
describe('logging', () => {
  let h: Harness;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    h = await startHarness({}, {}, { logger: createLogger('debug', 'market-bot', sink) });
  });
  afterAll(async () => {
    await h.close();
  });

  it('never writes a shop key, a password or an admin username it was typed, whatever happens', async () => {
    const { apiKey } = await seedShop(h.services, 'Лог-магазин');
    const admin = await seedAdmin(h.services, 'log_boss', 'log-admin-Pa55word');

    const seller = newUser(h);
    seller.send('/start');
    await seller.waitForMessage('Выберите роль');
    seller.pressKey((t) => t.btnSeller);
    await seller.waitForMessage(/API key/);
    seller.send('mk_wrongKEYwrongKEYwrong123');
    await seller.waitForMessage('Неверный API key');
    seller.send(apiKey);
    await seller.waitForMessage('Вы вошли в систему как Продавец');
    seller.pressKey((t) => t.btnAddShop);
    await seller.waitForMessage('Введите API key');
    seller.send('mk_anotherWRONGkeyXYZ987');
    await seller.waitForMessage('Неверный API key');

    const a = newUser(h);
    a.send('/start');
    await a.waitForMessage('Выберите роль');
    a.pressKey((t) => t.btnAdmin);
    await a.waitForMessage('Введите ваш Username');
    a.send(admin.username);
    await a.waitForMessage('Введите пароль');
    a.send('not-the-Password-99');
    await a.waitForMessage('Неверный username или password');
    a.send(admin.password);
    await a.waitForMessage('Вы вошли в систему как Администратор');

    // Text nobody asked for that looks like a key: deleted, and not logged either.
    const stray = newUser(h);
    await loginSeller(stray, apiKey);
    stray.send('StrayS3cretToken123');
    await stray.waitForMessage('похоже на ключ или пароль');
    await h.emulator.settle();

    const all = lines.join('\n');
    for (const secret of [
      apiKey,
      'mk_wrongKEYwrongKEYwrong123',
      'mk_anotherWRONGkeyXYZ987',
      admin.password,
      'not-the-Password-99',
      admin.username,
      'StrayS3cretToken123',
    ]) {
      expect(all).not.toContain(secret);
    }
    // …while the operator still sees what happened.
    const messages = logged().map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'seller login failed',
        'seller logged in',
        'admin login failed',
        'admin logged in',
      ]),
    );
  });

  it('logs an unknown or forged button with who pressed it (F31)', async () => {
    const u = newUser(h);
    u.send('/start');
    const m = await u.waitForMessage('Выберите роль');
    const q = u.pressData(m.message_id, 'shop_info');
    expect((await u.answerOf(q.queryId)).text).toBe('Кнопка устарела');
    const entry = logged().find((l) => l.msg === 'unknown or outdated button' && l.from === u.id);
    expect(entry).toBeDefined();
  });

  it('logs an error with its stack and the update, but not the session or the message text', async () => {
    const { apiKey } = await seedShop(h.services, 'Ошибка');
    const u = newUser(h);
    await loginSeller(u, apiKey);
    await sql(h, `ALTER TABLE shops RENAME TO shops_away`);
    try {
      u.pressKey((t) => t.btnShopList);
      await u.waitForMessage('Что-то пошло не так');
    } finally {
      await sql(h, `ALTER TABLE shops_away RENAME TO shops`);
    }
    const entry = logged().find((l) => l.msg === 'update failed' && l.user === u.id);
    expect(entry).toBeDefined();
    expect(JSON.stringify(entry)).toContain('shops');
    expect(entry).not.toHaveProperty('session');
  });
});
