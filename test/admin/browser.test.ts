/**
 * The panel in a real browser (headless Chromium): log in, see the dashboard, ban a user from the
 * users list, and check the notice reaches the user through the notification worker and the
 * Telegram emulator. (The screenshots of docs/screenshots/ are browser-locale.test.ts's, in Russian.)
 * Skipped, with a message, when /usr/bin/chromium is absent (CI installs it).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { Telegram } from 'telegraf';
import { createLogger } from '../../src/logger.js';
import { Notifier } from '../../src/workers/notifier.js';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { PASSWORD, createStaff, startHarness, type Harness } from './support.js';
import { sql } from '../support/sql.js';

const available = chromiumAvailable('browser.test.ts');

(available ? describe : describe.skip)('the back office in a browser', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let emulator: TelegramEmulator;
  const errors: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    await createStaff(h, { username: 'clerk' });
    emulator = new TelegramEmulator({ rateLimit: false });
    await emulator.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    if (process.env.DEBUG_BROWSER) {
      page.on('response', (r) => console.log(r.request().method(), r.url(), r.status()));
      page.on('console', (m) => console.log('console:', m.text()));
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await emulator?.stop();
    await h?.close();
  });

  test('log in, dashboard, ban a user from the list, the user is told', async () => {
    // A seller known to the emulator, so the notice can be delivered to a real chat.
    const tgUser = emulator.user({ id: 555_000_111, first_name: 'Browser', username: 'browser_victim' });
    tgUser.send('/start'); // a chat exists once the user has written to the bot
    const rows = (await sql(
      h,
      `INSERT INTO telegram_users (telegram_id, chat_id, username, first_name, role, language_code)
       VALUES ($1, $1, 'browser_victim', 'Browser', 'seller', 'en') RETURNING id`,
      [tgUser.id],
    )) as { id: number }[];
    const userId = rows[0]!.id;
    for (let i = 0; i < 3; i++) {
      await sql(
        h,
        `INSERT INTO telegram_users (telegram_id, chat_id, username, first_name, role, is_active)
         VALUES ($1, $1, $2, 'Seller', 'seller', $3)`,
        [900_000 + i, `seller_${i}`, i !== 1],
      );
    }
    const { shop } = await h.services.shops.create({
      name: 'Screenshot Shop',
      clientId: 'client-1',
      vendorName: 'ACME Vendor',
    });

    await page.goto(`${h.base}/admin/login`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('input[name="email"]');
    await page.fill('input[name="email"]', 'clerk');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL(`${h.base}/admin`, { waitUntil: 'domcontentloaded' }),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);

    await page.waitForSelector('[data-testid="count-sellers"]');
    expect(await page.textContent('[data-testid="count-sellers"]')).toContain('4');
    expect(await page.textContent('[data-testid="count-inactive"]')).toContain('1');
    // Non-superusers don't see staff accounts in the navigation.
    expect(await page.locator('text=Staff accounts').count()).toBe(0);

    await page.goto(`${h.base}/admin/resources/TelegramUser`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('text=browser_victim');

    // The row's action menu → Ban → the confirmation drawer → Confirm.
    await page.goto(`${h.base}/admin/resources/TelegramUser/records/${userId}/show`, {
      waitUntil: 'domcontentloaded',
    });
    await page.waitForSelector('text=browser_victim');
    // Only the actions that apply: Ban (not Unban) for a user who isn't banned; no Shop actions.
    expect(await page.getByText('Unban', { exact: true }).count()).toBe(0);
    expect(await page.getByText('Reveal Api Key').count()).toBe(0);
    await page.getByText('Ban', { exact: true }).first().click();
    await page.waitForSelector('[data-testid="confirm-action"]');
    await page.click('[data-testid="confirm-action"]');
    await page.waitForSelector('text=/Banned 1 of 1 user/');

    const [row] = (await sql(h, 'SELECT is_banned FROM telegram_users WHERE id = $1', [userId])) as {
      is_banned: boolean;
    }[];
    expect(row!.is_banned).toBe(true);
    const queued = (await sql(h, `SELECT kind, status FROM notifications WHERE telegram_user_id = $1`, [
      userId,
    ])) as { kind: string; status: string }[];
    expect(queued).toEqual([{ kind: 'ban', status: 'pending' }]);
    const audit = (await sql(
      h,
      `SELECT actor_username FROM audit_log WHERE action = 'ban' AND record_id = $1`,
      [String(userId)],
    )) as { actor_username: string }[];
    expect(audit).toEqual([{ actor_username: 'clerk' }]);

    // The bot's notification worker delivers it through (emulated) Telegram.
    const notifier = new Notifier({
      services: h.services,
      telegram: new Telegram('123456:TEST-TOKEN', { apiRoot: emulator.apiRoot }),
      logger: createLogger('silent'),
      defaultLanguage: 'en',
    });
    expect(await notifier.runOnce()).toBe(1);
    const message = await tgUser.waitForMessage(/banned/i);
    expect(message.text).toBe('🚫 You are banned. Contact support.');

    await page.goto(`${h.base}/admin/resources/Shop/records/${shop.id}/show`, {
      waitUntil: 'domcontentloaded',
    });
    await page.waitForSelector('text=ACME Vendor');

    // A new key, shown once in the drawer.
    await page.goto(`${h.base}/admin/resources/Shop/records/${shop.id}/setApiKey`, {
      waitUntil: 'domcontentloaded',
    });
    await page.click('[data-testid="set-api-key"]');
    await page.waitForSelector('[data-testid="api-key"]');
    const key = (await page.textContent('[data-testid="api-key"]'))!.trim();
    expect((await h.services.shops.findByApiKey(key))?.id).toBe(shop.id);

    expect(errors).toEqual([]);
  }, 120_000);
});
