/**
 * How the real process (`npm start` as a child) receives updates, as config.transport says: a webhook
 * needs its secret before anything starts, and in webhook mode the process registers the webhook,
 * serves it on WEBHOOK_URL's path and does not poll. (Long polling is what the other process tests use.)
 */
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { AppProcess, createStore, freePort, withOutput, type Store } from './support.js';

const WEBHOOK_URL = 'https://bot.example.test/telegram/hook';
const WEBHOOK_SECRET = 'process_webhook-secret-1';

describe('the real process and its transport', () => {
  let emulator: TelegramEmulator;
  let store: Store;
  let app: AppProcess | undefined;

  /** `npm start`'s environment, as spawnApp gives it, plus `extra`. */
  const envWith = (extra: Record<string, string>) => ({
    BOT_TOKEN: emulator.token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    LOG_LEVEL: 'info',
    NODE_ENV: 'development',
    BOT_AUTO_CUSTOMISE: 'false',
    ...store.env,
    ...extra,
  });

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
  }, 60_000);

  afterAll(async () => {
    await app?.kill();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  test('WEBHOOK_URL without WEBHOOK_SECRET stops the process with one sentence, before it starts anything', async () => {
    const port = await freePort();
    const bad = new AppProcess(port, envWith({ PORT: String(port), WEBHOOK_URL }));
    expect(await bad.exitWithin(30_000)).toEqual({ code: 1, signal: null });
    expect(bad.output()).toBe('Invalid configuration:\n  WEBHOOK_SECRET: required when WEBHOOK_URL is set\n');
    expect(emulator.calls).toEqual([]);
    await expect(fs.access(store.env.DATA_DIR!)).rejects.toThrow();
  }, 60_000);

  test(
    'with WEBHOOK_URL and WEBHOOK_SECRET it registers the webhook and serves updates on its path',
    () =>
      withOutput(
        () => [['app', app]],
        async () => {
          const port = await freePort();
          app = new AppProcess(port, envWith({ PORT: String(port), WEBHOOK_URL, WEBHOOK_SECRET }));
          await app.waitForHealthy(100_000);
          await app.waitForLog('receiving updates by webhook', 10_000);
          expect(emulator.webhook).toMatchObject({ url: WEBHOOK_URL, secretToken: WEBHOOK_SECRET });
          expect(emulator.callsOf('getUpdates')).toEqual([]);

          // A user the emulator has never seen: the bot's answer is refused ("chat not found"), but the
          // call shows that the update reached the bot through the webhook.
          const userId = 7_000_000_301;
          const update = {
            update_id: 1,
            message: {
              message_id: 1,
              date: Math.floor(Date.now() / 1000),
              chat: { id: userId, type: 'private', first_name: 'Hook' },
              from: { id: userId, is_bot: false, first_name: 'Hook', language_code: 'en' },
              text: '/start',
              entities: [{ type: 'bot_command', offset: 0, length: 6 }],
            },
          };
          const post = (headers: Record<string, string>) =>
            fetch(`${app!.base}/telegram/hook`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...headers },
              body: JSON.stringify(update),
            });
          expect((await post({})).status).toBe(401);
          expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': 'not-the-secret' })).status).toBe(401);
          expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': WEBHOOK_SECRET })).status).toBe(200);
          const answered = () =>
            emulator
              .callsOf('sendMessage')
              .some((c) => Number(c.params.chat_id) === userId && c.params.text === 'Choose a role:');
          for (let i = 0; i < 100 && !answered(); i++) await new Promise((r) => setTimeout(r, 100));
          expect(answered()).toBe(true);
          expect(emulator.callsOf('getUpdates')).toEqual([]);
        },
      ),
    150_000,
  );
});
