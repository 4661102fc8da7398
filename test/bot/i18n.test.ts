import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  loginSeller,
  newUser,
  seedShop,
  setBanned,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';

/**
 * Bug 33: texts in catalogues, chosen by the user's Telegram language (default Russian).
 * The ids are those of docs/original-behaviour.md.
 */
describe('languages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('an English-speaking seller gets English screens and toasts end to end', async () => {
    const { apiKey } = await seedShop(h.services, 'Corner <Shop>');
    const u = newUser(h, { first_name: 'Ann', language_code: 'en-GB' });
    u.send('/help');
    const help = await u.waitForMessage('The bot is driven mainly by the buttons');
    expect(help.text).toContain('@market_support');
    await loginSeller(u, apiKey);
    const menu = u.lastBotMessage()!;
    expect(menu.text).toBe('✅ You are logged in as Seller.\n\nMain menu (Ann: Seller):');
    expect(menu.buttons).toEqual([
      ['❔ Help ❔', '⚡️ Subscription ⚡️'],
      ['➕ Add shop ➕'],
      ['➖ Unlink shop ➖'],
      ['📋 Shop list 📋'],
      ['💬 Support'],
    ]);
    const q = u.pressKey((t) => t.btnShopList);
    await u.waitForMessage('Available shops and their activity:');
    expect((await u.answerOf(q.queryId)).text).toBe('Shop list');
    u.press('Corner <Shop> 🟢');
    await u.waitForMessage('Shop: Corner <Shop>');
    u.pressKey((t) => t.btnPrices);
    await u.waitForMessage('Shop: Corner <Shop>\nPrice updating: OFF');
    const t = u.pressKey((t) => t.btnPricesOn);
    await u.waitForMessage('Price updating: ON');
    expect((await u.answerOf(t.queryId)).text).toBe('Price updating turned on');
    u.send('/nope');
    await u.waitForMessage('No such command. Use /help to get the list of commands.');
    u.send('hello there');
    await u.waitForMessage('The bot is not expecting text right now.');
    await setBanned(h, u.id, true);
    u.send('/menu');
    await u.waitForMessage('🚫 You are banned. Contact support.');
  });

  it('Russian and unknown languages get Russian (the default)', async () => {
    for (const language_code of ['ru', 'uk', 'de']) {
      const u = newUser(h, { language_code });
      u.send('/start');
      await u.waitForMessage('Выберите роль:');
    }
  });

  it('a user without a language code gets the default', async () => {
    const u = h.emulator.user({ id: 777_000_001, first_name: 'Без языка' });
    u.send('/start');
    await u.waitForMessage('Выберите роль:');
  });

  it('the language follows the client: switching to English switches the texts', async () => {
    const u = newUser(h, { language_code: 'ru' });
    u.send('/start');
    await u.waitForMessage('Выберите роль:');
    h.emulator.user({ ...u.info, language_code: 'en' });
    u.send('/start');
    const m = await u.waitForMessage('Choose a role:');
    expect(m.buttons).toEqual([['Admin', 'Seller']]);
  });
});
