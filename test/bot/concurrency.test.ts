import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PressResult } from '../../src/emulator/emulator.js';
import type { BotUser } from '../support/texts.js';
import {
  answerCounts,
  dataOf,
  newUser,
  seedSeller,
  seedShop,
  sessionOf,
  shopRow,
  sql,
  startHarness,
  type Harness,
  keyboardData,
} from '../support/bot-harness.js';

/**
 * Many users at once and one user pressing fast leave the database consistent (bug 7, bug 30).
 * The emulator's rate limits are off here: this file is about the database, not about 429s
 * (errors.test.ts covers those).
 * The ids are those of docs/original-behaviour.md.
 */
describe('concurrency', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { rateLimit: false });
  });
  afterAll(async () => {
    await h.close();
  });

  async function toActivation(u: BotUser, shopName: string) {
    u.send('/menu');
    await u.waitForMessage('Главное меню', 15_000);
    u.pressKey((t) => t.btnShopList);
    await u.waitForMessage('Доступные магазины', 15_000);
    u.press(`${shopName} 🟢`);
    await u.waitForMessage(`Магазин: ${shopName}`, 15_000);
    u.pressKey((t) => t.btnActivation);
    return u.waitForMessage('Активен: 🟢', 15_000);
  }

  it('100 sellers of 10 shared shops press "Deactivate" at once: each shop changes once, all answered once', async () => {
    const shops: { id: number; name: string; key: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const { shop, apiKey } = await seedShop(h.services, `Общая ${i}`);
      shops.push({ id: shop.id, name: `Общая ${i}`, key: apiKey });
    }
    const users = Array.from({ length: 100 }, (_, i) => ({ u: newUser(h), shop: shops[i % 10] }));
    for (const { u, shop } of users) await seedSeller(h, u, shop.key);
    await Promise.all(users.map(({ u, shop }) => toActivation(u, shop.name)));
    await h.emulator.settle();

    const presses: { press: PressResult; shopId: number }[] = users.map(({ u, shop }) => ({
      press: u.pressKey((t) => t.btnDeactivate),
      shopId: shop.id,
    }));
    const answers = await Promise.all(
      presses.map(({ press }, i) => users[i].u.answerOf(press.queryId, 20_000)),
    );
    await h.emulator.settle(200, 30_000);

    for (const shop of shops) expect((await shopRow(h, shop.id))?.isActive).toBe(false);
    const counts = answerCounts(h.emulator);
    expect(presses.filter(({ press }) => counts.get(press.queryId) !== 1)).toEqual([]);
    // Per shop: exactly one press changed it, the other nine found it already set.
    for (const shop of shops) {
      const texts = presses
        .map((p, i) => ({ p, text: answers[i].text }))
        .filter(({ p }) => p.shopId === shop.id)
        .map(({ text }) => text)
        .sort();
      expect(texts).toEqual(['Магазин деактивирован', ...Array(9).fill('Уже установлено')].sort());
    }
    // Everybody sees the truth.
    for (const { u } of users) expect(u.lastBotMessage()?.text).toMatch(/Активен: 🔴$/);
    const [{ n }] = await sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM shop_links`);
    expect(n).toBe(100);
  }, 60_000);

  it('one user pressing two stale toggles 20 times fast ends on the last value asked for', async () => {
    const { shop, apiKey } = await seedShop(h.services, 'Дёрганая');
    const u = newUser(h);
    await seedSeller(h, u, apiKey);
    // Screen A offers "Deactivate" (value false), screen B, drawn after, offers "Activate" (value true).
    const a = await toActivation(u, 'Дёрганая');
    const off = keyboardData(a)[0][0];
    u.pressKey((t) => t.btnDeactivate, { messageId: a.message_id });
    const b = await u.waitForMessage('Активен: 🔴');
    const on = keyboardData(b)[0][0];
    expect([off, on].map((d) => d.split(':')[3])).toEqual(['0', '1']);
    await h.emulator.settle();

    const presses: PressResult[] = [];
    for (let i = 0; i < 20; i++) presses.push(u.pressData(a.message_id, i % 2 === 0 ? off : on));
    await Promise.all(presses.map((p) => u.answerOf(p.queryId, 20_000)));
    await h.emulator.settle();
    // Updates of one chat run in order, so the last press (value true) wins.
    expect((await shopRow(h, shop.id))?.isActive).toBe(true);
    const counts = answerCounts(h.emulator);
    expect(presses.filter((p) => counts.get(p.queryId) !== 1)).toEqual([]);
    expect(u.chat().find((m) => m.message_id === a.message_id)?.text).toBe('Магазин: Дёрганая\nАктивен: 🟢');
  }, 30_000);

  it('the same user hammering the list and menus keeps one session and no stray rows', async () => {
    const { apiKey } = await seedShop(h.services, 'Спокойная');
    const u = newUser(h);
    await seedSeller(h, u, apiKey);
    u.send('/menu');
    const menu = await u.waitForMessage('Главное меню');
    // (All but "Support", which puts the chat in support mode, a session of its own.)
    const support = dataOf(
      menu,
      u.label((t) => t.btnSupport),
    );
    const data = keyboardData(menu)
      .flat()
      .filter((d) => d !== support);
    const presses = Array.from({ length: 20 }, (_, i) => u.pressData(menu.message_id, data[i % data.length]));
    await Promise.all(presses.map((p) => u.answerOf(p.queryId, 20_000)));
    await h.emulator.settle();
    // The presses cycle through the menu and the 20th is "Shop list", which clears any pending
    // input: handled in order, nothing is left pending (out of order, "Add shop" could be last).
    expect(data[19 % data.length]).toBe(
      dataOf(
        menu,
        u.label((t) => t.btnShopList),
      ),
    );
    expect(await sessionOf(h, u.id, (rows) => rows.length === 0)).toEqual([]);
    const [{ n }] = await sql<{ n: number }>(
      h,
      `SELECT count(*)::int AS n FROM telegram_users WHERE telegram_id = $1`,
      [u.id],
    );
    expect(n).toBe(1);
    const counts = answerCounts(h.emulator);
    expect(presses.filter((p) => counts.get(p.queryId) !== 1)).toEqual([]);
  }, 30_000);
});
