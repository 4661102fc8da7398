import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createBot, SESSION_TTL_MS, type Bot, type SessionData } from '../../src/bot/index.js';
import { webhookHandler } from '../../src/bot/webhook.js';
import { loadConfig } from '../../src/config.js';
import { SessionStore } from '../../src/db/session-store.js';
import { createHttpApp, startHttpServer, type RunningServer } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createServices } from '../../src/services/index.js';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { botTexts, type Texts } from '../support/texts.js';
import { newUserId, TOKEN } from '../support/bot-harness.js';
import { createTestDatabase, type Database } from '../support/db.js';

/** Sends raw bytes and returns the status line of the first answer (or '' when the socket closes first). */
function rawRequest(port: number, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        socket.destroy();
        resolve(got.slice(0, got.indexOf('\r\n')));
      }
    });
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(`no answer within 5 s${got ? `: ${got}` : ''}`);
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    socket.write(head + body);
  });
}

describe('webhook mode', () => {
  let db: Database;
  let emulator: TelegramEmulator<Texts>;
  let bot: Bot;
  let server: RunningServer;
  const secret = 'w3bh00k_secret-value';
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logged = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string });
  const url = () => `http://127.0.0.1:${server.port}/telegram/hook`;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secret, ...headers },
      body,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = new TelegramEmulator<Texts>({ token: TOKEN, texts: botTexts() });
    await emulator.start();
    const config = loadConfig({ NODE_ENV: 'test', BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: emulator.apiRoot });
    const logger = createLogger('info', 'market-bot', sink);
    bot = createBot({
      config,
      services: createServices(db.dataSource, config),
      logger,
      sessions: new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS),
      now: Date.now,
    });
    await bot.init();
    // The process's own HTTP app, as main.ts builds it.
    const app = createHttpApp({
      config,
      logger,
      webhook: { path: '/telegram/hook', handler: webhookHandler(bot.receive, secret, logger) },
    });
    server = await startHttpServer(app, 0, '127.0.0.1');
    await bot.setWebhook(url(), secret);
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
    const res = await post(
      JSON.stringify({
        update_id: 1,
        message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: '/start' },
      }),
      { 'X-Telegram-Bot-Api-Secret-Token': 'wrong' },
    );
    expect(res.status).toBe(401);
  });

  it('checks the secret before reading the body: bad JSON from a stranger is 401, and the log gets one line at most', async () => {
    lines.length = 0;
    for (let i = 0; i < 50; i++) {
      const res = await post('{not json', { 'X-Telegram-Bot-Api-Secret-Token': `wrong${i}` });
      expect(res.status).toBe(401);
    }
    const noAnswer = await post('{not json', { 'X-Telegram-Bot-Api-Secret-Token': '' });
    expect(noAnswer.status).toBe(401);
    expect(logged().filter((l) => l.level >= 50)).toEqual([]);
    expect(logged().filter((l) => l.level >= 40).length).toBeLessThanOrEqual(1);
  });

  it('answers bad JSON with the right secret 400, with one warning however many arrive', async () => {
    lines.length = 0;
    for (let i = 0; i < 50; i++) {
      const res = await post('{"update_id": 5, ');
      expect(res.status).toBe(400);
    }
    for (const body of ['[]', '"text"', '{"update_id":"7"}', '{"update_id":1.5}', 'null']) {
      expect((await post(body)).status).toBe(400);
    }
    expect(logged().filter((l) => l.level >= 50)).toEqual([]);
    expect(logged().filter((l) => l.level === 40)).toHaveLength(1);
  });

  it('answers a body over 1 MB with 413 without waiting for it', async () => {
    lines.length = 0;
    // Headers only: a server that read the body would wait for 2 MB that never come.
    const head =
      'POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `X-Telegram-Bot-Api-Secret-Token: ${secret}\r\nContent-Length: 2000000\r\n\r\n`;
    expect(await rawRequest(server.port, head, '{"update_id":')).toBe('HTTP/1.1 413 Payload Too Large');
    // Sent in chunks, with no length announced: cut off at 1 MB.
    const chunked =
      'POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `X-Telegram-Bot-Api-Secret-Token: ${secret}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const piece = 'a'.repeat(256 * 1024);
    const chunk = `${piece.length.toString(16)}\r\n${piece}\r\n`;
    expect(await rawRequest(server.port, chunked, chunk.repeat(5))).toBe('HTTP/1.1 413 Payload Too Large');
    expect(logged().filter((l) => l.level >= 50)).toEqual([]);
  });

  it('handles an update id once, however often it is delivered', async () => {
    const userId = newUserId();
    const u = emulator.user({ id: userId, first_name: 'Replay', language_code: 'en' });
    const update = JSON.stringify({
      update_id: 900_000_001,
      message: {
        message_id: 77,
        date: Math.floor(Date.now() / 1000),
        chat: { id: userId, type: 'private', first_name: 'Replay' },
        from: { id: userId, is_bot: false, first_name: 'Replay', language_code: 'en' },
        text: '/start',
        entities: [{ type: 'bot_command', offset: 0, length: 6 }],
      },
    });
    u.send('/start'); // the chat becomes known to Telegram
    await u.waitForMessage('Choose a role');
    const roles = () => u.chat().filter((m) => (m.text ?? '').includes('Choose a role')).length;
    expect(roles()).toBe(1);
    for (let i = 0; i < 3; i++) expect((await post(update)).status).toBe(200);
    await u.waitForIdle(300);
    expect(roles()).toBe(2);
  });
});
