/**
 * The web chat's server against the emulator, without the app: the bot's side is played over the
 * emulator's HTTP API, the browser's side over the chat server's. What a tab is sent (server-sent
 * events) follows sends, edits and deletions; payments go through pre-checkout and a declined card
 * records nothing; bad input gets a sentence and changes nothing. The operator's pane over the
 * support forum: topics and their messages stream, the operator writes, replies and closes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import { createChatServer } from '../../src/demo/chat-server.js';
import { TelegramEmulator, type ForumChat, type TranscriptMessage } from '../../src/emulator/emulator.js';
import type { ForumSnapshot } from '../../src/demo/chat-server.js';
import { createLogger } from '../../src/logger.js';

describe('the web chat server', () => {
  let emulator: TelegramEmulator;
  let server: Server;
  let base: string;
  let forum: ForumChat;
  const FORUM_ID = -1_001_000_000_777;

  beforeAll(async () => {
    emulator = new TelegramEmulator({ firstMessageId: 5000 });
    await emulator.start();
    forum = emulator.forum({ id: FORUM_ID, title: 'Support' });
    const operator = forum.operator({ id: 7_000_100, first_name: 'Olga', last_name: '(operator)' });
    const app = express();
    app.use(
      '/demo',
      createChatServer({
        emulator,
        assets: { script: '/* app */', styles: '/* css */' },
        logger: createLogger('silent'),
        panelPath: '/admin',
        forum: { chat: forum, operator, title: 'Support' },
      }).router,
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await emulator.stop();
  });

  async function post(
    path: string,
    body: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** The bot's side: a Bot API call to the emulator. */
  async function bot<T>(method: string, params: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${emulator.apiRoot}/bot${emulator.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const body = (await res.json()) as { ok: boolean; result: T; description?: string };
    if (!body.ok) throw new Error(`${method}: ${body.description}`);
    return body.result;
  }

  /** A tab's event stream: every `chat` event's messages, in order. */
  function listen(userId: number): {
    events: TranscriptMessage[][];
    next: () => Promise<TranscriptMessage[]>;
    close: () => void;
  } {
    const ac = new AbortController();
    const events: TranscriptMessage[][] = [];
    const waiters: ((m: TranscriptMessage[]) => void)[] = [];
    void (async () => {
      const res = await fetch(`${base}/api/chats/${userId}/events`, { signal: ac.signal });
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const messages = JSON.parse(data.slice(6)) as TranscriptMessage[];
          events.push(messages);
          waiters.shift()?.(messages);
        }
      }
    })().catch(() => undefined);
    let read = 0;
    return {
      events,
      next: () =>
        read < events.length
          ? Promise.resolve(events[read++]!)
          : new Promise((resolve) =>
              waiters.push((m) => {
                read++;
                resolve(m);
              }),
            ),
      close: () => ac.abort(),
    };
  }

  test('a persona becomes a Telegram user in its language; a new user gets an id of its own', async () => {
    const one = await post('/users', { persona: 'seller-one', language: 'en' });
    expect(one).toEqual({ status: 200, json: { id: 7_000_001, firstName: 'Anna', username: 'anna_shops' } });
    const a = await post('/users', { persona: 'new-user', language: 'ru' });
    const b = await post('/users', { persona: 'new-user', language: 'ru' });
    expect(a.json.id).not.toEqual(b.json.id);
    // A tab that comes back keeps its new user.
    expect((await post('/users', { persona: 'new-user', language: 'en', id: a.json.id })).json.id).toBe(
      a.json.id,
    );
    // …but can't take a fixture person's id.
    expect((await post('/users', { persona: 'new-user', language: 'en', id: 7_000_001 })).json.id).not.toBe(
      7_000_001,
    );
  });

  test('the chat streams in place: a send, an edit and a deletion each reach the tab', async () => {
    await post('/users', { persona: 'seller-two', language: 'ru' });
    const tab = listen(7_000_002);
    expect(await tab.next()).toEqual([]);
    expect((await post('/chats/7000002/messages', { text: '/start' })).status).toBe(200);
    expect((await tab.next()).map((m) => [m.from_bot, m.text])).toEqual([[false, '/start']]);

    const sent = await bot<{ message_id: number }>('sendMessage', {
      chat_id: 7_000_002,
      text: '<b>Hi</b>',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
    });
    const withBot = await tab.next();
    expect(withBot[1]).toMatchObject({
      from_bot: true,
      text: 'Hi',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
      reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
      edited: false,
    });

    // A press is answered with the bot's toast.
    const answered = post('/chats/7000002/press', { message_id: sent.message_id, data: 'go' });
    const update = await waitForUpdate('callback_query');
    await bot('answerCallbackQuery', { callback_query_id: update.id, text: 'Done' });
    expect((await answered).json).toEqual({ answered: true, text: 'Done' });

    await bot('editMessageText', { chat_id: 7_000_002, message_id: sent.message_id, text: 'Bye' });
    expect((await tab.next())[1]).toMatchObject({ text: 'Bye', edited: true });
    await bot('deleteMessage', { chat_id: 7_000_002, message_id: sent.message_id });
    expect((await tab.next()).map((m) => m.text)).toEqual(['/start']);
    tab.close();
  });

  let confirmed = 0;
  /** The next update of that kind, as the bot would get it by polling. */
  async function waitForUpdate(kind: 'callback_query' | 'pre_checkout_query'): Promise<{ id: string }> {
    for (;;) {
      const updates = await bot<({ update_id: number } & Record<string, unknown>)[]>('getUpdates', {
        offset: confirmed,
        timeout: 5,
      });
      if (updates.length) confirmed = updates.at(-1)!.update_id + 1;
      const found = updates.find((u) => u[kind]);
      if (found) return found[kind] as { id: string };
    }
  }

  test('an invoice is paid after pre-checkout; a declined card records nothing', async () => {
    await post('/users', { persona: 'admin', language: 'en' });
    await post('/chats/7000003/messages', { text: '/start' });
    const invoice = await bot<{ message_id: number }>('sendInvoice', {
      chat_id: 7_000_003,
      title: 'Subscription fee',
      description: '30 days',
      payload: 'sub:1',
      provider_token: 'sandbox:fake-provider',
      currency: 'RUB',
      prices: [{ label: 'Subscription', amount: 10000 }],
    });

    const declined = post('/chats/7000003/pay', {
      message_id: invoice.message_id,
      card: '4000 0000 0000 0002',
    });
    await bot('answerPreCheckoutQuery', {
      pre_checkout_query_id: (await waitForUpdate('pre_checkout_query')).id,
      ok: true,
    });
    expect((await declined).json).toEqual({
      ok: false,
      declined: true,
      errorMessage: 'Your card was declined.',
    });
    expect(emulator.transcript(7_000_003).filter((m) => m.successful_payment)).toEqual([]);

    const paid = post('/chats/7000003/pay', { message_id: invoice.message_id, card: '4242-4242-4242-4242' });
    await bot('answerPreCheckoutQuery', {
      pre_checkout_query_id: (await waitForUpdate('pre_checkout_query')).id,
      ok: true,
    });
    expect((await paid).json).toEqual({ ok: true });
    expect(emulator.transcript(7_000_003).filter((m) => m.successful_payment)).toHaveLength(1);
  });

  test('a photo and a document reach the bot as Telegram describes them', async () => {
    const photo = await post('/chats/7000003/files', { kind: 'photo', caption: 'shelf' });
    const doc = await post('/chats/7000003/files', {
      kind: 'document',
      name: 'prices.csv',
      mime: 'text/csv',
      size: 2048,
    });
    const chat = emulator.transcript(7_000_003);
    expect(chat.find((m) => m.message_id === photo.json.message_id)).toMatchObject({
      kind: 'photo',
      text: 'shelf',
      photo: { width: 320, height: 320 },
    });
    expect(chat.find((m) => m.message_id === doc.json.message_id)).toMatchObject({
      kind: 'document',
      document: { file_name: 'prices.csv', mime_type: 'text/csv', file_size: 2048 },
    });
  });

  test('bad input gets a sentence, and nothing is sent', async () => {
    const before = emulator.transcript(7_000_003).length;
    const cases: [string, unknown, RegExp][] = [
      ['/users', { persona: 'root', language: 'en' }, /persona must be one of/],
      ['/users', { persona: 'admin', language: 'de' }, /language must be ru or en/],
      ['/chats/7000003/messages', { text: '' }, /text is required/],
      ['/chats/7000003/messages', { text: 'x'.repeat(4097) }, /longer than 4096/],
      ['/chats/7000003/messages', { text: 42 }, /text must be text/],
      ['/chats/123/messages', { text: 'hi' }, /no such user in this sandbox/],
      ['/chats/7000003/press', { message_id: 99_999, data: 'go' }, /that message is gone/],
      ['/chats/7000003/pay', { message_id: 1, card: '42' }, /12 to 19 digits/],
      ['/chats/7000003/pay', { message_id: 1, card: '4242424242424242' }, /that invoice is gone/],
      ['/chats/7000003/files', { kind: 'video' }, /kind must be photo or document/],
    ];
    for (const [path, body, sentence] of cases) {
      const res = await post(path, body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(String(res.json.error)).toMatch(sentence);
    }
    const broken = await fetch(`${base}/api/chats/7000003/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":',
    });
    expect(broken.status).toBe(400);
    expect(emulator.transcript(7_000_003)).toHaveLength(before);
  });
  /** The pane's event stream: the first `forum` event. */
  async function forumNow(): Promise<ForumSnapshot> {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/forum/events`, { signal: ac.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const end = buffer.indexOf('\n\n', buffer.indexOf('event: forum'));
      if (buffer.includes('event: forum') && end >= 0) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: '))!;
        const snapshot = JSON.parse(data.slice(6)) as ForumSnapshot;
        setImmediate(() => ac.abort());
        return snapshot;
      }
    }
    throw new Error('the forum stream ended');
  }

  test("the operator's pane: topics newest first, writing, replying, closing; bad input changes nothing", async () => {
    const first = await bot<{ message_thread_id: number }>('createForumTopic', {
      chat_id: FORUM_ID,
      name: 'Anna · @anna_shops',
    });
    // The forum's ids start where the sandbox said (past an earlier run's).
    expect(first.message_thread_id).toBeGreaterThanOrEqual(5000);
    const second = await bot<{ message_thread_id: number }>('createForumTopic', {
      chat_id: FORUM_ID,
      name: 'Boris',
    });
    const copy = await bot<{ message_id: number }>('sendMessage', {
      chat_id: FORUM_ID,
      message_thread_id: first.message_thread_id,
      text: 'Hello, my order is stuck',
    });
    let now = await forumNow();
    expect(now.topics.map((t) => [t.name, t.closed])).toEqual([
      ['Anna · @anna_shops', false],
      ['Boris', false],
    ]);
    expect(now.topics[0]!.preview).toBe('Hello, my order is stuck');

    const said = await post('/forum/messages', { thread: first.message_thread_id, text: 'Which order?' });
    expect(said.status).toBe(200);
    const replied = await post('/forum/messages', {
      thread: first.message_thread_id,
      text: 'Found it',
      reply_to: copy.message_id,
    });
    expect(replied.status).toBe(200);
    const closed = await post('/forum/topic-state', { thread: first.message_thread_id, closed: true });
    expect(closed.status).toBe(200);
    now = await forumNow();
    const mine = now.messages[first.message_thread_id]!.filter((m) => !m.from_bot);
    expect(mine.map((m) => [m.text ?? m.service, m.from_name, m.reply_to_message_id])).toEqual([
      ['Which order?', 'Olga (operator)', undefined],
      ['Found it', 'Olga (operator)', copy.message_id],
      ['forum_topic_closed', 'Olga (operator)', undefined],
    ]);
    expect(forum.topic(first.message_thread_id)?.closed).toBe(true);

    const count = forum.messages().length;
    const cases: [string, unknown, RegExp][] = [
      ['/forum/messages', { thread: 1, text: 'hi' }, /that topic is gone/],
      ['/forum/messages', { thread: first.message_thread_id, text: '' }, /text is required/],
      [
        '/forum/messages',
        { thread: second.message_thread_id, text: 'hi', reply_to: copy.message_id },
        /the message to reply to is gone/,
      ],
      ['/forum/topic-state', { thread: first.message_thread_id, closed: true }, /closed already/],
      ['/forum/topic-state', { thread: second.message_thread_id, closed: false }, /the topic is open/],
      ['/forum/topic-state', { thread: second.message_thread_id, closed: 'yes' }, /true or false/],
    ];
    for (const [path, body, sentence] of cases) {
      const res = await post(path, body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(String(res.json.error)).toMatch(sentence);
    }
    expect(forum.messages()).toHaveLength(count);
  });
});
