import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { TelegramEmulator, type TgUpdate } from '../../src/emulator/emulator.js';
import { parseHtml, validateHtml } from '../../src/emulator/html.js';

interface ApiAnswer {
  status: number;
  body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  };
}

let emu: TelegramEmulator;

async function call(
  method: string,
  params: Record<string, unknown> = {},
  opts: { token?: string; signal?: AbortSignal } = {},
): Promise<ApiAnswer> {
  const res = await fetch(`${emu.apiRoot}/bot${opts.token ?? emu.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
    signal: opts.signal,
  });
  return { status: res.status, body: (await res.json()) as ApiAnswer['body'] };
}

async function result<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const answer = await call(method, params);
  if (!answer.body.ok) throw new Error(`${method} failed: ${answer.body.description}`);
  return answer.body.result as T;
}

const message = (chatId: number, text: string, extra: Record<string, unknown> = {}): Promise<ApiAnswer> =>
  call('sendMessage', { chat_id: chatId, text, ...extra });

const keyboard = (
  ...rows: [string, string][][]
): { inline_keyboard: { text: string; callback_data: string }[][] } => ({
  inline_keyboard: rows.map((row) => row.map(([text, callback_data]) => ({ text, callback_data }))),
});

/** A tiny long-polling bot: enough to drive the emulator's own flows without Telegraf. */
function miniBot(handle: (u: TgUpdate) => Promise<void>): { stop: () => Promise<void> } {
  const ac = new AbortController();
  const loop = (async () => {
    let offset = 0;
    while (!ac.signal.aborted) {
      const answer = await call('getUpdates', { offset, timeout: 5 }, { signal: ac.signal }).catch(
        () => undefined,
      );
      if (!answer?.body.ok) continue;
      for (const u of answer.body.result as TgUpdate[]) {
        await handle(u);
        offset = u.update_id + 1;
      }
    }
  })();
  return {
    stop: async () => {
      ac.abort();
      await loop;
    },
  };
}

beforeEach(async () => {
  emu = new TelegramEmulator({ webhookRetryDelayMs: 20 });
  await emu.start();
});

afterEach(async () => {
  await emu.stop();
});

describe('transport', () => {
  it('answers getMe, 401 for a wrong token and 404 for an unknown method', async () => {
    const me = await call('getMe');
    expect(me.status).toBe(200);
    expect(me.body.result).toMatchObject({ id: 100000, is_bot: true, username: 'market_test_bot' });

    expect(await call('getMe', {}, { token: '1:WRONG' })).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect(await call('sendCarrierPigeon')).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found' },
    });
  });

  it('accepts form-urlencoded and multipart parameters (an uploaded file becomes a file of its size)', async () => {
    const user = emu.user({ id: 7, first_name: 'Ann' });
    user.send('hi');
    const form = await fetch(`${emu.apiRoot}/bot${emu.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: '7',
        text: '<b>bold</b>',
        parse_mode: 'HTML',
        reply_markup: JSON.stringify(keyboard([['Go', 'go']])),
      }),
    });
    expect(form.status).toBe(200);
    expect(user.lastBotMessage()).toMatchObject({ text: 'bold', html: '<b>bold</b>', buttons: [['Go']] });

    const multipart = new FormData();
    multipart.set('chat_id', '7');
    multipart.set('caption', 'the form');
    multipart.set('document', new Blob([Buffer.alloc(3000, 1)]), 'form.pdf');
    const res = await fetch(`${emu.apiRoot}/bot${emu.token}/sendDocument`, {
      method: 'POST',
      body: multipart,
    });
    expect(res.status).toBe(200);
    const sent = ((await res.json()) as { result: { document: { file_size: number } } }).result;
    expect(sent.document.file_size).toBe(3000);
    expect(user.lastBotMessage()).toMatchObject({ kind: 'document', text: 'the form' });

    const broken = await fetch(`${emu.apiRoot}/bot${emu.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: 'not a multipart body',
    });
    expect(broken.status).toBe(400);
  });
});

describe('getUpdates', () => {
  it('long-polls until an update arrives, and an offset confirms the updates below it', async () => {
    const user = emu.user({ id: 42, first_name: 'Bob', username: 'bob' });
    const started = Date.now();
    const poll = call('getUpdates', { timeout: 10 });
    setTimeout(() => user.send('/start'), 50);
    const first = await poll;
    expect(Date.now() - started).toBeLessThan(2000);
    const updates = first.body.result as TgUpdate[];
    expect(updates).toHaveLength(1);
    expect(updates[0].message).toMatchObject({
      message_id: 1,
      text: '/start',
      chat: { id: 42, type: 'private', first_name: 'Bob', username: 'bob' },
      from: { id: 42, is_bot: false },
      entities: [{ type: 'bot_command', offset: 0, length: 6 }],
    });
    expect(emu.pendingUpdates()).toBe(1);

    // Not confirmed yet: the same update comes again.
    const again = await result<TgUpdate[]>('getUpdates', {});
    expect(again.map((u) => u.update_id)).toEqual([updates[0].update_id]);

    user.send('two');
    const next = await result<TgUpdate[]>('getUpdates', { offset: updates[0].update_id + 1 });
    expect(next.map((u) => u.message?.text)).toEqual(['two']);
    expect(emu.confirmedOffset).toBe(updates[0].update_id + 1);
    expect(emu.pendingUpdates()).toBe(1);

    const empty = await result<TgUpdate[]>('getUpdates', { offset: next[0].update_id + 1, timeout: 0 });
    expect(empty).toEqual([]);
    expect(emu.pendingUpdates()).toBe(0);
    expect((await call('getUpdates', { limit: 0 })).status).toBe(400);
  });

  it('answers 409 to the older of two concurrent polls', async () => {
    const older = call('getUpdates', { timeout: 5 });
    await new Promise((r) => setTimeout(r, 30));
    const newer = call('getUpdates', { timeout: 5 });
    const answer = await older;
    expect(answer.status).toBe(409);
    expect(answer.body.description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    emu.user({ id: 1, first_name: 'A' }).send('x');
    expect(((await newer).body.result as TgUpdate[]).length).toBe(1);
  });

  it('answers 409 while a webhook is set', async () => {
    await result('setWebhook', { url: 'http://127.0.0.1:9/hook' });
    const answer = await call('getUpdates', {});
    expect(answer.status).toBe(409);
    expect(answer.body.description).toContain("can't use getUpdates method while webhook is active");
    await result('deleteWebhook', { drop_pending_updates: true });
    expect((await call('getUpdates', {})).status).toBe(200);
  });
});

describe('sendMessage validation', () => {
  beforeEach(() => {
    emu.user({ id: 5, first_name: 'Eve' }).send('/start');
  });

  it('refuses an unknown chat', async () => {
    expect((await message(6, 'hi')).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    // A user the test created but who never wrote to the bot is unknown too.
    emu.user({ id: 8, first_name: 'Silent' });
    expect((await message(8, 'hi')).body.description).toBe('Bad Request: chat not found');
  });

  it('counts callback_data in UTF-8 bytes: 64 are accepted, 65 refused', async () => {
    const cyrillic64 = 'ж'.repeat(32);
    expect(Buffer.byteLength(cyrillic64)).toBe(64);
    expect((await message(5, 'ok', { reply_markup: keyboard([['A', cyrillic64]]) })).status).toBe(200);
    const refused = await message(5, 'no', { reply_markup: keyboard([['A', `${cyrillic64}x`]]) });
    expect(refused.status).toBe(400);
    expect(refused.body.description).toBe('Bad Request: BUTTON_DATA_INVALID');
    expect((await message(5, 'no', { reply_markup: keyboard([['A', '']]) })).body.description).toBe(
      'Bad Request: BUTTON_DATA_INVALID',
    );
    const noAction = await message(5, 'no', { reply_markup: { inline_keyboard: [[{ text: 'A' }]] } });
    expect(noAction.status).toBe(400);
  });

  it('refuses an empty text and one longer than 4096 characters after parsing', async () => {
    expect((await message(5, '')).body.description).toBe('Bad Request: message text is empty');
    expect((await message(5, '   \n')).body.description).toBe('Bad Request: message text is empty');
    expect((await message(5, '<b></b>', { parse_mode: 'HTML' })).body.description).toBe(
      'Bad Request: message text is empty',
    );
    expect((await message(5, 'x'.repeat(4097))).body.description).toBe('Bad Request: message is too long');
    expect((await message(5, 'x'.repeat(4096))).status).toBe(200);
    // Tags don't count, entities count as one character, emoji as two UTF-16 units.
    expect((await message(5, `<b>${'x'.repeat(4094)}</b>&lt;`, { parse_mode: 'HTML' })).status).toBe(200);
    expect((await message(5, `${'x'.repeat(4095)}😀`)).body.description).toBe(
      'Bad Request: message is too long',
    );
  });

  it('validates HTML like Telegram and keeps the plain text, entities and raw html', async () => {
    const ok = await message(5, '<b>Shop</b> &lt;one&gt; &amp; <i>two <u>three</u></i> &#169;', {
      parse_mode: 'HTML',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.result).toMatchObject({
      text: 'Shop <one> & two three ©',
      entities: [
        { type: 'bold', offset: 0, length: 4 },
        { type: 'italic', offset: 13, length: 9 },
        { type: 'underline', offset: 17, length: 5 },
      ],
    });
    expect(emu.user({ id: 5, first_name: 'Eve' }).lastBotMessage()?.html).toContain('&lt;one&gt;');

    const cases: [string, string][] = [
      ['a < b', 'Unsupported start tag "" at byte offset 2'],
      ['<foo>x</foo>', 'Unsupported start tag "foo" at byte offset 0'],
      ['ж<b>x</i>', 'Unmatched end tag at byte offset 6, expected "</b>", found "</i>"'],
      ['<b>x', `Can't find end tag corresponding to start tag "b"`],
      ['x</b>', 'Unexpected end tag at byte offset 1'],
      ['Tom &foo; Jerry', 'Unsupported HTML entity "&foo;" at byte offset 4'],
      ['Tom & Jerry', 'Unescaped "&" at byte offset 4'],
      ['1 > 0', 'Unescaped ">" at byte offset 2'],
      ['<a>link</a>', 'Tag "a" must have attribute "href"'],
      ['<span>x</span>', 'Tag "span" must have class "tg-spoiler"'],
    ];
    for (const [html, reason] of cases) {
      const answer = await message(5, html, { parse_mode: 'HTML' });
      expect(answer.status).toBe(400);
      expect(answer.body.description).toContain(`Bad Request: can't parse entities: ${reason}`);
    }
    // Nothing was sent by the refused calls.
    expect(emu.callsOf('sendMessage').filter((c) => c.ok)).toHaveLength(1);
  });

  it('parses every supported tag', () => {
    const parsed = parseHtml(
      '  <strong>b</strong><em>i</em><ins>u</ins><del>s</del><span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler>' +
        '<a href="https://t.me/x?a=1&amp;b=2">l</a><code>c</code><pre><code class="language-ts">let x;</code></pre>' +
        '<blockquote expandable>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>\n',
    );
    expect(parsed.text).toBe('bius' + 'pq' + 'l' + 'c' + 'let x;' + 'q' + '👍');
    expect(parsed.entities.map((e) => e.type)).toEqual([
      'bold',
      'italic',
      'underline',
      'strikethrough',
      'spoiler',
      'spoiler',
      'text_link',
      'code',
      'pre',
      'expandable_blockquote',
      'custom_emoji',
    ]);
    expect(parsed.entities[6].url).toBe('https://t.me/x?a=1&b=2');
    expect(parsed.entities[8]).toEqual({ type: 'pre', offset: 8, length: 6, language: 'ts' });
    expect(validateHtml('<br>').ok).toBe(false);
    expect(parseHtml('Tom & Jerry', { strict: false }).text).toBe('Tom & Jerry');
  });
});

describe('callback queries', () => {
  it('finds a button by label, and accepts one answer only', async () => {
    const user = emu.user({ id: 9, first_name: 'Ivan' });
    user.send('/menu');
    await message(9, 'Old menu', { reply_markup: keyboard([['Shops', 'shops:v1']]) });
    await message(9, 'Menu', {
      reply_markup: keyboard([
        ['Shops', 'shops:v2'],
        ['Help', 'help'],
      ]),
    });

    const press = user.press('Shops');
    expect(press).toMatchObject({ data: 'shops:v2', messageId: 3 });
    expect(user.press(/hel/i, { messageId: 3 }).data).toBe('help');
    expect(user.press('Shops', { messageId: 2 }).data).toBe('shops:v1');
    expect(() => user.press('Nope')).toThrow(/#3: \[Shops\] \[Help\]/);

    const updates = await result<TgUpdate[]>('getUpdates', {});
    const cq = updates.find((u) => u.callback_query?.id === press.queryId)?.callback_query;
    expect(cq).toMatchObject({ from: { id: 9 }, data: 'shops:v2', message: { message_id: 3, text: 'Menu' } });
    expect(typeof cq?.chat_instance).toBe('string');

    const answered = user.answerOf(press.queryId);
    expect(
      (await call('answerCallbackQuery', { callback_query_id: press.queryId, text: 'Shops' })).status,
    ).toBe(200);
    await expect(answered).resolves.toEqual({ text: 'Shops' });
    const second = await call('answerCallbackQuery', { callback_query_id: press.queryId });
    expect(second.body.description).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );
    expect(
      (await call('answerCallbackQuery', { callback_query_id: 'x', text: 'y'.repeat(201) })).status,
    ).toBe(400);
  });

  it('refuses an answer after the query TTL', async () => {
    const user = emu.user({ id: 10, first_name: 'Old' });
    user.send('/start');
    await message(10, 'Menu', { reply_markup: keyboard([['A', 'a']]) });
    const { queryId } = user.pressData(2, 'forged:data');
    emu.advanceTime(15_001);
    const answer = await call('answerCallbackQuery', { callback_query_id: queryId });
    expect(answer.status).toBe(400);
    expect(answer.body.description).toContain('query is too old');
    await expect(user.answerOf(queryId, 50)).rejects.toThrow(/did not answer/);
  });
});

describe('editing and deleting', () => {
  it('refuses an identical edit and tracks edits and deletions', async () => {
    const user = emu.user({ id: 11, first_name: 'Ed' });
    user.send('/start');
    const sent = await result<{ message_id: number }>('sendMessage', {
      chat_id: 11,
      text: '<b>Hi</b>',
      parse_mode: 'HTML',
      reply_markup: keyboard([['A', 'a']]),
    });
    const same = await call('editMessageText', {
      chat_id: 11,
      message_id: sent.message_id,
      text: '<strong>Hi</strong>',
      parse_mode: 'HTML',
      reply_markup: keyboard([['A', 'a']]),
    });
    expect(same.body.description).toBe(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );
    const edited = await call('editMessageText', { chat_id: 11, message_id: sent.message_id, text: 'Hi' });
    expect(edited.body.result).toMatchObject({ text: 'Hi', edit_date: expect.any(Number) });
    expect(edited.body.result).not.toHaveProperty('reply_markup');
    expect((await call('editMessageReplyMarkup', { chat_id: 11, message_id: sent.message_id })).status).toBe(
      400,
    );
    expect((await call('editMessageText', { chat_id: 11, message_id: 99, text: 'x' })).body.description).toBe(
      'Bad Request: message to edit not found',
    );
    expect(user.chat()[0]).toMatchObject({ text: 'Hi', edits: 1, deleted: false });

    // The bot can delete the user's message (a password) and its own.
    expect((await call('deleteMessage', { chat_id: 11, message_id: 1 })).status).toBe(200);
    expect(user.userMessages()[0]).toMatchObject({ text: '/start', deleted: true });
    expect((await call('deleteMessage', { chat_id: 11, message_id: 1 })).body.description).toBe(
      'Bad Request: message to delete not found',
    );
    emu.advanceTime(48 * 3600 * 1000 + 1000);
    expect((await call('deleteMessage', { chat_id: 11, message_id: sent.message_id })).body.description).toBe(
      "Bad Request: message can't be deleted for everyone",
    );
  });
});

describe('errors the bot must handle', () => {
  it('answers 403 when the user blocked the bot, with a my_chat_member update', async () => {
    const user = emu.user({ id: 12, first_name: 'Bl' });
    user.send('/start');
    user.blockBot();
    const answer = await message(12, 'hello');
    expect(answer).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    const updates = await result<TgUpdate[]>('getUpdates', {});
    expect(updates[1].my_chat_member?.new_chat_member).toMatchObject({ status: 'kicked' });
    user.unblockBot();
    expect((await message(12, 'hello')).status).toBe(200);
  });

  it('answers 429 with retry_after when a chat exceeds its rate limit', async () => {
    await emu.stop();
    emu = new TelegramEmulator({ rateLimit: { perChat: { count: 3, windowMs: 1000 } } });
    await emu.start();
    emu.user({ id: 13, first_name: 'Fast' }).send('/start');
    for (let i = 0; i < 3; i++) expect((await message(13, `m${i}`)).status).toBe(200);
    const limited = await message(13, 'm3');
    expect(limited).toEqual({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
    });
    emu.advanceTime(1000);
    expect((await message(13, 'm4')).status).toBe(200);
  });

  it('injects failures with failNext, optionally for one chat', async () => {
    emu.user({ id: 14, first_name: 'A' }).send('/start');
    emu.user({ id: 15, first_name: 'B' }).send('/start');
    emu.failNext(
      'sendMessage',
      { error_code: 429, description: 'Too Many Requests: retry after 7', retry_after: 7 },
      { times: 2, chatId: 15 },
    );
    expect((await message(14, 'a')).status).toBe(200);
    const failed = await message(15, 'b');
    expect(failed.body).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    });
    expect((await message(15, 'b')).status).toBe(429);
    expect((await message(15, 'b')).status).toBe(200);
    expect(emu.callsOf('sendMessage').map((c) => c.ok)).toEqual([true, false, false, true]);
  });
});

describe('a conversation with a bot', () => {
  it('waits for replies, settles, and pays an invoice', async () => {
    const bot = miniBot(async (u) => {
      if (u.message?.text === '/start') {
        await call('sendChatAction', { chat_id: u.message.chat.id, action: 'typing' });
        await message(u.message.chat.id, 'Welcome! Choose:', { reply_markup: keyboard([['Pay', 'pay']]) });
      } else if (u.callback_query?.data === 'pay') {
        const chatId = u.callback_query.from.id;
        await call('answerCallbackQuery', { callback_query_id: u.callback_query.id });
        await call('deleteMessage', { chat_id: chatId, message_id: u.callback_query.message?.message_id });
        await call('sendInvoice', {
          chat_id: chatId,
          title: 'Subscription fee',
          description: 'Access to shop management.',
          payload: 'sub',
          provider_token: 'TEST:123',
          currency: 'RUB',
          prices: [{ label: 'Subscription', amount: 10000 }],
        });
      } else if (u.pre_checkout_query) {
        const q = u.pre_checkout_query;
        await call('answerPreCheckoutQuery', {
          pre_checkout_query_id: q.id,
          ok: q.invoice_payload === 'sub',
          ...(q.invoice_payload === 'sub' ? {} : { error_message: 'Something went wrong...' }),
        });
      } else if (u.message?.successful_payment) {
        await message(u.message.chat.id, `Paid ${u.message.successful_payment.total_amount / 100}`);
      }
    });
    try {
      const user = emu.user({ id: 20, first_name: 'Payer' });
      user.send('/start');
      const menu = await user.waitForMessage(/Welcome/);
      expect(menu.buttons).toEqual([['Pay']]);

      const { queryId } = user.press('Pay');
      await expect(user.answerOf(queryId)).resolves.toEqual({});
      const invoice = await user.waitForMessage((m) => m.invoice !== undefined);
      expect(invoice.invoice).toMatchObject({ currency: 'RUB', total_amount: 10000 });
      expect(user.chat()[0].deleted).toBe(true);

      const refused = await user.pay(undefined, { payload: 'forged' });
      expect(refused).toMatchObject({ ok: false, errorMessage: 'Something went wrong...' });

      const paid = await user.pay();
      expect(paid.ok).toBe(true);
      expect(paid.chargeId).toMatch(/^tg_charge_/);
      await expect(user.waitForMessage('Paid 100')).resolves.toMatchObject({ text: 'Paid 100' });
      expect(user.userMessages().map((m) => m.kind)).toEqual(['text', 'successful_payment']);

      // Nothing answers a sticker: settle() resolves once the update is confirmed and all is quiet.
      user.sendSticker();
      await emu.settle(100);
      expect(emu.pendingUpdates()).toBe(0);
      await expect(user.waitForMessage(/./, 100)).rejects.toThrow(/timed out after 100 ms/);
    } finally {
      await bot.stop();
    }
  });
});

describe('webhook', () => {
  it('posts updates with the secret header and retries after a 500', async () => {
    const received: { headers: IncomingHttpHeaders; body: TgUpdate }[] = [];
    const hook = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(raw) as TgUpdate });
        if (received.length === 1) {
          res.writeHead(500).end();
          return;
        }
        // Answer with a method call in the body, as Telegraf's webhookReply does.
        const cq = received.at(-1)?.body.callback_query;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          cq ? JSON.stringify({ method: 'answerCallbackQuery', callback_query_id: cq.id, text: 'ok' }) : '',
        );
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    try {
      expect(
        (await call('setWebhook', { url: `http://127.0.0.1:${port}/tg`, secret_token: 'bad token!' })).status,
      ).toBe(400);
      const set = await call('setWebhook', { url: `http://127.0.0.1:${port}/tg`, secret_token: 's3cr3t_-x' });
      expect(set.body).toMatchObject({ ok: true, result: true, description: 'Webhook was set' });
      expect(emu.webhook).toMatchObject({ port, portAllowedByTelegram: false, https: false });

      const user = emu.user({ id: 30, first_name: 'Hook' });
      user.send('/start');
      await emu.settle(50);
      expect(received).toHaveLength(2);
      expect(received[0].body.update_id).toBe(received[1].body.update_id);
      expect(received[1].headers['x-telegram-bot-api-secret-token']).toBe('s3cr3t_-x');
      expect(await result('getWebhookInfo')).toMatchObject({
        url: `http://127.0.0.1:${port}/tg`,
        pending_update_count: 0,
        last_error_message: 'Wrong response from the webhook: 500 Internal Server Error',
      });

      await message(30, 'Menu', { reply_markup: keyboard([['A', 'a']]) });
      const { queryId } = user.press('A');
      await expect(user.answerOf(queryId)).resolves.toEqual({ text: 'ok' });
      expect(emu.callsOf('answerCallbackQuery')[0].viaWebhookReply).toBe(true);
    } finally {
      await new Promise((r) => hook.close(r));
    }
  });
});

describe('webhook queues', () => {
  interface Arrival {
    kind: 'message' | 'callback';
    label: string;
    at: number;
  }

  /**
   * A webhook receiver that holds the answer to a message whose text is in `held` until release(),
   * answers 500 to the first `failFirst` posts of a message text, and 200 at once to the rest.
   */
  async function hookServer(opts: { held?: string[]; failFirst?: Record<string, number> } = {}) {
    const arrivals: Arrival[] = [];
    const answered: Arrival[] = [];
    const releases: (() => void)[] = [];
    const failures = new Map(Object.entries(opts.failFirst ?? {}));
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const u = JSON.parse(raw) as TgUpdate;
        const label = u.message?.text ?? u.callback_query?.data ?? '?';
        const arrival: Arrival = { kind: u.message ? 'message' : 'callback', label, at: Date.now() };
        arrivals.push(arrival);
        const answer = (status: number): void => {
          res.writeHead(status).end();
          if (status === 200) answered.push({ ...arrival, at: Date.now() });
        };
        const failuresLeft = failures.get(label) ?? 0;
        if (failuresLeft > 0) {
          failures.set(label, failuresLeft - 1);
          answer(500);
        } else if (opts.held?.includes(label)) releases.push(() => answer(200));
        else answer(200);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}/tg`,
      arrivals,
      answered,
      release: () => releases.splice(0).forEach((r) => r()),
      /** Resolves once an update with this label has arrived (any attempt). */
      arrived: async (label: string, timeoutMs = 3000) => {
        const deadline = Date.now() + timeoutMs;
        while (!arrivals.some((a) => a.label === label)) {
          if (Date.now() > deadline) return false;
          await new Promise((r) => setTimeout(r, 10));
        }
        return true;
      },
      close: () => {
        releases.splice(0).forEach((r) => r());
        return new Promise((r) => server.close(r));
      },
    };
  }

  /** A user who has written to the bot and has a menu with button A under its last message. */
  async function userWithMenu(url: string) {
    await result('setWebhook', { url });
    const user = emu.user({ id: 31, first_name: 'Queues' });
    user.send('/start');
    await emu.settle(30);
    await message(31, 'Menu', { reply_markup: keyboard([['A', 'a']]) });
    return user;
  }

  it("delivers a chat's button press while its message is still in flight, as the Bot API does", async () => {
    const hook = await hookServer({ held: ['slow'] });
    try {
      const user = await userWithMenu(hook.url);
      user.send('slow');
      user.send('after');
      expect(await hook.arrived('slow')).toBe(true);
      user.press('A');
      // The press has a queue of its own: it reaches the bot although 'slow' is unanswered.
      expect(await hook.arrived('a')).toBe(true);
      expect(hook.answered.map((a) => a.label)).toEqual(['/start', 'a']);
      // The chat's next message still waits behind the one in flight.
      expect(hook.arrivals.map((a) => a.label)).not.toContain('after');
      hook.release();
      await emu.settle(30);
      expect(hook.answered.map((a) => a.label)).toEqual(['/start', 'a', 'slow', 'after']);
      expect(emu.pendingUpdates()).toBe(0);
    } finally {
      await hook.close();
    }
  });

  it("retries a failing message without holding the chat's button press, and keeps the messages in order", async () => {
    const hook = await hookServer({ failFirst: { first: 4 } });
    try {
      const user = await userWithMenu(hook.url);
      user.send('first');
      user.send('second');
      expect(await hook.arrived('first')).toBe(true);
      user.press('A');
      await emu.settle(30, 5000);
      const labels = hook.answered.map((a) => a.label);
      expect(labels.filter((l) => l !== 'a')).toEqual(['/start', 'first', 'second']);
      // 4 failures back off 20 + 40 + 80 + 160 ms: the press got through long before 'first' did.
      expect(labels.indexOf('a')).toBeLessThan(labels.indexOf('first'));
      expect(hook.arrivals.filter((a) => a.label === 'first')).toHaveLength(5);
      expect(await result('getWebhookInfo')).toMatchObject({
        pending_update_count: 0,
        last_error_message: 'Wrong response from the webhook: 500 Internal Server Error',
      });
    } finally {
      await hook.close();
    }
  });

  it("with webhookQueues 'per-chat', a chat's button press waits for its message", async () => {
    await emu.stop();
    emu = new TelegramEmulator({ webhookRetryDelayMs: 20, webhookQueues: 'per-chat' });
    await emu.start();
    const hook = await hookServer({ held: ['slow'] });
    try {
      const user = await userWithMenu(hook.url);
      user.send('slow');
      expect(await hook.arrived('slow')).toBe(true);
      user.press('A');
      expect(await hook.arrived('a', 300)).toBe(false);
      hook.release();
      await emu.settle(30);
      expect(hook.answered.map((a) => a.label)).toEqual(['/start', 'slow', 'a']);
    } finally {
      await hook.close();
    }
  });
});

describe('webhook targets', () => {
  /** A receiver that records the update ids it was posted; `dropFirst` connections are cut mid-request. */
  async function receiver(dropFirst = 0) {
    const ids: number[] = [];
    let drops = dropFirst;
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        ids.push((JSON.parse(raw) as TgUpdate).update_id);
        if (drops-- > 0) req.socket.destroy();
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { ids, origin, close: () => new Promise((r) => server.close(r)) };
  }

  it('posts to the targets in turn, skips one that refuses and retries a post cut mid-request', async () => {
    const a = await receiver();
    const b = await receiver(1);
    const gone = await receiver();
    await gone.close();
    await emu.stop();
    emu = new TelegramEmulator({
      webhookRetryDelayMs: 20,
      webhookTargets: [a.origin, gone.origin, b.origin],
    });
    await emu.start();
    try {
      // The webhook URL as registered (https, its own host): only its path is used.
      expect((await call('setWebhook', { url: 'https://bot.example.test/tg?x=1' })).body).toMatchObject({
        description: 'Webhook was set',
      });
      // A second receiver registering the same webhook changes nothing, as with the Bot API.
      expect((await call('setWebhook', { url: 'https://bot.example.test/tg?x=1' })).body).toMatchObject({
        description: 'Webhook is already set',
      });
      for (let i = 0; i < 6; i++) emu.user({ id: 50 + i, first_name: `T${i}` }).send(`hi ${i}`);
      await emu.settle(50);
      expect(emu.pendingUpdates()).toBe(0);
      const all = [...a.ids, ...b.ids];
      // Six updates, one posted twice: b cut its first connection, and that update came again.
      expect(all).toHaveLength(7);
      expect(new Set(all).size).toBe(6);
      expect(a.ids.length).toBeGreaterThanOrEqual(3);
      expect(b.ids.length).toBeGreaterThanOrEqual(2);
      expect(emu.webhook?.failures).toBe(1);
      expect(await result('getWebhookInfo')).toMatchObject({
        url: 'https://bot.example.test/tg?x=1',
        last_error_message: 'Connection failed: other side closed',
      });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('never counts a refused target against a delivery while other posts run at once', async () => {
    const a = await receiver();
    const gone = await receiver();
    await gone.close();
    await emu.stop();
    emu = new TelegramEmulator({ webhookRetryDelayMs: 20, webhookTargets: [gone.origin, a.origin] });
    await emu.start();
    try {
      await result('setWebhook', { url: 'https://bot.example.test/tg' });
      for (let i = 0; i < 60; i++) emu.user({ id: 60 + i, first_name: `C${i}` }).send('hi');
      await emu.settle(50);
      expect(a.ids).toHaveLength(60);
      expect(emu.webhook?.failures).toBe(0);
    } finally {
      await a.close();
    }
  });
});

describe('bot settings', () => {
  it('stores commands per scope and language, and descriptions', async () => {
    const commands = [
      { command: 'start', description: 'Start' },
      { command: 'help', description: 'Help' },
    ];
    expect((await call('setMyCommands', { commands })).status).toBe(200);
    expect(
      (await call('setMyCommands', { commands: [{ command: 'x', description: 'Икс' }], language_code: 'ru' }))
        .status,
    ).toBe(200);
    expect(emu.commands()).toEqual(commands);
    expect(emu.commands({ type: 'default' }, 'ru')).toEqual([{ command: 'x', description: 'Икс' }]);
    expect(await result('getMyCommands', { scope: { type: 'all_private_chats' } })).toEqual([]);
    expect(
      (await call('setMyCommands', { commands: [{ command: 'Bad-One', description: 'x' }] })).status,
    ).toBe(400);
    expect((await call('setMyCommands', { commands: [{ command: 'ok', description: '' }] })).status).toBe(
      400,
    );
    await result('deleteMyCommands', {});
    expect(emu.commands()).toEqual([]);

    await result('setMyDescription', { description: 'A bot for sellers' });
    await result('setMyShortDescription', { short_description: 'Sellers' });
    expect(emu.description).toBe('A bot for sellers');
    expect(await result('getMyShortDescription', {})).toEqual({ short_description: 'Sellers' });
    expect((await call('setMyShortDescription', { short_description: 'x'.repeat(121) })).status).toBe(400);
  });

  it('validates invoices', async () => {
    emu.user({ id: 40, first_name: 'Inv' }).send('/start');
    const base = {
      chat_id: 40,
      title: 'Fee',
      description: 'Subscription',
      payload: 'p',
      provider_token: 'TOKEN',
      currency: 'RUB',
      prices: [{ label: 'Sub', amount: 10000 }],
    };
    expect((await call('sendInvoice', base)).status).toBe(200);
    for (const broken of [
      { title: 'x'.repeat(33) },
      { payload: 'ж'.repeat(65) },
      { currency: 'rub' },
      { prices: [] },
      { prices: [{ label: 'Sub', amount: 1.5 }] },
      { provider_token: '' },
    ]) {
      expect((await call('sendInvoice', { ...base, ...broken })).status).toBe(400);
    }
    expect((await call('sendInvoice', { ...base, currency: 'XTR', provider_token: '' })).status).toBe(200);
  });
});

describe('other drivers', () => {
  it('edits, photos, group chats, call events, pre-checkout answers and stop()', async () => {
    const seen: string[] = [];
    emu.on('call', (c) => seen.push(c.method));
    const user = emu.user({ id: 50, first_name: 'Mo', language_code: 'ru' });
    const sent = user.send('hello');
    user.edit(sent.message_id, 'hello again');
    user.sendPhoto('a cat');
    const group = emu.groupChat({ id: -1001, title: 'Sellers' }, user);
    group.send('/start@market_test_bot');
    const updates = await result<TgUpdate[]>('getUpdates', {});
    expect(updates.map((u) => Object.keys(u)[1])).toEqual([
      'message',
      'edited_message',
      'message',
      'message',
    ]);
    expect(updates[1].edited_message).toMatchObject({ text: 'hello again', edit_date: expect.any(Number) });
    expect(updates[2].message?.photo).toHaveLength(2);
    expect(updates[3].message).toMatchObject({ chat: { id: -1001, type: 'group', title: 'Sellers' } });
    expect(seen).toEqual(['getUpdates']);

    await result('sendInvoice', {
      chat_id: 50,
      title: 'Fee',
      description: 'Subscription',
      payload: 'p',
      provider_token: 'T',
      currency: 'RUB',
      prices: [{ label: 'Sub', amount: 100 }],
    });
    const paying = user.pay(undefined, { timeoutMs: 1000 });
    const pcq = (await result<TgUpdate[]>('getUpdates', { offset: updates[3].update_id + 1 }))[0]
      .pre_checkout_query;
    expect(pcq).toMatchObject({ currency: 'RUB', total_amount: 100, invoice_payload: 'p', from: { id: 50 } });
    expect((await call('answerPreCheckoutQuery', { pre_checkout_query_id: pcq?.id, ok: false })).status).toBe(
      400,
    );
    expect((await call('answerPreCheckoutQuery', { pre_checkout_query_id: pcq?.id, ok: true })).status).toBe(
      200,
    );
    expect(
      (await call('answerPreCheckoutQuery', { pre_checkout_query_id: pcq?.id, ok: true })).body.description,
    ).toContain('query is too old');
    await expect(paying).resolves.toMatchObject({ ok: true });

    // stop() ends a pending long poll with an empty result.
    const poll = call('getUpdates', { offset: Number.MAX_SAFE_INTEGER, timeout: 30 });
    await new Promise((r) => setTimeout(r, 30));
    await emu.stop();
    expect((await poll).body).toEqual({ ok: true, result: [] });
  });
});
