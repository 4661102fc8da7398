import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Markup, Telegraf } from 'telegraf';
import { TelegramEmulator } from '../../src/emulator/emulator.js';

/** The emulator as the real bot stack sees it: Telegraf 4.16.3 over HTTP, polling and webhook. */
let emu: TelegramEmulator;

function makeBot(): Telegraf {
  const bot = new Telegraf(emu.token, { telegram: { apiRoot: emu.apiRoot } });
  bot.start((ctx) =>
    ctx.reply('<b>Menu</b> for you', {
      parse_mode: 'HTML',
      ...Markup.inlineKeyboard([Markup.button.callback('Ping', 'ping')]),
    }),
  );
  bot.action('ping', async (ctx) => {
    await ctx.answerCbQuery('pong');
    await ctx.editMessageText('Pinged', Markup.inlineKeyboard([Markup.button.callback('Ping', 'ping')]));
  });
  bot.on('sticker', () => undefined);
  return bot;
}

beforeEach(async () => {
  emu = new TelegramEmulator();
  await emu.start();
});

afterEach(async () => {
  await emu.stop();
});

describe('with Telegraf', () => {
  it('serves a polling bot', async () => {
    const bot = makeBot();
    const launched = new Promise<void>((resolve) => {
      bot.launch({ dropPendingUpdates: true }, resolve).catch((e: unknown) => console.error(e));
    });
    await launched;
    await emu.waitForPolling();
    try {
      const user = emu.user({ id: 501, first_name: 'Tg' });
      user.send('/start');
      const menu = await user.waitForMessage(/Menu/);
      expect(menu).toMatchObject({ text: 'Menu for you', html: '<b>Menu</b> for you', buttons: [['Ping']] });
      const { queryId } = user.press('Ping');
      await expect(user.answerOf(queryId)).resolves.toEqual({ text: 'pong' });
      await expect(user.waitForMessage('Pinged')).resolves.toMatchObject({
        message_id: menu.message_id,
        edits: 1,
      });
      user.sendSticker();
      await emu.settle(100);
      expect(emu.calls.filter((c) => !c.ok)).toEqual([]);
    } finally {
      bot.stop();
    }
    await emu.settle(50);
  });

  it('serves a webhook bot, including webhook replies', async () => {
    const bot = makeBot();
    const handler = await bot.createWebhook({
      domain: 'http://placeholder',
      path: '/tg',
      secret_token: 'abc',
    });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await bot.telegram.setWebhook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/tg`, {
        secret_token: 'abc',
      });
      const user = emu.user({ id: 502, first_name: 'Hook' });
      user.send('/start');
      await user.waitForMessage(/Menu/);
      const { queryId } = user.press('Ping');
      await expect(user.answerOf(queryId)).resolves.toEqual({ text: 'pong' });
      await user.waitForMessage('Pinged');
      expect(emu.callsOf('answerCallbackQuery')[0].viaWebhookReply).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
