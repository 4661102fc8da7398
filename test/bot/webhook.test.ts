import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { createBot, SESSION_TTL_MS, type Bot, type SessionData } from '../../src/bot/index.js';
import { webhookHandler } from '../../src/bot/webhook.js';
import { loadConfig } from '../../src/config.js';
import { SessionStore } from '../../src/db/session-store.js';
import { startHttpServer, type RunningServer } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createServices } from '../../src/services/index.js';
import { TelegramEmulator } from '../emulator/emulator.js';
import { botTexts, type Texts } from '../support/texts.js';
import { newUserId, TOKEN } from '../support/bot-harness.js';
import { createTestDatabase, type Database } from '../support/db.js';

describe('webhook mode', () => {
  let db: Database;
  let emulator: TelegramEmulator<Texts>;
  let bot: Bot;
  let server: RunningServer;
  const secret = 'w3bh00k_secret-value';

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = new TelegramEmulator<Texts>({ token: TOKEN, texts: botTexts() });
    await emulator.start();
    const config = loadConfig({ NODE_ENV: 'test', BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: emulator.apiRoot });
    const logger = createLogger('silent');
    bot = createBot({
      config,
      services: createServices(db.dataSource, config),
      logger,
      sessions: new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS),
      now: Date.now,
    });
    await bot.init();
    const app = express();
    app.post('/telegram/hook', express.json(), webhookHandler(bot.handleUpdate, secret, logger));
    server = await startHttpServer(app, 0, '127.0.0.1');
    await bot.setWebhook(`http://127.0.0.1:${server.port}/telegram/hook`, secret);
  });
  afterAll(async () => {
    await bot.stop();
    await server.close();
    await emulator.stop();
    await db.close();
  });

  it('registers the webhook with its secret and the update types the bot handles', () => {
    expect(emulator.webhook?.secretToken).toBe(secret);
    expect(emulator.webhook?.allowedUpdates).toEqual(
      expect.arrayContaining(['message', 'callback_query', 'pre_checkout_query']),
    );
  });

  it('serves users through Telegram POSTing updates', async () => {
    const u = emulator.user({ id: newUserId(), first_name: 'Web', language_code: 'en' });
    u.send('/start');
    await u.waitForMessage('Choose a role');
    const q = u.pressKey((t) => t.btnSeller);
    await u.waitForMessage("Enter your shop's API key");
    expect((await u.answerOf(q.queryId)).text ?? '').toBe('');
  });

  it('refuses a POST without the secret header, changing nothing', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/telegram/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 'wrong' },
      body: JSON.stringify({
        update_id: 1,
        message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: '/start' },
      }),
    });
    expect(res.status).toBe(401);
  });
});
