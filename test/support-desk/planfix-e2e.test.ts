/**
 * The support desk with Planfix, end to end: the real bot, desk and HTTP app on a real database, the
 * Bot API emulator playing the seller and the Planfix emulator playing the operators' side. What is
 * asserted is what each side sees: the task and its history in Planfix, the messages in Telegram.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import type express from 'express';
import { createHttpApp } from '../../src/http/app.js';
import { supportApi } from '../../src/http/support-api.js';
import { supportHooks } from '../../src/http/support-hooks.js';
import { createLogger, type Logger } from '../../src/logger.js';
import {
  QUICK_SUPPORT,
  eventually,
  newUser,
  seedSeller,
  seedShop,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';
import type { BotUser } from '../support/texts.js';
import { sql } from '../support/sql.js';
import { PlanfixEmulator, type Integration } from './planfix-emulator.js';

const MANAGEMENT = 'm'.repeat(32);

let h: Harness;
let pf: PlanfixEmulator;
let server: Server;
let base: string;
let A: Integration;
let B: Integration;

async function setUp(
  opts: { greeting?: string; logger?: Logger; channels?: number; extra?: Record<string, string> } = {},
): Promise<void> {
  const http: { app?: express.Express } = {};
  server = createServer((req, res) => (http.app ? http.app(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  A = {
    providerId: 'market-bot',
    planfixToken: 'pf-token-a',
    url: `${base}/planfix-callback`,
    token: 'a'.repeat(24),
  };
  B = {
    providerId: 'market-bot-2',
    planfixToken: 'pf-token-b',
    url: `${base}/planfix-callback/planfix-b`,
    token: 'b'.repeat(24),
  };
  pf = new PlanfixEmulator([A, B]);
  await pf.start();
  h = await startHarness(
    { PUBLIC_URL: base, SUPPORT_API_TOKEN: MANAGEMENT },
    {},
    { supportIntervals: QUICK_SUPPORT, ...(opts.logger ? { logger: opts.logger } : {}) },
  );
  const logger = opts.logger ?? createLogger('silent');
  http.app = createHttpApp({
    config: h.config,
    logger,
    support: {
      api: supportApi({ config: h.config, logger, services: h.services, desk: h.desk }),
      files: h.desk.files.handler(h.desk.telegramClient, logger),
      hooks: supportHooks(h.desk, logger),
    },
  });
  if ((opts.channels ?? 1) > 0) {
    await h.services.support.createChannel({
      name: 'planfix',
      kind: 'planfix',
      settings: {
        planfixUrl: pf.url,
        planfixToken: A.planfixToken,
        providerId: A.providerId,
        token: A.token,
        ...(opts.greeting ? { greeting: opts.greeting } : {}),
        ...opts.extra,
      },
      isDefault: true,
      running: true,
    });
    await online('planfix');
  }
}

async function online(name: string): Promise<void> {
  const ch = await eventually(
    () => h.services.support.channel(name),
    (c) => c?.status === 'online' || c?.status === 'failed',
  );
  expect(ch?.lastError ?? null).toBeNull();
  expect(ch?.status).toBe('online');
}

afterEach(async () => {
  await h.close();
  await pf.stop();
  await new Promise((resolve) => server.close(resolve));
});

let shopNo = 0;
async function seller(name = 'Ann'): Promise<BotUser> {
  const { apiKey } = await seedShop(h.services, `Tea House ${++shopNo}`);
  const u = newUser(h, {
    first_name: name,
    last_name: 'Lee',
    username: `${name.toLowerCase()}_${shopNo}`,
    language_code: 'en',
  });
  await seedSeller(h, u, apiKey!);
  u.send('/support');
  await u.waitForMessage(u.label((t) => t.supportIntro).slice(0, 30));
  return u;
}

/** The task's messages once `pred` holds for them (fails the test when it never does). */
async function taskWhen(integration: Integration, chatId: string, pred: (texts: string[]) => boolean) {
  const ok = (t: ReturnType<typeof pf.task>) => t !== undefined && pred(t.messages.map((m) => m.message));
  const task = await eventually(() => Promise.resolve(pf.task(integration.providerId, chatId)), ok, 10_000);
  if (!ok(task))
    throw new Error(`task ${integration.providerId}/${chatId}: ${JSON.stringify(task?.messages)}`);
  return task!;
}

describe('a seller and a Planfix operator', () => {
  it('one task with a title; greeting as echo; text and files both ways; statuses; duplicates and forgeries refused', async () => {
    await setUp({ greeting: 'Hello! We answer within an hour.' });
    const ann = await seller('Ann');
    const chatId = String(ann.id);
    ann.send('My order is stuck');
    const task = await taskWhen(A, chatId, (t) => t.includes('My order is stuck'));
    expect(task.title).toBe(`Ann Lee · Tea House ${shopNo}`);
    expect(task.messages[0]).toEqual({
      message: 'Hello! We answer within an hour.',
      isEcho: true,
      attachments: [],
    });
    expect(task.messages[1]).toMatchObject({ message: 'My order is stuck', isEcho: false });
    const cmd = pf.commands.find((c) => c.cmd === 'newMessage' && c.fields.message === 'My order is stuck')!;
    expect(cmd.fields).toMatchObject({
      providerId: 'market-bot',
      chatId,
      contactId: chatId,
      contactName: 'Ann',
      contactLastName: 'Lee',
      telegramUserName: `ann_${shopNo}`,
      telegramUserId: chatId,
      channel: 'market_test_bot',
    });
    expect(cmd.fields.contactData).toContain(`Tea House ${shopNo}`);
    expect(cmd.fields.title).toBeUndefined(); // the title went with the first message only
    // The task number is read once and shown on the conversation.
    const rows = await eventually(
      () => sql<{ state: { reference?: string } }>(h, `SELECT state FROM support_conversations`),
      (r) => r[0]?.state.reference !== undefined,
    );
    expect(rows[0]!.state.reference).toBe(`Planfix task ${task.number}`);

    // A photo goes as an attachment with our signed link, which Planfix could fetch.
    ann.sendPhoto('the label');
    await taskWhen(A, chatId, (t) => t.includes('the label'));
    const photo = task.messages.find((m) => m.message === 'the label')!;
    expect(photo.attachments).toHaveLength(1);
    expect(photo.attachments[0]!.url.startsWith(`${base}/support/files/`)).toBe(true);
    expect(photo.attachments[0]!.url).not.toContain('TEST-TOKEN');
    expect(pf.fetched.find((f) => f.url === photo.attachments[0]!.url)).toMatchObject({ status: 200 });
    expect(pf.fetched.find((f) => f.url === photo.attachments[0]!.url)!.bytes).toBeGreaterThan(0);

    // The operator answers: the seller sees it, Planfix gets {chatId, contactId}, then "sent".
    const answer = await pf.reply(A, chatId, 'Which order?');
    expect(answer).toMatchObject({ status: 200, json: { chatId, contactId: chatId } });
    const seen = await ann.waitForMessage('Which order?', 8000);
    expect(seen.text).toContain('Support · Olga K');
    await eventually(
      () => Promise.resolve(pf.statuses.get(answer.messageId)),
      (s) => s !== undefined,
    );
    expect(pf.statuses.get(answer.messageId)).toEqual([{ status: 'sent', text: undefined }]);

    // A reply with a file: the seller gets a document.
    const withFile = await pf.reply(A, chatId, 'Here is the form', { attachments: ['form.pdf'] });
    expect(withFile.status).toBe(200);
    await ann.waitForMessage((m) => m.kind === 'document', 8000);
    // An image goes as a photo; a message may carry several files.
    expect((await pf.reply(A, chatId, '', { attachments: ['scan.png', 'act.pdf'] })).status).toBe(200);
    const photoIn = await ann.waitForMessage((m) => m.kind === 'photo', 8000);
    expect(photoIn.text).toContain('Support · Olga K'); // no text: the first file carries the mark
    const docs = await eventually(
      () => Promise.resolve(ann.chat().filter((m) => m.kind === 'document').length),
      (n) => n === 2,
    );
    expect(docs).toBe(2);

    // The seller links another shop: Planfix's contact is updated before the next message.
    const { apiKey } = await seedShop(h.services, 'Green Leaf');
    await seedSeller(h, ann, apiKey!);
    ann.send('I added a shop');
    await taskWhen(A, chatId, (t) => t.includes('I added a shop'));
    const update = pf.commands.filter((c) => c.cmd === 'updateContact');
    expect(update).toHaveLength(1);
    expect(update[0]!.fields).toMatchObject({ contactId: chatId, contactName: 'Ann' });
    expect(update[0]!.fields.contactData).toContain('Green Leaf');
    const added = pf.commands.find((c) => c.fields.message === 'I added a shop')!;
    expect(added.fields.contactData).toContain('Green Leaf');
    expect(pf.contacts.get(`market-bot~${chatId}`)!.data).toContain('Green Leaf');

    // The same messageId again: answered, delivered once.
    const again = await pf.reply(A, chatId, 'Which order?', { messageId: answer.messageId });
    expect(again.status).toBe(200);
    await h.emulator.settle(500, 8000);
    expect(ann.chat().filter((m) => m.text.includes('Which order?'))).toHaveLength(1);

    // Forged and broken requests.
    expect(await pf.reply(A, chatId, 'x', { token: 'wrong-token-of-24-chars!' })).toMatchObject({
      status: 401,
      json: { error: 'Invalid token' },
    });
    expect(await pf.reply(A, chatId, 'x', { token: B.token })).toMatchObject({ status: 401 });
    expect(await pf.post(A, { cmd: 'newMessage', token: A.token, providerId: A.providerId, chatId })).toEqual(
      {
        status: 400,
        json: { error: 'Invalid parameters' },
      },
    );
    expect(await pf.reply(A, '999', 'to nobody')).toEqual({
      status: 400,
      json: { error: 'Invalid parameters' },
      messageId: expect.any(String),
    });
    // A first message by phone to a number no seller shared.
    expect(await pf.firstMessage(A, '+380 95 000 0000', 'Hello')).toMatchObject({
      status: 400,
      json: { error: 'unknown contact' },
    });

    // The seller ends the conversation and writes again: the same task, no new title.
    ann.pressKey((t) => t.btnEndConversation);
    await taskWhen(A, chatId, (t) => t.some((x) => x.includes('ended the conversation')));
    ann.send('/support');
    await ann.waitForMessage(ann.label((t) => t.supportIntro).slice(0, 30), 8000);
    ann.send('One more thing');
    await taskWhen(A, chatId, (t) => t.includes('One more thing'));
    expect(pf.tasks.size).toBe(1);

    // The seller blocks the bot: the next answer is marked as an error in Planfix.
    ann.blockBot();
    const lost = await pf.reply(A, chatId, 'Are you there?');
    expect(lost.status).toBe(200);
    await eventually(
      () => Promise.resolve(pf.statuses.get(lost.messageId)),
      (s) => s !== undefined,
      8000,
    );
    expect(pf.statuses.get(lost.messageId)![0]).toMatchObject({ status: 'error' });
    expect(pf.statuses.get(lost.messageId)![0]!.text).toMatch(/blocked/);
  });

  it('a seller shares their phone; an operator writes first by that number', async () => {
    await setUp();
    const ann = await seller('Ann');
    ann.pressKey((t) => t.btnSharePhone);
    await ann.waitForMessage(ann.label((t) => t.supportPhonePrompt).slice(0, 30), 8000);
    ann.shareContact('+380 95 582 13 19');
    await ann.waitForMessage(ann.label((t) => t.supportPhoneSaved).slice(0, 20), 8000);
    const [row] = await sql<{ phone: string }>(h, `SELECT phone FROM telegram_users WHERE telegram_id = $1`, [
      ann.id,
    ]);
    expect(row!.phone).toBe('380955821319');
    // Nothing went to Planfix: the contact is not a message to support.
    expect(pf.commands.filter((c) => c.cmd === 'newMessage')).toEqual([]);

    const first = await pf.firstMessage(A, '380955821319', 'We have news about your order');
    expect(first).toMatchObject({ status: 200, json: { chatId: String(ann.id), contactId: String(ann.id) } });
    const got = await ann.waitForMessage('We have news about your order', 8000);
    expect(got.text).toContain('Support · Olga K');
    await eventually(
      () => Promise.resolve(pf.statuses.get(first.messageId)),
      (st) => st?.[0]?.status === 'sent',
    );
    // The seller's answer lands in the same chat, with the phone.
    ann.send('Thanks!');
    const task = await taskWhen(A, String(ann.id), (t) => t.includes('Thanks!'));
    expect(task.title).toBe(`Ann Lee · Tea House ${shopNo}`);
    const cmd = pf.commands.find((c) => c.fields.message === 'Thanks!')!;
    expect(cmd.fields.contactPhone).toBe('380955821319');
    expect((await pf.firstMessage(A, '380000000000', 'x')).json).toEqual({ error: 'unknown contact' });
  });

  it('outside working hours the notice the seller got is in the task too', async () => {
    const closed = String((new Date().getUTCHours() + 12) % 24).padStart(2, '0');
    await setUp({
      extra: {
        workingHours: `daily ${closed}:00-${closed}:30`,
        timeZone: 'UTC',
        offHoursNotice: 'Back at 9',
      },
    });
    const ann = await seller('Ann');
    ann.send('Anyone there?');
    const task = await taskWhen(A, String(ann.id), (t) => t.includes('Anyone there?'));
    expect(task.messages[0]).toMatchObject({ message: 'Back at 9', isEcho: true });
    expect(task.messages[1]).toMatchObject({ message: 'Anyone there?', isEcho: false });
  });

  it('Planfix away for a while: the messages wait and arrive in order', async () => {
    await setUp();
    const ann = await seller('Ann');
    const chatId = String(ann.id);
    ann.send('first');
    await taskWhen(A, chatId, (t) => t.includes('first'));
    pf.fail({ status: 500 });
    ann.send('second');
    await eventually(
      () => Promise.resolve(pf.commands.filter((c) => c.status === 500).length),
      (n) => n > 0,
    );
    pf.fail({ refuse: true });
    ann.send('third');
    await h.emulator.settle(800, 8000);
    pf.heal();
    await taskWhen(A, chatId, (t) => t.includes('third'));
    expect(pf.task(A.providerId, chatId)!.messages.map((m) => m.message)).toEqual([
      'first',
      'second',
      'third',
    ]);
  }, 30_000);
});

describe('two Planfix channels side by side', () => {
  it('each with its providerId, token and path', async () => {
    await setUp();
    await h.services.support.createChannel({
      name: 'planfix-b',
      kind: 'planfix',
      settings: {
        planfixUrl: pf.url,
        planfixToken: B.planfixToken,
        providerId: B.providerId,
        token: B.token,
      },
      running: true,
    });
    await online('planfix-b');
    const ann = await seller('Ann');
    ann.send('to A');
    await taskWhen(A, String(ann.id), (t) => t.includes('to A'));
    await h.services.support.setDefault('planfix-b');
    await h.desk.sync();
    const bob = await seller('Bob');
    bob.send('to B');
    await taskWhen(B, String(bob.id), (t) => t.includes('to B'));
    expect(pf.task(A.providerId, String(bob.id))).toBeUndefined();
    // Each operator side reaches its own seller; a chat of the other channel is unknown there.
    expect((await pf.reply(B, String(bob.id), 'hi Bob')).status).toBe(200);
    await bob.waitForMessage('hi Bob', 8000);
    expect((await pf.reply(A, String(ann.id), 'hi Ann')).status).toBe(200);
    await ann.waitForMessage('hi Ann', 8000);
    expect((await pf.reply(B, String(ann.id), 'wrong place')).status).toBe(400);
    expect((await pf.post({ ...B, token: A.token }, { cmd: 'newMessage' })).status).toBe(401);
  }, 30_000);
});

describe('the management API with a Planfix channel', () => {
  it('POST creates and starts, GET tells online/offline, PUT restarts with new settings, DELETE stops', async () => {
    await setUp({ channels: 0 });
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${base}/api/support/channels${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const settings = {
      planfixUrl: pf.url,
      planfixToken: A.planfixToken,
      providerId: A.providerId,
      token: A.token,
    };
    const created = await call('POST', '', MANAGEMENT, { name: 'planfix', kind: 'planfix', settings });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'planfix', kind: 'planfix', status: 'online' },
    });
    const token = created.body.token as string;
    // Secrets are never shown back.
    expect(JSON.stringify(created.body.settings)).not.toContain(A.planfixToken);
    expect(JSON.stringify(created.body.settings)).not.toContain(A.token);
    expect((await call('GET', '/planfix', token)).body.status).toBe('online');
    const broken = await call('PUT', '/planfix', token, { settings: { planfixToken: 'wrong' } });
    expect(broken.body.status).toBe('offline');
    expect(String(broken.body.reason)).toMatch(/planfixToken/);
    const bad = await call('PUT', '/planfix', token, {
      settings: { planfixToken: A.planfixToken, providerId: 'a~b' },
    });
    expect(String(bad.body.reason)).toMatch(/providerId/);
    const fixed = await call('PUT', '/planfix', token, { settings: { providerId: A.providerId } });
    expect(fixed.body.status).toBe('online');
    const del = await call('DELETE', '/planfix', token);
    expect(del).toMatchObject({ status: 200, body: { status: 'offline', running: false } });
    // A stopped channel is no longer there for Planfix.
    expect(await pf.reply(A, '1', 'x')).toMatchObject({ status: 404, json: { error: 'unknown channel' } });
  }, 30_000);
});

describe('no message text is kept', () => {
  it('after a conversation no table and no log line holds a word of it', async () => {
    const lines: string[] = [];
    await setUp({ logger: createLogger('debug', 'market-bot', { write: (l: string) => lines.push(l) }) });
    const ann = await seller('Ann');
    const chatId = String(ann.id);
    ann.send('zebra-parcel-7731 is stuck');
    await taskWhen(A, chatId, (t) => t.includes('zebra-parcel-7731 is stuck'));
    ann.sendPhoto('okapi-label-5520');
    await taskWhen(A, chatId, (t) => t.includes('okapi-label-5520'));
    const r = await pf.reply(A, chatId, 'narwhal-answer-9914');
    await ann.waitForMessage('narwhal-answer-9914', 8000);
    await eventually(
      () => Promise.resolve(pf.statuses.get(r.messageId)),
      (s) => s !== undefined,
    );
    await h.emulator.settle(300, 8000);
    const tables = await sql<{ table_name: string }>(
      h,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await sql<{ row: string }>(h, `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      dump += rows.map((x) => x.row).join('\n');
    }
    expect(dump).toContain(chatId);
    expect(lines.some((l) => l.includes('planfix newMessage sent'))).toBe(true);
    for (const word of ['zebra-parcel', 'okapi-label', 'narwhal-answer', A.token, A.planfixToken]) {
      expect(dump).not.toContain(word);
      expect(lines.filter((l) => l.includes(word))).toEqual([]);
    }
  }, 30_000);
});
