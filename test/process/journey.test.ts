/**
 * The back office's acceptance journey against the real process (`npm start` as a child) and the
 * real CLI (another child), with Telegram played by the emulator in this process:
 * fresh start → createsuperuser while the app runs → panel login → new shop, its one-time key →
 * a seller logs in with it in Telegram → the staff member bans the seller in the panel → the seller
 * is told in Telegram → the seller's next press gets the ban notice, not the menu.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator, type BotMessageView } from '../../src/emulator/emulator.js';
import { HttpClient } from '../support/http-client.js';
import { botTexts, type BotUser, type Texts } from '../support/texts.js';
import {
  createStore,
  freePort,
  runCli,
  spawnApp,
  uniqueName,
  waitUntilReady,
  withOutput,
  type AppProcess,
  type Store,
} from './support.js';

type RecordJson = { id: string | number; params: Record<string, unknown> };

describe('the acceptance journey, through the real process', () => {
  let emulator: TelegramEmulator<Texts>;
  let store: Store;
  let app: AppProcess | undefined;

  const staff = { username: uniqueName('boss'), email: 'boss@example.com', password: 'journey-secret-9' };
  let panel: HttpClient;
  let shopKey: string;
  let seller: BotUser;
  let menu: BotMessageView;
  const step = <T>(fn: () => Promise<T>) => withOutput(() => [['app', app]], fn);

  beforeAll(async () => {
    emulator = new TelegramEmulator<Texts>({ texts: botTexts() });
    await emulator.start();
    store = await createStore();
    const opts = { emulator, store, timeoutMs: 100_000 };
    app = spawnApp(opts, await freePort());
    await step(() => waitUntilReady(app!, opts));
  }, 120_000);

  afterAll(async () => {
    await app?.kill();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  test(
    '(a) the first superuser is created with the CLI while the app runs',
    () =>
      step(async () => {
        if (store.embedded) {
          // The app serves its embedded database and says where: the CLI connects there.
          const file = JSON.parse(
            await fs.readFile(path.join(store.env.DATA_DIR!, 'server.json'), 'utf8'),
          ) as { pid: number; url: string };
          expect(file.pid).toBe(app!.child.pid);
        }
        const run = await runCli(
          [
            'createsuperuser',
            '--username',
            staff.username,
            '--email',
            staff.email,
            '--password',
            staff.password,
          ],
          store.env,
        );
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
        expect(run.stdout).toContain(`Superuser "${staff.username}" created.`);
        expect(run.stdout).not.toContain(staff.password);
        expect(app!.running).toBe(true);
      }),
    60_000,
  );

  test(
    '(b) that user logs in to the panel',
    () =>
      step(async () => {
        panel = new HttpClient(app!.base);
        const wrong = await panel.request('/admin/login', {
          form: { email: staff.username, password: 'not-the-password' },
        });
        expect(wrong.status).not.toBe(302);
        const login = await panel.request('/admin/login', {
          form: { email: staff.username, password: staff.password },
        });
        expect({ status: login.status, location: login.location }).toEqual({
          status: 302,
          location: '/admin',
        });
        expect((await panel.request('/admin')).status).toBe(200);
      }),
    30_000,
  );

  test(
    '(c) a shop made in the panel shows its API key once',
    () =>
      step(async () => {
        const created = await panel.api('/resources/Shop/actions/new', {
          json: {
            name: 'Journey Shop',
            clientId: 'journey-client',
            vendorName: 'Journey Vendor',
            isActive: 'true',
          },
        });
        expect(created.status).toBe(200);
        const body = created.json<{ record: RecordJson; redirectUrl: string; notice: { type: string } }>();
        expect(body.notice.type).toBe('success');
        const id = String(body.record.id);
        expect(body.redirectUrl).toBe(`/admin/resources/Shop/records/${id}/revealApiKey`);

        const revealed = await panel.api(`/resources/Shop/records/${id}/revealApiKey`, {
          json: { reveal: 'yes' },
        });
        expect(revealed.status).toBe(200);
        shopKey = revealed.json<{ apiKey: string }>().apiKey;
        expect(shopKey).toMatch(/^mk_/);
        // Only the prefix is part of the record; the key itself only on this one screen.
        expect(created.text).not.toContain(shopKey);
        expect(body.record.params.apiKeyPrefix).toBe(shopKey.slice(0, 6));
        const again = await panel.api(`/resources/Shop/records/${id}/revealApiKey`, {
          json: { reveal: 'yes' },
        });
        expect(again.json<{ apiKey?: string }>().apiKey).toBeUndefined();
      }),
    30_000,
  );

  test(
    '(d) a seller logs in with that key in Telegram and gets the menu',
    () =>
      step(async () => {
        seller = emulator.user({
          id: 5_550_001,
          first_name: 'Анна',
          username: 'anna_seller',
          language_code: 'ru',
        });
        seller.send('/start');
        await seller.waitForMessage('Выберите роль', 15_000);
        seller.pressKey((t) => t.btnSeller);
        await seller.waitForMessage('Введите API key', 15_000);
        const typed = seller.send(shopKey);
        menu = await seller.waitForMessage('✅ Вы вошли в систему как Продавец.', 15_000);
        expect(menu.text).toBe('✅ Вы вошли в систему как Продавец.\n\nГлавное меню (Анна: Продавец):');
        expect(menu.buttons.flat()).toContain(seller.label((t) => t.btnShopList));
        // The key is a secret: the bot deletes the message that carried it.
        expect(seller.userMessages().find((m) => m.message_id === typed.message_id)?.deleted).toBe(true);
      }),
    60_000,
  );

  test(
    '(e, f) the staff member bans the seller in the panel and the seller is told within seconds',
    () =>
      step(async () => {
        const list = await panel.api(`/resources/TelegramUser/actions/list?filters.telegramId=${seller.id}`);
        expect(list.status).toBe(200);
        const records = list.json<{ records: RecordJson[] }>().records;
        expect(records).toHaveLength(1);
        const record = records[0]!;
        expect(record.params).toMatchObject({ username: 'anna_seller', isBanned: false });

        const ban = await panel.api(`/resources/TelegramUser/records/${record.id}/ban`, {
          json: { confirm: 'yes' },
        });
        expect(ban.status).toBe(200);
        const body = ban.json<{ record: RecordJson; notice: { type: string } }>();
        expect(body.notice.type).toBe('success');
        expect(body.record.params.isBanned).toBe(true);

        const bannedAt = Date.now();
        const notice = await seller.waitForMessage('🚫 Вы забанены', 10_000);
        expect(notice.text).toBe('🚫 Вы забанены. Обратитесь в службу поддержки.');
        expect(Date.now() - bannedAt).toBeLessThan(10_000);
      }),
    30_000,
  );

  test(
    '(g) the banned seller’s next press gets the ban notice, not the menu',
    () =>
      step(async () => {
        const before = seller.chat().length;
        const q = seller.pressKey((t) => t.btnShopList, { messageId: menu.message_id });
        const reply = await seller.waitForMessage('Вы забанены', 15_000);
        expect(reply.text).toBe('🚫 Вы забанены. Обратитесь в службу поддержки.');
        expect(reply.buttons).toEqual([]);
        expect((await seller.answerOf(q.queryId, 15_000)).text).toBe('Доступ запрещён');
        // No shop list, no new menu: only the notice (an edit of the pressed message, or one new message).
        expect(
          seller
            .chat()
            .slice(before)
            .every((m) => m.text.includes('Вы забанены')),
        ).toBe(true);
        expect(seller.lastBotMessage()?.text).toBe('🚫 Вы забанены. Обратитесь в службу поддержки.');
        expect(app!.running).toBe(true);
      }),
    30_000,
  );
});
