import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BotMessageView } from '../../src/emulator/emulator.js';
import type { BotUser } from '../support/texts.js';
import {
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
  keyboardData,
} from '../support/bot-harness.js';

/**
 * F18–F22: the shop list (paginated), shop menu, shop info, activation and price updating.
 * BOT_LIST_LIMIT comes from the environment as a string, as in the original's .env (bug 1).
 * The ids are those of docs/original-behaviour.md.
 */
describe('shops', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BOT_LIST_LIMIT: '3' });
  });
  afterAll(async () => {
    await h.close();
  });

  let shopSeq = 0;
  async function shops(n: number, opts: { isActive?: boolean; updatePrices?: boolean } = {}) {
    const out: { id: number; name: string; key: string }[] = [];
    for (let i = 0; i < n; i++) {
      const name = `Лавка ${++shopSeq}`;
      const { shop, apiKey } = await seedShop(h.services, name, opts);
      out.push({ id: shop.id, name, key: apiKey });
    }
    return out;
  }

  async function sellerWith(list: { key: string }[]): Promise<BotUser> {
    const u = newUser(h);
    await seedSeller(h, u, ...list.map((s) => s.key));
    return u;
  }

  async function openList(u: BotUser): Promise<BotMessageView> {
    u.send('/menu');
    await u.waitForMessage('Главное меню');
    u.pressKey((t) => t.btnShopList);
    return u.waitForMessage('Доступные магазины');
  }

  async function openShop(u: BotUser, name: string): Promise<BotMessageView> {
    await openList(u);
    u.press(new RegExp(`^${name} (🟢|🔴)$`));
    return u.waitForMessage(`Магазин: ${name}`);
  }

  const pageOf = (m: BotMessageView) => m.buttons.flat().find((b) => /^\d+ \/ \d+$/.test(b));

  describe('F18 the list', () => {
    it('a seller sees only linked shops, by id, with 🟢/🔴 and a back button', async () => {
      const mine = await shops(2);
      const [off] = await shops(1, { isActive: false });
      await shops(1); // someone else's
      const u = await sellerWith([...mine, off]);
      const list = await openList(u);
      expect(list.text).toBe('Доступные магазины и их активность:');
      expect(list.buttons).toEqual([
        [`${mine[0].name} 🟢`],
        [`${mine[1].name} 🟢`],
        [`${off.name} 🔴`],
        ['⟵'],
      ]);
    });

    it('an admin sees every shop', async () => {
      const { username, password } = await seedAdmin(h.services, 'lister', 'lister password 1');
      const u = newUser(h);
      await loginAdmin(u, username, password);
      const [total] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM shops`);
      u.pressKey((t) => t.btnShopList);
      const list = await u.waitForMessage('Доступные магазины');
      expect(pageOf(list)).toBe(`1 / ${Math.ceil(total.n / 3)}`);
    });

    it('bug 13: pages count right, the last page has no "next", back returns to the page you came from', async () => {
      const seven = await shops(7);
      const u = await sellerWith(seven);
      const first = await openList(u);
      expect(first.buttons).toEqual([
        [`${seven[0].name} 🟢`],
        [`${seven[1].name} 🟢`],
        [`${seven[2].name} 🟢`],
        ['1 / 3', '»'],
        ['⟵'],
      ]);
      const q = u.press('»');
      const second = await u.waitForMessage((m) => pageOf(m) === '2 / 3');
      expect(second.buttons.slice(0, 3).flat()).toEqual(seven.slice(3, 6).map((s) => `${s.name} 🟢`));
      expect(second.buttons[3]).toEqual(['«', '2 / 3', '»']);
      expect((await u.answerOf(q.queryId)).text).toBe('Список магазинов');
      u.press('»');
      const third = await u.waitForMessage((m) => pageOf(m) === '3 / 3');
      expect(third.buttons).toEqual([[`${seven[6].name} 🟢`], ['«', '3 / 3'], ['⟵']]);
      const counter = u.press('3 / 3');
      expect((await u.answerOf(counter.queryId)).text).toBe('Номер страницы');
      u.press('«');
      await u.waitForMessage((m) => pageOf(m) === '2 / 3');
      u.press(`${seven[4].name} 🟢`);
      await u.waitForMessage(`Магазин: ${seven[4].name}`);
      u.pressKey((t) => t.btnBack);
      const back = await u.waitForMessage('Доступные магазины');
      expect(pageOf(back)).toBe('2 / 3');
      expect(back.buttons[1]).toEqual([`${seven[4].name} 🟢`]);
      // And back from a sub-screen of the shop, too.
      u.press(`${seven[5].name} 🟢`);
      await u.waitForMessage(`Магазин: ${seven[5].name}`);
      u.pressKey((t) => t.btnShopInfo);
      await u.waitForMessage('Детальная информация');
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage(`Магазин: ${seven[5].name}`);
      u.pressKey((t) => t.btnBack);
      const again = await u.waitForMessage('Доступные магазины');
      expect(pageOf(again)).toBe('2 / 3');
    });

    it('bug 13: a full last page leads to no empty page, one page has no counter, none says so', async () => {
      const six = await shops(6);
      const u = await sellerWith(six);
      await openList(u);
      u.press('»');
      const last = await u.waitForMessage((m) => pageOf(m) === '2 / 2');
      expect(last.buttons[3]).toEqual(['«', '2 / 2']);
      // A stale "next" past the end shows the last real page, not "3 / 2".
      const q = u.pressData(last.message_id, '1:l:6');
      await u.answerOf(q.queryId);
      await h.emulator.settle();
      expect(pageOf(u.lastBotMessage()!)).toBe('2 / 2');
      expect(u.lastBotMessage()!.buttons).toHaveLength(5);

      const three = await sellerWith(await shops(3));
      const single = await openList(three);
      expect(pageOf(single)).toBeUndefined();
      expect(single.buttons).toHaveLength(4);

      const none = newUser(h);
      const [gone] = await shops(1);
      const row = await seedSeller(h, none, gone.key);
      await h.services.links.unlink(row.id, gone.id);
      const empty = await openList(none);
      expect(empty.text).toBe('Доступные магазины и их активность:\nМагазинов пока нет.');
      expect(empty.buttons).toEqual([['⟵']]);
      expect(empty.text).not.toMatch(/\d+ \/ 0/);
    });

    it('⟵ on the list returns to the menu', async () => {
      const u = await sellerWith(await shops(1));
      const list = await openList(u);
      u.pressKey((t) => t.btnBack);
      const menu = await u.waitForMessage('Главное меню');
      expect(menu.message_id).toBe(list.message_id);
    });
  });

  describe('F19, F20 shop menu and info', () => {
    it('the shop menu has info, activation, prices and back', async () => {
      const [s] = await shops(1);
      const u = await sellerWith([s]);
      await openList(u);
      const q = u.press(`${s.name} 🟢`);
      const menu = await u.waitForMessage(`Магазин: ${s.name}`);
      expect(menu.buttons).toEqual([
        ['ℹ️ Информация о магазине ℹ️'],
        ['🔘 Активация 🔘'],
        ['💰 Обновление цен 💰'],
        ['⟵'],
      ]);
      expect((await u.answerOf(q.queryId)).text).toBe('Меню магазина');
    });

    it('shop info is read fresh from the database', async () => {
      const [s] = await shops(1);
      const u = await sellerWith([s]);
      await openShop(u, s.name);
      await sql(
        h,
        `UPDATE shops SET name = 'Переименован', vendor_name = 'Новый поставщик', update_prices = true WHERE id = $1`,
        [s.id],
      );
      u.pressKey((t) => t.btnShopInfo);
      const info = await u.waitForMessage('Детальная информация');
      expect(info.text).toBe(
        'Детальная информация о магазине:\nНазвание: Переименован\nПоставщик: Новый поставщик\nАктивен: ✅\nОбновлять цены: ✅',
      );
      expect(info.buttons).toEqual([['⟵']]);
    });

    it('bug 9: a shop deleted while open gives a notice and the list, not a crash', async () => {
      const [s, other] = await shops(2);
      const u = await sellerWith([s, other]);
      await openShop(u, s.name);
      await h.services.shops.delete(s.id);
      const q = u.pressKey((t) => t.btnShopInfo);
      const list = await u.waitForMessage('Доступные магазины');
      expect(list.buttons.flat()).toEqual([`${other.name} 🟢`, '⟵']);
      expect((await u.answerOf(q.queryId)).text).toBe('Этот магазин больше недоступен.');
    });
  });

  describe('F21 activation', () => {
    it('sets the value shown; pressing the same old button again changes nothing', async () => {
      const [s] = await shops(1);
      const u = await sellerWith([s]);
      await openShop(u, s.name);
      u.pressKey((t) => t.btnActivation);
      const screen = await u.waitForMessage('Активен: 🟢');
      expect(screen.text).toBe(`Магазин: ${s.name}\nАктивен: 🟢`);
      expect(screen.buttons).toEqual([['⏹ Деактивировать ⏹'], ['⟵']]);
      const oldData = keyboardData(screen)[0][0];
      const q1 = u.pressKey((t) => t.btnDeactivate);
      const off = await u.waitForMessage('Активен: 🔴');
      expect(off.buttons).toEqual([['▶️ Активировать ▶️'], ['⟵']]);
      expect((await u.answerOf(q1.queryId)).text).toBe('Магазин деактивирован');
      expect((await shopRow(h, s.id))?.isActive).toBe(false);
      // A double press: the same (old) button data arrives again.
      const q2 = u.pressData(screen.message_id, oldData);
      expect((await u.answerOf(q2.queryId)).text).toBe('Уже установлено');
      expect((await shopRow(h, s.id))?.isActive).toBe(false);
      await h.emulator.settle();
      expect(u.lastBotMessage()!.text).toBe(`Магазин: ${s.name}\nАктивен: 🔴`);
      u.pressKey((t) => t.btnActivate);
      await u.waitForMessage('Активен: 🟢');
      expect((await shopRow(h, s.id))?.isActive).toBe(true);
      expect(await unansweredOrTwice(h, [q1, q2])).toEqual([]);
    });

    it('bug 7: a stale screen in another message cannot flip the value back', async () => {
      const [s] = await shops(1);
      const u = await sellerWith([s]);
      const m1 = await openShop(u, s.name);
      u.pressKey((t) => t.btnActivation, { messageId: m1.message_id });
      await u.waitForMessage('Активен: 🟢');
      const m2 = await openShop(u, s.name);
      u.pressKey((t) => t.btnActivation, { messageId: m2.message_id });
      await u.waitForMessage('Активен: 🟢');
      u.pressKey((t) => t.btnDeactivate, { messageId: m2.message_id });
      await u.waitForMessage('Активен: 🔴');
      // The first message still shows "active" and offers "Deactivate": pressing it keeps it off.
      expect(u.buttons(m1.message_id)[0]).toEqual(['⏹ Деактивировать ⏹']);
      const q = u.pressKey((t) => t.btnDeactivate, { messageId: m1.message_id });
      expect((await u.answerOf(q.queryId)).text).toBe('Уже установлено');
      await h.emulator.settle();
      expect((await shopRow(h, s.id))?.isActive).toBe(false);
      // …and the stale screen now shows the truth.
      expect(u.chat().find((m) => m.message_id === m1.message_id)?.text).toContain('Активен: 🔴');
    });

    it('bug 6: each message acts on its own shop, not the one opened last', async () => {
      const [x, y] = await shops(2);
      const u = await sellerWith([x, y]);
      const mx = await openShop(u, x.name);
      u.pressKey((t) => t.btnActivation, { messageId: mx.message_id });
      await u.waitForMessage(`Магазин: ${x.name}\nАктивен`);
      const my = await openShop(u, y.name);
      u.pressKey((t) => t.btnActivation, { messageId: my.message_id });
      await u.waitForMessage(`Магазин: ${y.name}\nАктивен`);
      u.pressKey((t) => t.btnDeactivate, { messageId: mx.message_id });
      await u.waitForMessage(`Магазин: ${x.name}\nАктивен: 🔴`);
      expect((await shopRow(h, x.id))?.isActive).toBe(false);
      expect((await shopRow(h, y.id))?.isActive).toBe(true);
    });
  });

  describe('F22 price updating', () => {
    it('bug 2: ON means update_prices = true, and the info screen agrees', async () => {
      const [s] = await shops(1, { updatePrices: false });
      const u = await sellerWith([s]);
      await openShop(u, s.name);
      u.pressKey((t) => t.btnPrices);
      const screen = await u.waitForMessage('Обновление цен:');
      expect(screen.text).toBe(`Магазин: ${s.name}\nОбновление цен: ВЫКЛ`);
      expect(screen.buttons).toEqual([['▶️ Включить ▶️'], ['⟵']]);
      const oldData = keyboardData(screen)[0][0];
      const q = u.pressKey((t) => t.btnPricesOn);
      const on = await u.waitForMessage('Обновление цен: ВКЛ');
      expect(on.buttons).toEqual([['⏹ Выключить ⏹'], ['⟵']]);
      expect((await u.answerOf(q.queryId)).text).toBe('Обновление цен включено');
      expect((await shopRow(h, s.id))?.updatePrices).toBe(true);
      // Double press of the old "turn on": stays on.
      const again = u.pressData(screen.message_id, oldData);
      expect((await u.answerOf(again.queryId)).text).toBe('Уже установлено');
      expect((await shopRow(h, s.id))?.updatePrices).toBe(true);
      await h.emulator.settle();
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage(`Магазин: ${s.name}`);
      u.pressKey((t) => t.btnShopInfo);
      const info = await u.waitForMessage('Детальная информация');
      expect(info.text).toContain('Обновлять цены: ✅');
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage(`Магазин: ${s.name}`);
      u.pressKey((t) => t.btnPrices);
      await u.waitForMessage('Обновление цен: ВКЛ');
      u.pressKey((t) => t.btnPricesOff);
      await u.waitForMessage('Обновление цен: ВЫКЛ');
      expect((await shopRow(h, s.id))?.updatePrices).toBe(false);
    });
  });

  describe('bug 12: names are escaped and long names fit', () => {
    it('HTML in a shop name is shown as text on every screen', async () => {
      const name = '<b>Tom & Jerry</b> <script>';
      const { shop, apiKey } = await seedShop(h.services, name);
      const u = await sellerWith([{ key: apiKey }]);
      const list = await openList(u);
      expect(list.buttons[0]).toEqual([`${name} 🟢`]);
      u.press(`${name} 🟢`);
      const menu = await u.waitForMessage('Магазин:');
      expect(menu.text).toBe(`Магазин: ${name}`);
      expect(menu.html).toContain('&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;');
      u.pressKey((t) => t.btnShopInfo);
      const info = await u.waitForMessage('Детальная информация');
      expect(info.text).toContain(`Название: ${name}`);
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage('Магазин:');
      u.pressKey((t) => t.btnActivation);
      await u.waitForMessage(`Магазин: ${name}\nАктивен: 🟢`);
      u.pressKey((t) => t.btnDeactivate);
      await u.waitForMessage(`Магазин: ${name}\nАктивен: 🔴`);
      expect((await shopRow(h, shop.id))?.isActive).toBe(false);
    });

    it('a 1024-character name does not break the list, the menu, the info or the toggles', async () => {
      const name = `Очень${'длинное & <название> '.repeat(60)}`.slice(0, 1024);
      expect(name).toHaveLength(1024);
      const { shop, apiKey } = await seedShop(h.services, name);
      const u = await sellerWith([{ key: apiKey }]);
      const list = await openList(u);
      const label = list.buttons[0][0];
      expect(label.length).toBeLessThanOrEqual(64);
      expect(label.endsWith('🟢')).toBe(true);
      const q = u.press(label);
      const menu = await u.waitForMessage('Магазин:');
      expect(menu.text).toBe(`Магазин: ${name}`);
      u.pressKey((t) => t.btnShopInfo);
      const info = await u.waitForMessage('Детальная информация');
      expect(info.text).toContain(name);
      u.pressKey((t) => t.btnBack);
      await u.waitForMessage('Магазин:');
      u.pressKey((t) => t.btnPrices);
      await u.waitForMessage('Обновление цен: ВЫКЛ');
      const t = u.pressKey((t) => t.btnPricesOn);
      await u.waitForMessage('Обновление цен: ВКЛ');
      expect((await shopRow(h, shop.id))?.updatePrices).toBe(true);
      expect(await unansweredOrTwice(h, [q, t])).toEqual([]);
      // Nothing the bot sent was refused for its length or its HTML (429s are waited out).
      const refused = ['sendMessage', 'editMessageText', 'answerCallbackQuery']
        .flatMap((m) => h.emulator.callsOf(m))
        .filter((c) => !c.ok && c.error_code !== 429 && !/not modified/.test(c.description ?? ''));
      expect(refused).toEqual([]);
    });
  });
});
