/**
 * The support desk with TWIN's chat platform, end to end: the real bot and desk on a real database,
 * the Bot API emulator playing the seller, the TWIN emulator (REST + socket.io) playing TWIN's echo
 * bot and its operators. What is asserted is what the seller sees and what TWIN received.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
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
import { createLogger, type Logger } from '../../src/logger.js';
import { sql } from '../support/sql.js';
import { PNG, TwinEmulator, type EmuSession } from './twin-emulator.js';

const CHAT_ID = '3eb5cf6d-4d20-41c2-b886-f60374d11d19';
// Whole conversations with reconnects and restarts on a shared two-core machine.
jest.setTimeout(90_000);

let h: Harness;
let twin: TwinEmulator;

async function setUp(
  opts: {
    logger?: Logger;
    ttlSeconds?: number;
    settings?: Record<string, string>;
    env?: Record<string, string>;
  } = {},
): Promise<void> {
  twin = await new TwinEmulator({
    chatId: CHAT_ID,
    greetingPicture: true,
    ttlSeconds: opts.ttlSeconds,
  }).start();
  h = await startHarness(
    opts.env ?? {},
    {},
    { supportIntervals: QUICK_SUPPORT, ...(opts.logger ? { logger: opts.logger } : {}) },
  );
  await h.services.support.createChannel({
    name: 'twin',
    kind: 'twin',
    settings: { chatId: CHAT_ID, apiBase: twin.baseUrl, messagesBase: twin.baseUrl, ...opts.settings },
    isDefault: true,
    running: true,
  });
  const ch = await eventually(
    () => h.services.support.channel('twin'),
    (c) => c?.status !== 'offline' && c?.status !== undefined && c.status !== null,
  );
  expect([ch?.status, ch?.lastError]).toEqual(['online', null]);
}

afterEach(async () => {
  await h?.close();
  await twin?.close();
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

/** The client's own messages TWIN received in the session, in order. */
const received = (s: EmuSession) => s.messages.filter((m) => m.authorType === 'client');

async function session(): Promise<EmuSession> {
  return eventually(
    () => Promise.resolve([...twin.sessions.values()].at(-1)),
    (s) => s !== undefined,
  ).then((s) => s!);
}

/** Every message TWIN sent over the socket (echoes of the client's own included) acknowledged exactly once. */
async function allAckedOnce(s: EmuSession): Promise<void> {
  await eventually(
    () =>
      Promise.resolve(s.messages.filter((m) => !m.id.startsWith('greet-')).map((m) => twin.ackCount(m.id))),
    (counts) => counts.every((c) => c === 1),
  );
  const counts = s.messages.filter((m) => !m.id.startsWith('greet-')).map((m) => twin.ackCount(m.id));
  expect(counts.length).toBeGreaterThan(0);
  expect(
    s.messages.filter((m) => !m.id.startsWith('greet-')).map((m) => `${m.body}: ${twin.ackCount(m.id)}`),
  ).toEqual(s.messages.filter((m) => !m.id.startsWith('greet-')).map((m) => `${m.body}: 1`));
  for (const a of twin.acks)
    expect(a.payload).toEqual({ action: 'chatMessageCreated', data: { id: a.messageId } });
}

const conversationStatus = async (): Promise<string[]> =>
  (await sql<{ status: string }>(h, `SELECT status FROM support_conversations ORDER BY id`)).map(
    (r) => r.status,
  );

describe('a seller and TWIN', () => {
  it("the seed's echo dialogue: greeting with answers, echo, help, an operator, files both ways, a reply, TERMINAL", async () => {
    await setUp();
    const ann = await seller('Ann');
    ann.send('Hello TWIN');
    const s = await session();
    // The session is started as the seed says, with a stable client id that is not the Telegram id.
    expect(s.name).toContain('Ann @ann_');
    expect(s.clientExternalId).toMatch(/^[0-9a-f]{24}$/);
    expect(s.clientExternalId).not.toContain(String(ann.id));
    expect(s.clientMetadata).toMatchObject({ role: 'seller', shops: `Tea House ${shopNo}`, language: 'en' });

    // The greeting (with its picture and its answers as buttons), then the echo of the first message.
    const greeting = await ann.waitForMessage((m) => m.text.includes('I am the echo bot'), 8000);
    expect(greeting.buttons).toEqual([['Order status'], ['Talk to an operator']]);
    // The greeting's picture (a PNG) arrives as a photo.
    await ann.waitForMessage((m) => m.kind === 'photo', 8000);
    await ann.waitForMessage((m) => m.text.endsWith('Hello TWIN') && m.text.startsWith('💬'), 8000);
    expect(received(s).map((m) => m.body)).toEqual(['Hello TWIN']);
    // Only EIO3 clients: the old TWIN servers' protocol.
    expect(twin.handshakes.map((x) => x.eio)).toEqual(['3']);
    expect(twin.handshakes[0]!.key).toBe(s.id);

    // A quick answer's press sends its text.
    ann.press('Order status', { messageId: greeting.message_id });
    await eventually(
      () => Promise.resolve(received(s).map((m) => m.body)),
      (b) => b.length === 2,
    );
    expect(received(s).map((m) => m.body)).toEqual(['Hello TWIN', 'Order status']);
    await ann.waitForMessage((m) => m.text.startsWith('💬') && m.text.endsWith('Order status'), 8000);

    // HELP, an operator joins and types, then answers with a file.
    twin.help(s.id);
    await ann.waitForMessage(
      ann.label((t) => t.supportWaiting),
      8000,
    );
    twin.assign(s.id, 'Irina');
    await ann.waitForMessage('Irina joined the conversation', 8000);
    twin.typing(s.id);
    const invoice = twin.say(s.id, 'Here is your invoice', {
      files: [{ name: 'invoice.pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 test') }],
    });
    const withName = await ann.waitForMessage((m) => m.text.includes('Here is your invoice'), 8000);
    expect(withName.text).toContain('Support · Irina');
    await eventually(
      () => Promise.resolve(ann.chat().filter((m) => m.kind === 'document')),
      (docs) => docs.length === 1,
    );

    // The seller replies to it with a photo: uploaded as file[], then sent with its id and the reply.
    ann.reply(withName.message_id, 'thanks, see the label');
    await eventually(
      () => Promise.resolve(received(s)),
      (r) => r.length === 3,
    );
    expect(received(s)[2]).toMatchObject({ body: 'thanks, see the label', replyToMessageId: invoice.id });
    ann.sendPhoto('the label');
    await eventually(
      () => Promise.resolve(received(s)),
      (r) => r.length === 4,
    );
    const photo = received(s)[3]!;
    expect(photo.body).toBe('the label');
    expect(photo.attachments).toHaveLength(1);
    expect(twin.files.get(photo.attachments[0]!)!.bytes.length).toBeGreaterThan(0);

    // "стоп": TWIN's bot ends the session with a TERMINAL message; delivered, then the seller is told.
    ann.send('стоп');
    await ann.waitForMessage((m) => m.text.includes('Bye! The chat is over.'), 8000);
    await ann.waitForMessage(
      ann.label((t) => t.supportClosedByOperator),
      8000,
    );
    expect(await conversationStatus()).toEqual(['closed']);
    await allAckedOnce(s);
    // The echoes of the seller's own messages were not sent back: each echo of the bot came once.
    await h.emulator.settle(300, 8000);
    expect(ann.chat().filter((m) => m.text.endsWith('Hello TWIN'))).toHaveLength(1);

    // The next message starts a new session.
    ann.send('one more thing');
    await eventually(
      () => Promise.resolve(twin.sessions.size),
      (n) => n === 2,
    );
    const second = await session();
    await eventually(
      () => Promise.resolve(received(second).map((m) => m.body)),
      (b) => b.length === 1,
    );
    expect(second.clientExternalId).toBe(s.clientExternalId);
  });

  it('a restart and a dropped socket in the middle of a session lose nothing and ack each message once', async () => {
    await setUp();
    const ann = await seller('Bob');
    ann.send('before the restart');
    const s = await session();
    await ann.waitForMessage((m) => m.text.startsWith('💬') && m.text.endsWith('before the restart'), 8000);
    await allAckedOnce(s);

    await h.desk.stop();
    await eventually(
      () => twin.socketsOf(s.id),
      (n) => n === 0,
    );
    const missed = twin.say(s.id, 'said while you were away');
    await h.restart();
    await ann.waitForMessage((m) => m.text.includes('said while you were away'), 10_000);
    await eventually(
      () => Promise.resolve(twin.ackCount(missed.id)),
      (n) => n === 1,
    );
    expect(twin.ackCount(missed.id)).toBe(1);

    twin.dropSockets();
    const after = twin.say(s.id, 'said during the reconnect');
    await ann.waitForMessage((m) => m.text.includes('said during the reconnect'), 15_000);
    twin.kickSockets();
    const kicked = twin.say(s.id, 'said after a kick');
    await ann.waitForMessage((m) => m.text.includes('said after a kick'), 15_000);
    expect(await conversationStatus()).toEqual(['open']);
    await allAckedOnce(s);
    await h.emulator.settle(300, 8000);
    expect(ann.chat().filter((m) => m.text.includes('said while you were away'))).toHaveLength(1);
    expect(twin.ackCount(after.id)).toBe(1);
    expect(twin.ackCount(kicked.id)).toBe(1);

    // A duplicate delivery of a message already taken reaches the seller once.
    twin.resend(s.id, kicked.id);
    await h.emulator.settle(500, 8000);
    expect(ann.chat().filter((m) => m.text.includes('said after a kick'))).toHaveLength(1);
  });

  it('an expired session closes quietly and the next message starts a new one', async () => {
    await setUp();
    const ann = await seller('Cid');
    ann.send('first question');
    const s = await session();
    await ann.waitForMessage((m) => m.text.startsWith('💬') && m.text.endsWith('first question'), 8000);
    twin.expire(s.id);
    await eventually(conversationStatus, (st) => st[0] === 'closed', 10_000);
    ann.send('second question');
    await eventually(
      () => Promise.resolve(twin.sessions.size),
      (n) => n === 2,
    );
    const next = await session();
    await eventually(
      () => Promise.resolve(received(next).map((m) => m.body)),
      (b) => b[0] === 'second question',
    );
    expect(ann.chat().some((m) => m.text === ann.label((t) => t.supportClosedByOperator))).toBe(false);
  });

  it("a session's ttl closes it quietly", async () => {
    await setUp({ ttlSeconds: 2 });
    const ann = await seller('Dee');
    ann.send('short lived');
    await ann.waitForMessage((m) => m.text.startsWith('💬') && m.text.endsWith('short lived'), 8000);
    await eventually(conversationStatus, (st) => st[0] === 'closed', 10_000);
    await eventually(
      () => twin.socketsOf(twin.session().id),
      (n) => n === 0,
    );
    expect(await twin.socketsOf(twin.session().id)).toBe(0);
  });

  it('TWIN away for a while (refusing, then 500) loses nothing', async () => {
    await setUp();
    const ann = await seller('Eve');
    twin.refuse(true);
    ann.send('while TWIN is down');
    await new Promise((r) => setTimeout(r, 1500));
    expect(twin.sessions.size).toBe(0);
    twin.refuse(false);
    twin.failNext('500');
    const s = await eventually(
      () => Promise.resolve([...twin.sessions.values()][0]),
      (x) => x !== undefined && received(x).length === 1,
      20_000,
    );
    expect(received(s!).map((m) => m.body)).toEqual(['while TWIN is down']);
    expect(twin.requests.some((r) => r.status === 500)).toBe(true);
  });

  it('past TWIN_MAX_SOCKETS a new session waits, said in the log, until a socket is free', async () => {
    const lines: string[] = [];
    await setUp({
      env: { TWIN_MAX_SOCKETS: '1' },
      logger: createLogger('info', 'market-bot', { write: (l: string) => lines.push(l) }),
    });
    const ann = await seller('Gus');
    const bea = await seller('Bea');
    ann.send('first in');
    await ann.waitForMessage((m) => m.text.startsWith('💬') && m.text.endsWith('first in'), 8000);
    bea.send('second in');
    await eventually(
      () => Promise.resolve(lines.filter((l) => l.includes('TWIN socket cap reached'))),
      (found) => found.length === 1,
      8000,
    );
    expect(lines.filter((l) => l.includes('TWIN socket cap reached'))).toHaveLength(1);
    const second = await session();
    expect(received(second)).toEqual([]);
    ann.send('стоп');
    await ann.waitForMessage(
      ann.label((t) => t.supportClosedByOperator),
      8000,
    );
    await bea.waitForMessage((m) => m.text.startsWith('💬') && m.text.endsWith('second in'), 20_000);
    expect(received(second).map((m) => m.body)).toEqual(['second in']);
  });

  it('a bad chatId is refused at start with a precise sentence', async () => {
    twin = await new TwinEmulator({ chatId: CHAT_ID }).start();
    h = await startHarness({}, {}, { supportIntervals: QUICK_SUPPORT });
    await h.services.support.createChannel({
      name: 'twin',
      kind: 'twin',
      settings: { chatId: 'x', apiBase: 'ftp://nowhere' },
      isDefault: true,
      running: true,
    });
    const ch = await eventually(
      () => h.services.support.channel('twin'),
      (c) => c?.status === 'failed',
    );
    expect(ch?.lastError).toContain("chatId must be the chat's id from TWIN's cabinet");
  });
});

describe('no message text is kept', () => {
  it('after a TWIN conversation no table and no log line holds a word of it', async () => {
    const lines: string[] = [];
    await setUp({ logger: createLogger('debug', 'market-bot', { write: (l: string) => lines.push(l) }) });
    const ann = await seller('Fay');
    ann.send('zebra-parcel-7731 is stuck');
    const s = await session();
    await ann.waitForMessage(
      (m) => m.text.endsWith('zebra-parcel-7731 is stuck') && m.text.startsWith('💬'),
      8000,
    );
    ann.sendPhoto('okapi-label-5520');
    twin.say(s.id, 'narwhal-answer-9914', {
      files: [{ name: 'a.png', contentType: 'image/png', bytes: PNG }],
    });
    await ann.waitForMessage((m) => m.text.includes('narwhal-answer-9914'), 8000);
    ann.send('стоп');
    await ann.waitForMessage(
      ann.label((t) => t.supportClosedByOperator),
      8000,
    );
    await h.emulator.settle(300, 8000);

    const tables = await sql<{ table_name: string }>(
      h,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await sql<{ row: string }>(h, `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      dump += rows.map((r) => r.row).join('\n');
    }
    expect(dump).toContain(s.id); // the dump did read the tables
    expect(lines.some((l) => l.includes('twin message received'))).toBe(true);
    for (const word of ['zebra-parcel', 'okapi-label', 'narwhal-answer', 'echo bot', 'Bye! The chat']) {
      expect(dump).not.toContain(word);
      expect(lines.filter((l) => l.includes(word))).toEqual([]);
    }
  });
});
