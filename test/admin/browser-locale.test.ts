/**
 * The panel in a real browser (Debian Chromium), once in Russian and once in English (the browser's
 * language, then the account's choice on "My account"): on every page visited, each visible heading,
 * label, button, link and column title is a text of that language's catalogue (src/admin/locale) or
 * data, and no English catalogue text shows on a Russian page. Dates show in the account's time zone.
 * The Russian pass saves the screenshots of the README (docs/screenshots/, 1366×768).
 * Skipped, with a message, when /usr/bin/chromium is absent (CI installs it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { en, type Catalogue } from '../../src/admin/locale/en.js';
import { ru } from '../../src/admin/locale/ru.js';
import { PASSWORD, createStaff, createTelegramUser, startHarness, type Harness } from './support.js';
import { sql } from '../support/sql.js';

const SHOTS = path.resolve('docs/screenshots');
/** The pages whose Russian screenshots the README shows. */
const SCREENSHOTS = [
  'login',
  'dashboard',
  'users-list',
  'ban-confirm',
  'shops-list',
  'shop-show',
  'shop-new-api-key',
  'audit-log',
  'account',
];
const available = chromiumAvailable('browser-locale.test.ts');

/** Every text of a catalogue's browser part (AdminJS's vocabulary and the resources' names). */
function texts(catalogue: Catalogue): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') out.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(catalogue.adminjs);
  walk(catalogue.resources);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A catalogue text as a pattern of whole lines: `{{x}}` stands for anything, markup is dropped, case
 * is ignored (CSS upper-cases some titles), and so are digits and punctuation around it (a tab's
 * count badge, "- From:").
 */
const pattern = (text: string) =>
  new RegExp(
    `^[^\\p{L}]*${escape(text.replace(/<\/?\w+>/g, ''))
      .replace(/\\\{\\\{\w+\\\}\\\}/g, '.+')
      .replace(/\s+/g, '\\s+')}[^\\p{L}]*$`,
    'siu',
  );

/** The visible lines of headings, labels, buttons, links and column titles of the page. */
async function visibleLabels(page: Page): Promise<string[]> {
  // A string, run in the page: this project's types have no DOM.
  return page.evaluate(`(() => {
    const lines = new Set();
    for (const el of document.querySelectorAll('h1,h2,h3,h4,h5,h6,button,label,th,a')) {
      if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
      for (const line of el.innerText.split('\\n')) if (line.trim()) lines.add(line.trim());
    }
    return [...lines];
  })()`);
}

/** Every non-empty visible line of the page. */
async function visibleLines(page: Page): Promise<string[]> {
  const text: string = await page.evaluate('document.body.innerText');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

(available ? describe : describe.skip)('the back office in Russian and in English, in a browser', () => {
  let h: Harness;
  let browser: Browser;
  let userId: number;
  let shopId: number;
  const errors: string[] = [];
  /** Texts that are data, not labels: usernames, shop names… */
  const data = new Set([
    'market-bot',
    'boss',
    'browser_seller',
    'Магазин Ромашка',
    'ООО Ромашка',
    'romashka',
  ]);

  beforeAll(async () => {
    h = await startHarness();
    await createStaff(h, { username: 'boss', isSuperuser: true });
    userId = (await createTelegramUser(h, { username: 'browser_seller' })).id;
    await createTelegramUser(h, { username: 'seller_two', isActive: false });
    // Test users' first name, and the avatar's initial of the staff member.
    data.add('seller_two').add('Test').add('B');
    const { shop } = await h.services.shops.create({
      name: 'Магазин Ромашка',
      slug: 'romashka',
      clientId: 'client-1',
      vendorName: 'ООО Ромашка',
    });
    shopId = shop.id;
    data.add('client-1').add(shop.apiKeyPrefix);
    // 21:30 UTC: 00:30 the next day in Moscow (the default PANEL_TIME_ZONE).
    await sql(h, `UPDATE shops SET created_at = '2026-01-15T21:30:00Z' WHERE id = $1`, [shopId]);
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /**
   * Visits the panel's pages as a browser in `locale`, and returns, per page, the labels that are
   * not the language's catalogue texts nor data, and the lines that are English catalogue texts.
   */
  async function tour(locale: string, catalogue: Catalogue, shots: boolean) {
    const context = await browser.newContext({ locale, viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const allowed = texts(catalogue).map(pattern);
    const english =
      catalogue === en
        ? []
        : texts(en)
            .filter((t) => !texts(catalogue).includes(t))
            .map(pattern);
    const isData = (line: string) =>
      data.has(line) ||
      !/\p{L}/u.test(line) ||
      /^[A-Z]{3}\s?[\d.,\s]+$/.test(line) ||
      /^#?\d+$/.test(line) ||
      /^[\w.-]+@[\w.-]+$/.test(line);
    const problems: Record<string, { untranslated: string[]; english: string[] }> = {};
    const check = async (name: string) => {
      await page.waitForLoadState('networkidle');
      const labels = await visibleLabels(page);
      const untranslated = labels.filter((l) => !isData(l) && !allowed.some((p) => p.test(l)));
      const lines = await visibleLines(page);
      const englishShown = lines.filter(
        (l) =>
          !isData(l) &&
          (english.some((p) => p.test(l)) ||
            // On a Russian page, a line of Latin words only is English unless the catalogue says so ("Telegram ID").
            (catalogue !== en &&
              /^[\p{Script=Latin}\s.,:;!?'"()…-]+$/u.test(l) &&
              !allowed.some((p) => p.test(l)))),
      );
      if (untranslated.length || englishShown.length)
        problems[name] = { untranslated, english: englishShown };
      if (shots && SCREENSHOTS.includes(name))
        await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    };
    const visit = async (name: string, url: string, ready: string) => {
      await page.goto(`${h.base}/admin${url}`, { waitUntil: 'domcontentloaded' });
      await page.waitForSelector(ready);
      await check(name);
    };

    await page.goto(`${h.base}/admin/login`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('input[name="email"]');
    await check('login');
    await page.fill('input[name="email"]', 'boss');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL(`${h.base}/admin`, { waitUntil: 'domcontentloaded' }),
      page.getByRole('button', { name: catalogue.adminjs.components.Login.loginButton }).click(),
    ]);
    await page.waitForSelector('[data-testid="count-sellers"]');
    await check('dashboard');

    await visit('users-list', '/resources/TelegramUser', 'text=browser_seller');
    await page.getByText(catalogue.adminjs.buttons.filter, { exact: true }).first().click();
    await page.waitForSelector(`text=${catalogue.adminjs.buttons.applyChanges}`);
    await check('users-filter');
    await visit('user-show', `/resources/TelegramUser/records/${userId}/show`, 'text=browser_seller');
    await page.getByText(catalogue.resources.TelegramUser.actions.ban, { exact: true }).first().click();
    await page.waitForSelector('[data-testid="confirm-action"]');
    await check('ban-confirm');
    await page.click('[data-testid="confirm-action"]');
    await page.waitForSelector(`text=${catalogue.server.notices.banned(1, 1)}`);
    await check('user-banned');
    // The action stays raw in the audit log, and is shown in the page's language.
    await visit('audit-log', '/resources/AuditLog', `text=${catalogue.resources.TelegramUser.actions.ban}`);

    await visit('shops-list', '/resources/Shop', `text=${'Магазин Ромашка'}`);
    await visit('shop-show', `/resources/Shop/records/${shopId}/show`, 'text=ООО Ромашка');
    // The shop list leaves the creation time out (it fits 1366 px); its record page shows it.
    const listedTime = await page.textContent('[data-testid="local-time-createdAt"]');
    await visit('shop-set-key', `/resources/Shop/records/${shopId}/setApiKey`, '[data-testid="set-api-key"]');
    await page.click('[data-testid="set-api-key"]');
    await page.waitForSelector('[data-testid="api-key"]');
    data.add((await page.textContent('[data-testid="api-key"]'))!.trim());
    await check('shop-new-api-key');
    await visit('shop-new', '/resources/Shop/actions/new', 'input[name="name"]');
    await visit('link-new', '/resources/ShopLink/actions/new', 'form');
    for (const resource of ['Storage', 'ShopLink', 'Payment', 'User', 'Group', 'UserGroup']) {
      await visit(`list-${resource}`, `/resources/${resource}`, 'h2, h3');
    }
    await visit('account', '/pages/account', '[data-testid="account-save"]');
    await context.close();
    return { problems, listedTime };
  }

  test('in Russian (the browser asks for it): every label is Russian; the screenshots', async () => {
    const { problems, listedTime } = await tour('ru-RU', ru, true);
    expect(problems).toEqual({});
    expect(listedTime).toBe('16.01.2026, 00:30');
    expect(errors).toEqual([]);
  }, 180_000);

  test('in English (the browser asks for it; the account chose Vladivostok time): every label is English', async () => {
    const [boss] = (await sql(h, `SELECT id FROM users WHERE username = 'boss'`)) as { id: number }[];
    await h.services.staff.setPanelPreferences(boss!.id, { language: null, timeZone: 'Asia/Vladivostok' });
    await sql(h, 'UPDATE telegram_users SET is_banned = false WHERE id = $1', [userId]);
    const { problems, listedTime } = await tour('en-US', en, false);
    expect(problems).toEqual({});
    expect(listedTime).toBe('16/01/2026, 07:30');
    expect(errors).toEqual([]);
  }, 180_000);
});
