import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LabelPicker } from '../../src/emulator/emulator.js';
import type { BotUser, Texts } from '../support/texts.js';
import {
  linkedShopIds,
  loginAdmin,
  newUser,
  seedAdmin,
  seedSeller,
  seedShop,
  shopRow,
  sql,
  startHarness,
  unansweredOrTwice,
  type Harness,
} from '../support/bot-harness.js';

/**
 * F29 (and F30): button data is checked, forged data changes nothing, buttons survive restarts.
 * The ids are those of docs/original-behaviour.md.
 */
describe('buttons', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function sellerMenu(u: BotUser, ...keys: string[]) {
    await seedSeller(h, u, ...keys);
    u.send('/menu');
    return u.waitForMessage('Главное меню');
  }

  it('bug 23: forged data for someone else’s shop changes nothing and is answered', async () => {
    const mine = await seedShop(h.services, 'Моя');
    const theirs = await seedShop(h.services, 'Чужая', { updatePrices: false });
    const owner = newUser(h);
    await seedSeller(h, owner, theirs.apiKey);
    const u = newUser(h);
    const menu = await sellerMenu(u, mine.apiKey);
    const id = theirs.shop.id;
    const forged = [
      `1:ta:${id}:0:0`,
      `1:tp:${id}:1:0`,
      `1:si:${id}:0`,
      `1:sm:${id}:0`,
      `1:uy:${id}:0`,
      `1:ua:${id}:0`,
    ];
    const presses = [];
    for (const data of forged) {
      const q = u.pressData(menu.message_id, data);
      presses.push(q);
      expect((await u.answerOf(q.queryId)).text).toBe('Этот магазин больше недоступен.');
      await h.emulator.settle();
      // What the user sees is their own list, never the other shop.
      expect(u.chat().some((m) => m.text.includes('Чужая'))).toBe(false);
    }
    const row = await shopRow(h, id);
    expect(row).toMatchObject({ isActive: true, updatePrices: false });
    expect(await linkedShopIds(h, owner.id)).toEqual([id]);
    expect(await linkedShopIds(h, u.id)).toEqual([mine.shop.id]);
    expect(await unansweredOrTwice(h, presses)).toEqual([]);
  });

  it('unknown, garbage or over-long data gets "outdated" and a fresh menu in its place', async () => {
    const s = await seedShop(h.services, 'Любая');
    const u = newUser(h, { first_name: 'Ира' });
    const menu = await sellerMenu(u, s.apiKey);
    const presses = [];
    for (const data of [
      '',
      'garbage',
      'shop_list',
      '2:m',
      '1:ta:1:2:0',
      '1:l:-1',
      '1:sm:99999999999:0',
      `1:${'x'.repeat(200)}`,
    ]) {
      const q = u.pressData(menu.message_id, data);
      presses.push(q);
      expect(await u.answerOf(q.queryId)).toMatchObject({ text: 'Кнопка устарела' });
      await h.emulator.settle();
      const now = u.chat().find((m) => m.message_id === menu.message_id)!;
      expect(now.text).toBe(
        'Извините, эта кнопка устарела 😕 Вот актуальное меню.\n\nГлавное меню (Ира: Продавец):',
      );
      expect(now.buttons.flat()).toContain(u.label((t) => t.btnShopList));
    }
    expect(await unansweredOrTwice(h, presses)).toEqual([]);
  });

  it('an outdated button ends a pending input', async () => {
    const s = await seedShop(h.services, 'Ещё одна');
    const other = await seedShop(h.services, 'Не добавлять');
    const u = newUser(h);
    const menu = await sellerMenu(u, s.apiKey);
    u.pressKey((t) => t.btnAddShop);
    await u.waitForMessage('Введите API key');
    const q = u.pressData(menu.message_id, 'nonsense');
    await u.answerOf(q.queryId);
    await h.emulator.settle();
    u.send(other.apiKey);
    await u.waitForMessage('Сейчас бот не ожидает ввода текста');
    expect(await linkedShopIds(h, u.id)).toEqual([s.shop.id]);
  });

  it('every button the bot sent carried at most 64 bytes of data, even with large ids', async () => {
    await sql(h, `SELECT setval(pg_get_serial_sequence('shops', 'id'), 2147483000)`);
    const big = await seedShop(h.services, 'Магазин с огромным номером и очень длинным названием'.repeat(4));
    expect(big.shop.id).toBeGreaterThan(2147483000);
    const { username, password } = await seedAdmin(h.services, 'walker', 'walker password 1');
    const admin = newUser(h);
    await loginAdmin(admin, username, password);
    const u = newUser(h);
    await sellerMenu(u, big.apiKey);
    // Walk every screen a seller can reach.
    const steps: [LabelPicker<Texts> | RegExp, string | RegExp][] = [
      [(t) => t.btnHelp, '@market_support'],
      [(t) => t.btnMenu, 'Главное меню'],
      [(t) => t.btnSubscription, 'Подписка пользователя'],
      [(t) => t.btnBack, 'Главное меню'],
      [(t) => t.btnShopList, 'Доступные магазины'],
      [/🟢$/, 'Магазин:'],
      [(t) => t.btnShopInfo, 'Детальная информация'],
      [(t) => t.btnBack, 'Магазин:'],
      [(t) => t.btnActivation, 'Активен'],
      [(t) => t.btnDeactivate, 'Активен: 🔴'],
      [(t) => t.btnBack, 'Магазин:'],
      [(t) => t.btnPrices, 'Обновление цен:'],
      [(t) => t.btnPricesOn, 'Обновление цен: ВКЛ'],
      [(t) => t.btnBack, 'Магазин:'],
      [(t) => t.btnBack, 'Доступные магазины'],
      [(t) => t.btnBack, 'Главное меню'],
      [(t) => t.btnUnlinkShop, 'Открепление'],
      [/🔴$/, 'Открепить магазин'],
      [(t) => t.btnNo, 'Открепление'],
      [(t) => t.btnBack, 'Главное меню'],
      [(t) => t.btnAddShop, 'Введите API key'],
      [(t) => t.btnBack, 'Главное меню'],
    ];
    for (const [button, expected] of steps) {
      if (typeof button === 'function') u.pressKey(button);
      else u.press(button);
      await u.waitForMessage(expected);
    }
    await h.emulator.settle();
    const sent = ['sendMessage', 'editMessageText', 'editMessageReplyMarkup']
      .flatMap((m) => h.emulator.callsOf(m))
      .filter((c) => c.params.reply_markup !== undefined);
    const datas = sent.flatMap((c) => {
      const markup =
        typeof c.params.reply_markup === 'string' ? JSON.parse(c.params.reply_markup) : c.params.reply_markup;
      return ((markup as { inline_keyboard?: { callback_data?: string }[][] }).inline_keyboard ?? [])
        .flat()
        .map((b) => b.callback_data ?? '');
    });
    expect(datas.length).toBeGreaterThan(50);
    expect(datas.filter((d) => Buffer.byteLength(d, 'utf8') > 64 || d === '')).toEqual([]);
    expect(datas.some((d) => d.includes(String(big.shop.id)))).toBe(true);
    const refused = sent.filter((c) => /BUTTON_DATA_INVALID/.test(c.description ?? ''));
    expect(refused).toEqual([]);
  });

  it('buttons keep working after a restart (bug 28)', async () => {
    const s = await seedShop(h.services, 'Переживёт');
    const u = newUser(h);
    await sellerMenu(u, s.apiKey);
    u.pressKey((t) => t.btnShopList);
    await u.waitForMessage('Доступные магазины');
    u.press('Переживёт 🟢');
    await u.waitForMessage('Магазин: Переживёт');
    u.pressKey((t) => t.btnActivation);
    const screen = await u.waitForMessage('Активен: 🟢');
    await h.restart();
    const q = u.pressKey((t) => t.btnDeactivate, { messageId: screen.message_id });
    await u.waitForMessage('Активен: 🔴');
    expect((await u.answerOf(q.queryId)).text).toBe('Магазин деактивирован');
    expect((await shopRow(h, s.shop.id))?.isActive).toBe(false);
    u.pressKey((t) => t.btnBack);
    await u.waitForMessage('Магазин: Переживёт');
  });
});
