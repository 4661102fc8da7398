/**
 * The Webim Custom Channel end to end (seed 000): the real bot, desk and HTTP app on a real database,
 * the Bot API emulator playing the seller, a local Webim (webim-emulator.ts) playing the operators and
 * calling our callback URL. The seed's acceptance list (section 6) is named in the tests.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHttpApp } from '../../src/http/app.js';
import { bindPort, type BoundServer } from '../../src/http/listen.js';
import { supportApi } from '../../src/http/support-api.js';
import { supportHooks } from '../../src/http/support-hooks.js';
import { createLogger } from '../../src/logger.js';
import { applyWebimEnvironment } from '../../src/support/channels/webim.js';
import {
  QUICK_SUPPORT,
  eventually,
  newUser,
  seedSeller,
  seedShop,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';
import { sql } from '../support/sql.js';
import type { BotUser } from '../support/texts.js';
import { WebimEmulator } from './webim-emulator.js';

const ACCESS_TOKEN = 'webim-access-token-7f3a';
const CALLBACK_SECRET = 'webim-callback-secret-0123456789';

let h: Harness;
let webim: WebimEmulator;
let http: BoundServer;
let base: string;
let lines: string[];

beforeEach(async () => {
  lines = [];
  const logger = createLogger('debug', 'market-bot', { write: (l: string) => lines.push(l) });
  http = await bindPort(0, '127.0.0.1');
  base = `http://127.0.0.1:${http.port}`;
  webim = new WebimEmulator({ accessToken: ACCESS_TOKEN, callbackSecret: CALLBACK_SECRET });
  await webim.start();
  webim.callbackUrl = `${base}/webim-callback`;
  h = await startHarness({ PUBLIC_URL: base }, {}, { supportIntervals: QUICK_SUPPORT, logger });
  http.serve(
    createHttpApp({
      config: h.config,
      logger,
      support: {
        api: supportApi({ config: h.config, logger, services: h.services, desk: h.desk }),
        files: h.desk.files.handler(() => h.desk.telegramClient(), logger),
        hooks: supportHooks(h.desk, logger),
      },
    }),
  );
  // As WEBIM_API_URL, WEBIM_ACCESS_TOKEN and WEBIM_CALLBACK_SECRET would at start.
  const config = {
    webim: { apiUrl: webim.apiUrl, accessToken: ACCESS_TOKEN, callbackSecret: CALLBACK_SECRET },
  };
  expect(await applyWebimEnvironment(h.services, config, logger)).toBe('created');
  await h.services.support.updateChannel('webim', { settings: { timeoutSeconds: 1 } });
  const ch = await eventually(
    () => h.services.support.channel('webim'),
    (c) => c?.status === 'online',
  );
  expect(ch?.status).toBe('online');
});

afterEach(async () => {
  if (process.env.WEBIM_TEST_LOGS)
    for (const l of lines) if (/"level":(40|50)/.test(l)) console.log(l.slice(0, 400));
  await http.close();
  await h.close();
  await webim.stop();
});

let shopNo = 0;
async function seller(name = 'Ann'): Promise<BotUser> {
  const { apiKey } = await seedShop(h.services, `Tea House ${++shopNo}`);
  const u = newUser(h, {
    first_name: name,
    username: `${name.toLowerCase()}_${shopNo}`,
    language_code: 'en',
  });
  await seedSeller(h, u, apiKey!);
  u.send('/support');
  await u.waitForMessage(u.label((t) => t.supportIntro).slice(0, 30));
  return u;
}

const received = (match: (m: WebimEmulator['received'][number]) => boolean, timeoutMs = 10_000) =>
  eventually(
    () => Promise.resolve(webim.received.find(match)),
    (m) => m !== undefined,
    timeoutMs,
  ).then((m) => {
    expect(m).toBeDefined();
    return m!;
  });

const conversations = (userTelegramId: number) =>
  sql<{ id: number; external_id: string | null; status: string }>(
    h,
    `SELECT c.id, c.external_id, c.status FROM support_conversations c
       JOIN telegram_users u ON u.id = c.telegram_user_id WHERE u.telegram_id = $1`,
    [userTelegramId],
  );

async function dumpAllTables(): Promise<string> {
  const tables = await sql<{ table_name: string }>(
    h,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  let dump = '';
  for (const { table_name } of tables) {
    const rows = await sql<{ row: string }>(h, `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    dump += rows.map((r) => r.row).join('\n');
  }
  return dump;
}

describe('seed 000, 6.1 functionality: Telegram ↔ Webim', () => {
  it('the full cycle: user → Telegram → Webim → operator → callback → Telegram, text and files both ways; a new chat_id makes exactly one visitor mapping; nothing of it in the database or the logs', async () => {
    const ann = await seller('Ann');
    ann.send('Hello, zebra-parcel is stuck');
    const first = await received((m) => m.text === 'Hello, zebra-parcel is stuck');
    const visitor = first.chatId;
    expect(visitor).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.fields).toEqual({
      display_name: 'Ann',
      login: `@ann_${shopNo}`,
      info: `shops: Tea House ${shopNo}; subscription: active`,
    });
    expect(JSON.stringify(first)).not.toContain(String(ann.id));
    let rows = await conversations(ann.id);
    expect(rows).toEqual([expect.objectContaining({ external_id: visitor, status: 'open' })]);

    // A second message: the same visitor, still one mapping.
    ann.send('second line');
    expect((await received((m) => m.text === 'second line')).chatId).toBe(visitor);

    // A photo with a caption and a document: Webim gets our signed URL and can fetch it.
    ann.sendPhoto('okapi-label');
    await received((m) => m.text === 'okapi-label');
    const photo = await received((m) => m.kind === 'file_visitor' && m.data!.media_type === 'image/jpeg');
    expect(photo.data!.url.startsWith(`${base}/support/files/`)).toBe(true);
    ann.sendDocument({ name: 'invoice.pdf', size: 5000 });
    const doc = await received((m) => m.kind === 'file_visitor' && m.data!.name === 'invoice.pdf');
    expect(doc.data).toMatchObject({ media_type: 'application/pdf', size: 5000 });
    const fetched = await eventually(
      () => Promise.resolve(webim.fetched.filter((f) => [photo.id, doc.id].includes(f.messageId))),
      (f) => f.length === 2,
    );
    expect(fetched.map((f) => f.status)).toEqual([200, 200]);
    expect(fetched.find((f) => f.messageId === doc.id)!.bytes).toBe(5000);

    // 6.1: the operator's answer reaches Telegram, marked with the operator's name.
    expect((await webim.say(visitor, 'Hi! narwhal-answer?')).status).toBe(200);
    const answer = await ann.waitForMessage((m) => m.text.includes('narwhal-answer'), 8000);
    expect(answer.text).toContain('Support · Olga K');

    // An operator's image reaches the seller as a photo, another file as a document.
    expect((await webim.sendFile(visitor, 'label.png')).status).toBe(200);
    const image = await ann.waitForMessage((m) => m.kind === 'photo', 8000);
    expect(image.text).toContain('Support · Olga K');
    expect((await webim.sendFile(visitor, 'terms.pdf', 3000, 'application/pdf')).status).toBe(200);
    await ann.waitForMessage((m) => m.kind === 'document', 8000);

    // Should Webim send its own chat number as chat.id, visitor.id still finds the seller.
    await webim.callback({
      event: 'new_message',
      chat: { id: 1017 },
      visitor: { id: visitor },
      message: { id: 'numbered-1', kind: 'operator', text: 'by visitor id', operator: { name: 'Olga K' } },
    });
    await ann.waitForMessage((m) => m.text.includes('by visitor id'), 8000);

    // A service line (info) is not for the seller.
    expect((await webim.info(visitor, 'Olga joined quokka-info')).status).toBe(200);
    await webim.say(visitor, 'after the info');
    await ann.waitForMessage((m) => m.text.includes('after the info'), 8000);
    expect(ann.chat().filter((m) => m.text.includes('quokka-info'))).toEqual([]);

    // The operator closes the chat: the seller is told; a new message reopens the same visitor.
    expect((await webim.close(visitor)).status).toBe(200);
    await ann.waitForMessage((m) => m.text === ann.label((t) => t.supportClosedByOperator), 8000);
    rows = await eventually(
      () => conversations(ann.id),
      (r) => r[0]?.status === 'closed',
    );
    expect(rows[0]!.status).toBe('closed');
    ann.send('/support');
    await ann.waitForMessage(ann.label((t) => t.supportIntro).slice(0, 30));
    ann.send('one more thing');
    expect((await received((m) => m.text === 'one more thing')).chatId).toBe(visitor);
    rows = await conversations(ann.id);
    expect(rows).toEqual([expect.objectContaining({ external_id: visitor, status: 'open' })]);

    // Another seller: another visitor.
    const bob = await seller('Bob');
    bob.send('hi from bob');
    bob.send('and again at once');
    const bobs = await received((m) => m.text === 'hi from bob');
    expect(bobs.chatId).not.toBe(visitor);
    expect((await received((m) => m.text === 'and again at once')).chatId).toBe(bobs.chatId);
    expect(await conversations(bob.id)).toEqual([expect.objectContaining({ external_id: bobs.chatId })]);

    // Messages are not stored (seed 5.4): no table and no log line holds a word of them.
    await eventually(
      () => sql<{ n: number }>(h, `SELECT count(*)::int AS n FROM support_outbox`),
      (r) => r[0]!.n === 0,
    );
    const dump = await dumpAllTables();
    expect(dump).toContain(visitor); // the dump did read the tables
    expect(lines.filter((l) => l.includes('message sent to webim')).length).toBeGreaterThan(4);
    expect(lines.filter((l) => l.includes('webim operator message received')).length).toBeGreaterThan(1);
    for (const word of [
      'zebra-parcel',
      'okapi-label',
      'narwhal-answer',
      'quokka-info',
      ACCESS_TOKEN,
      CALLBACK_SECRET,
    ]) {
      expect(lines.filter((l) => l.includes(word))).toEqual([]);
      if (!word.startsWith('webim-')) expect(dump).not.toContain(word);
    }
  });

  it('6.1 settings from the environment or the database: WEBIM_* create the channel named webim and update it later (not one of another kind); its token and secret are sealed at rest and write-only', async () => {
    const logger = createLogger('silent');
    const env = {
      webim: { apiUrl: webim.apiUrl, accessToken: 'a-new-token', callbackSecret: CALLBACK_SECRET },
    };
    expect(await applyWebimEnvironment(h.services, env, logger)).toBe('updated');
    const form = await h.services.support.settingsForForm((await h.services.support.channel('webim'))!.id);
    expect(form?.secrets.sort()).toEqual(['accessToken', 'callbackSecret']);
    expect(form?.plain).toMatchObject({ apiUrl: webim.apiUrl, timeoutSeconds: 1 });
    // Sealed at rest: neither secret is readable in the table.
    const stored = await sql<{ s: string }>(h, `SELECT settings::text AS s FROM support_channels`);
    expect(stored[0]!.s).not.toContain('a-new-token');
    expect(stored[0]!.s).not.toContain(CALLBACK_SECRET);
    expect(await applyWebimEnvironment(h.services, { webim: undefined }, logger)).toBe('none');
    // A channel called "webim" of another kind is left as it is.
    expect(await h.services.support.removeChannel('webim')).toBe(true);
    await h.services.support.createChannel({
      name: 'webim',
      kind: 'topics',
      settings: { forumChatId: -100123 },
    });
    expect(await applyWebimEnvironment(h.services, env, logger)).toBe('conflict');
    expect(await h.services.support.channel('webim')).toMatchObject({
      kind: 'topics',
      settings: { forumChatId: -100123 },
    });
  });
});

describe('seed 000, 6.2 stability', () => {
  it('6.2 Webim down (503) for a while, then a 429, a silence past the timeout and a refused connection: nothing is lost, in order, no crash, every error logged; a 4xx is given up and the seller told', async () => {
    const ann = await seller('Ann');
    ann.send('before');
    const { chatId: visitor } = await received((m) => m.text === 'before');
    webim.goDown();
    for (const t of ['down 1', 'down 2', 'down 3']) ann.send(t);
    await eventually(
      () => Promise.resolve(webim.attempts),
      (n) => n >= 3,
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(webim.texts(visitor)).toEqual(['before']);
    webim.up();
    await eventually(
      () => Promise.resolve(webim.texts(visitor)),
      (t) => t.length === 4,
      30_000,
    );
    expect(webim.texts(visitor)).toEqual(['before', 'down 1', 'down 2', 'down 3']);

    webim.fail({ status: 429, retryAfter: 1 });
    webim.fail({ silence: true });
    webim.fail({ refuse: true });
    ann.send('after failures');
    await received((m) => m.text === 'after failures', 30_000);
    expect(webim.texts(visitor).filter((t) => t === 'after failures')).toHaveLength(1);
    expect(lines.some((l) => l.includes('webim unreachable') && l.includes('no answer in 1 s'))).toBe(true);
    expect(lines.some((l) => l.includes('webim refused a message') && l.includes('"status":429'))).toBe(true);

    // A refusal that will not change: given up, the seller told.
    webim.fail({ status: 400 });
    ann.send('refused one');
    await ann.waitForMessage(
      ann.label((t) => t.supportRejected),
      10_000,
    );
    expect(webim.texts(visitor)).not.toContain('refused one');
    const sent = lines.filter((l) => l.includes('webim refused a message') && l.includes('"status":400'));
    expect(sent.length).toBe(1);
    expect(sent[0]).toContain('bad_request');
  }, 90_000);

  it('6.2 many callbacks at once are each delivered once; a repeated callback changes nothing', async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const { chatId: visitor } = await received((m) => m.text === 'hello');
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => webim.say(visitor, `burst ${i}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect((await webim.repeat()).status).toBe(200);
    expect((await webim.repeat()).status).toBe(200);
    const burst = await eventually(
      () => Promise.resolve(ann.chat().filter((m) => m.text.includes('burst '))),
      (m) => m.length === 8,
      20_000,
    );
    expect(burst).toHaveLength(8);
    await ann.waitForIdle(500);
    expect(ann.chat().filter((m) => m.text.includes('burst ')).length).toBe(8);
  }, 60_000);
});

describe('the callback refuses what is not Webim', () => {
  it('a wrong or missing token is 401, a broken body 400, an unknown channel 404, over 1 MB 413; an unknown visitor is 200 and logged as an error', async () => {
    const ann = await seller('Ann');
    ann.send('hello');
    const { chatId: visitor } = await received((m) => m.text === 'hello');
    const msg = {
      event: 'new_message',
      chat: { id: visitor },
      message: { id: 'm-1', kind: 'operator', text: 'forged' },
    };
    expect((await webim.callback(msg, { secret: 'wrong-secret-wrong-secret' })).status).toBe(401);
    expect((await webim.callback(msg, { secret: null })).status).toBe(401);
    expect((await webim.callback('{not json', { secret: CALLBACK_SECRET })).status).toBe(400);
    const noText = { ...msg, message: { id: 'm-2', kind: 'operator' } };
    expect(await webim.callback(noText, { secret: CALLBACK_SECRET })).toEqual({
      status: 400,
      body: JSON.stringify({ error: 'bad_request', desc: 'an "operator" message without "message.text"' }),
    });
    expect((await webim.callback(msg, { url: `${base}/webim-callback/nope` })).status).toBe(404);
    const huge = { ...msg, message: { ...msg.message, text: 'x'.repeat(1024 * 1024 + 10) } };
    expect((await webim.callback(huge, { secret: CALLBACK_SECRET })).status).toBe(413);
    // By name, too: /webim-callback/webim is the same channel.
    const unknown = { ...msg, chat: { id: '00000000-0000-4000-8000-000000000000' } };
    expect(await webim.callback(unknown, { url: `${base}/webim-callback/webim` })).toEqual({
      status: 200,
      body: '{"result":"ok"}',
    });
    expect(
      lines.some((l) => l.includes('webim callback for an unknown visitor') && l.includes('"level":50')),
    ).toBe(true);
    await ann.waitForIdle(500);
    expect(ann.chat().filter((m) => m.text.includes('forged'))).toEqual([]);
  });
});
