import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  loginAdmin,
  loginSeller,
  newUser,
  seedAdmin,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';
import { catalogues } from '../../src/bot/texts/index.js';
import { fitted } from '../../src/bot/ui.js';
import type { InlineKeyboardButton } from '../../src/emulator/types.js';
import type { BotUser, Texts } from '../support/texts.js';

/**
 * Stored text at its longest still fits every screen: each text column the bot shows is filled to
 * its length in src/db/entities (in characters, so emoji count twice in Telegram's UTF-16), with
 * HTML's special characters among them, and every screen is opened through the emulator, which
 * refuses what Telegram refuses (4096 characters after entity parsing, 64-byte callback data,
 * 200-character answers). Long text is cut with an ellipsis.
 */
const SHOP_NAME = 1024; // shops.name
const VENDOR = 1024; // shops.vendor_name
const TG_NAME = 64; // Telegram's own limit on first and last names

const emoji = (n: number) => '🛒'.repeat(n);
const html = (n: number) => '<&>"'.repeat(n).slice(0, n);

describe('screens with stored text at its longest', () => {
  let h: Harness;
  let u: BotUser;
  const keys: string[] = [];
  const names = [emoji(SHOP_NAME), html(SHOP_NAME), `${emoji(SHOP_NAME - 3)}end`];

  beforeAll(async () => {
    // Telegram's rate limits are off here: this file is about lengths, and a test pressing forty
    // screens back to back outruns 30 messages a second once the bot answers quickly; a 429 then
    // reads as a refusal, and the press after it finds the screen not yet redrawn. (The bot's
    // handling of 429 is tested in errors.test.ts.)
    h = await startHarness({ DEFAULT_LANGUAGE: 'en' }, { rateLimit: false });
    for (const [i, name] of names.entries()) {
      const { apiKey } = await h.services.shops.create({
        name,
        clientId: 'c'.repeat(255),
        vendorName: i === 1 ? html(VENDOR) : emoji(VENDOR),
        isActive: true,
        updatePrices: false,
      });
      keys.push(apiKey);
    }
    u = newUser(h, {
      first_name: emoji(TG_NAME),
      last_name: html(TG_NAME),
      username: 'u'.repeat(32),
      language_code: 'en',
    });
  });
  afterAll(async () => h?.close());

  /** Every call the bot made that Telegram refused. */
  const refused = () =>
    [...['sendMessage', 'editMessageText', 'answerCallbackQuery', 'sendInvoice']].flatMap((m) =>
      h.emulator
        .callsOf(m)
        .filter((c) => !c.ok)
        .map((c) => `${m}: ${c.description}`),
    );

  /** Presses a button (by catalogue text or by a test on the button) and waits for the bot to go quiet. */
  async function press(key: (t: Texts) => string) {
    return settle(u.pressKey(key));
  }
  async function pressWhere(test: (b: InlineKeyboardButton) => boolean) {
    return settle(u.press(test));
  }
  async function settle(q: { queryId: string }) {
    const answer = await u.answerOf(q.queryId);
    await u.waitForIdle();
    expect(answer.text ?? '').not.toBe(u.label((t) => t.toastError));
    return answer;
  }

  it('opens every seller screen without a refusal from Telegram', async () => {
    await loginSeller(u, keys[0]!);
    for (const key of [keys[1]!, keys[2]!, keys[0]!]) {
      await press((t) => t.btnAddShop);
      u.send(key);
      await u.waitForIdle();
    }
    await press((t) => t.btnShopList);
    for (const name of names) {
      const start = name.slice(0, 10);
      await pressWhere((b) => b.text.startsWith(start));
      const menu = u.lastBotMessage()!;
      expect(menu.text!.length).toBeLessThanOrEqual(4096);
      await press((t) => t.btnShopInfo);
      const info = u.lastBotMessage()!.text!;
      expect(info.length).toBeLessThanOrEqual(4096);
      expect(info).toContain(name.slice(0, 100));
      // Two 2048-unit values can't both fit: each is cut, with an ellipsis.
      if (name.length > 2000) expect(info).toContain('…');
      await press((t) => t.btnBack);
      await press((t) => t.btnActivation);
      await pressWhere((b) => b.text !== u.label((t) => t.btnBack)); // the switch, whichever way
      await press((t) => t.btnBack);
      await press((t) => t.btnPrices);
      await pressWhere((b) => b.text !== u.label((t) => t.btnBack));
      await press((t) => t.btnBack);
      await press((t) => t.btnBack);
    }
    await press((t) => t.btnBack);
    await press((t) => t.btnSubscription);
    await press((t) => t.btnBack);
    await press((t) => t.btnHelp);
    await press((t) => t.btnMenu);
    await press((t) => t.btnUnlinkShop);
    await pressWhere((b) => b.text.startsWith(names[0]!.slice(0, 10)));
    await press((t) => t.btnYes);
    u.send('/menu');
    await u.waitForIdle();
    expect(refused()).toEqual([]);
  });

  it('opens the admin screens, with every shop listed, without a refusal', async () => {
    const admin = await seedAdmin(h.services, 'a'.repeat(150), 'long-admin-Pa55word');
    const a = newUser(h, { first_name: emoji(TG_NAME), last_name: emoji(TG_NAME), language_code: 'en' });
    await loginAdmin(a, admin.username, admin.password);
    const q = a.pressKey((t) => t.btnShopList);
    await a.answerOf(q.queryId);
    await a.waitForIdle();
    const p = a.press((b) => b.text.startsWith(names[0]!.slice(0, 10)));
    await a.answerOf(p.queryId);
    await a.waitForIdle();
    const i = a.pressKey((t) => t.btnShopInfo);
    await a.answerOf(i.queryId);
    await a.waitForIdle();
    expect(a.lastBotMessage()!.text).toContain('…');
    expect(refused()).toEqual([]);
  });
});

describe('the last check before sending', () => {
  it('sends a screen that would still be too long as its plain text, cut with an ellipsis', () => {
    const long = { text: `<b>${'&lt;'.repeat(5000)}</b>`, html: true };
    const sent = fitted(long);
    expect(sent.html).toBe(false);
    expect(sent.text).toHaveLength(4096);
    expect(sent.text.endsWith('<…')).toBe(true);
    const short = { text: `<b>${'&lt;'.repeat(4096)}</b>`, html: true };
    expect(fitted(short)).toBe(short); // 4096 after parsing: fits as it is
  });
});

describe('texts with Telegram limits of their own', () => {
  it('keep the invoice title, description and label within them in every language', () => {
    for (const t of Object.values(catalogues)) {
      expect(t.invoiceTitle.length).toBeLessThanOrEqual(32);
      expect(t.invoiceDescription(3660).length).toBeLessThanOrEqual(255);
      expect(t.invoiceLabel.length).toBeGreaterThan(0);
      expect(t.description.length).toBeLessThanOrEqual(512);
    }
  });
});
