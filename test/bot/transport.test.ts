/**
 * The hot Bot API calls go over undici (src/bot/transport.ts) and answer as Telegraf's own client
 * does: the result, or the same TelegramError (code, description, retry_after), a 5xx as Telegraf
 * reports it, a network failure without the bot's token in its message; other methods still go
 * through Telegraf. Each case is run on both clients, against the emulator's real HTTP.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Telegraf, TelegramError, type Telegram } from 'telegraf';
import { sendJsonOverUndici } from '../../src/bot/transport.js';
import { TelegramEmulator } from '../../src/emulator/emulator.js';

const TOKEN = '123456:TRANSPORT';

describe('the Bot API transport', () => {
  let emulator: TelegramEmulator;
  let plain: Telegram;
  let fast: Telegram;
  const chat = 7_100_000_001;
  beforeAll(async () => {
    emulator = new TelegramEmulator({ token: TOKEN, rateLimit: false });
    await emulator.start();
    plain = new Telegraf(TOKEN, { telegram: { apiRoot: emulator.apiRoot, webhookReply: false } }).telegram;
    fast = new Telegraf(TOKEN, { telegram: { apiRoot: emulator.apiRoot, webhookReply: false } }).telegram;
    sendJsonOverUndici(fast, emulator.apiRoot, TOKEN);
    // The bot may write to a user who wrote to it first.
    emulator.user({ id: chat, first_name: 'Transport' }).send('hi');
  });
  afterAll(() => emulator.stop());

  /** What a call answered or threw, in the fields a caller reads. */
  async function outcome(telegram: Telegram, method: string, payload: object) {
    try {
      return { result: await telegram.callApi(method as never, payload as never) };
    } catch (err) {
      const e = err as { name: string; code?: number; description?: string; parameters?: object };
      return {
        error: {
          telegram: err instanceof TelegramError,
          name: e.name,
          code: e.code,
          description: e.description,
          parameters: e.parameters,
        },
      };
    }
  }

  it('answers a call with its result, as Telegraf does', async () => {
    const sent = (await fast.sendMessage(chat, 'over undici', { parse_mode: 'HTML' })) as { text: string };
    expect(sent.text).toBe('over undici');
    const edited = await fast.editMessageText(
      chat,
      (sent as unknown as { message_id: number }).message_id,
      undefined,
      'edited',
    );
    expect(edited).toMatchObject({ text: 'edited' });
    expect(emulator.callsOf('sendMessage').at(-1)!.params).toEqual({
      chat_id: chat,
      text: 'over undici',
      parse_mode: 'HTML',
    });
  });

  it('throws the TelegramError Telegraf throws: code, description, retry_after', async () => {
    for (const spec of [
      { error_code: 429, description: 'Too Many Requests: retry after 7', retry_after: 7 },
      { error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      { error_code: 400, description: 'Bad Request: message is not modified' },
    ]) {
      const outcomes = [];
      for (const telegram of [plain, fast]) {
        emulator.failNext('sendMessage', spec);
        outcomes.push(await outcome(telegram, 'sendMessage', { chat_id: chat, text: 'x' }));
      }
      expect(outcomes[1]).toEqual(outcomes[0]);
      expect(outcomes[1]!.error).toMatchObject({ telegram: true, code: spec.error_code });
    }
  });

  it('reports a 5xx and a failed connection as Telegraf does, without the token', async () => {
    const server = http.createServer((_req, res) => res.writeHead(502).end('<html>bad gateway</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const viaTelegraf = new Telegraf(TOKEN, { telegram: { apiRoot: root } }).telegram;
      const viaUndici = new Telegraf(TOKEN, { telegram: { apiRoot: root } }).telegram;
      sendJsonOverUndici(viaUndici, root, TOKEN);
      const bad = await outcome(viaUndici, 'sendMessage', { chat_id: chat, text: 'x' });
      expect(bad).toEqual(await outcome(viaTelegraf, 'sendMessage', { chat_id: chat, text: 'x' }));
      expect(bad.error).toMatchObject({ code: 502, description: 'Bad Gateway' });
    } finally {
      await new Promise((r) => server.close(r));
    }
    // Nothing listens there any more.
    const gone = new Telegraf(TOKEN, { telegram: { apiRoot: root } }).telegram;
    sendJsonOverUndici(gone, root, TOKEN);
    const err = await gone.sendMessage(chat, 'x').catch((e: unknown) => e as Error);
    expect((err as Error).message).toEqual(expect.any(String));
    expect((err as Error).message).not.toContain(TOKEN.split(':')[1]);
  });

  it('leaves the other methods to Telegraf', async () => {
    const calls = emulator.callsOf('getMe').length;
    const me = await fast.getMe();
    expect(me.is_bot).toBe(true);
    expect(emulator.callsOf('getMe')).toHaveLength(calls + 1);
  });

  it('ends a long poll when it is aborted', async () => {
    // Past every update queued so far, so the poll waits.
    const queued = (await fast.callApi('getUpdates', { timeout: 0 } as never)) as unknown as {
      update_id: number;
    }[];
    const offset = Math.max(0, ...queued.map((u) => u.update_id)) + 1;
    const abort = new AbortController();
    const poll = fast.callApi('getUpdates', { offset, timeout: 30 } as never, {
      signal: abort.signal as never,
    });
    setTimeout(() => abort.abort(), 50);
    const t0 = Date.now();
    await expect(poll).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
