/**
 * The support desk's management API (after seed 001) and its signed file links, over the real HTTP
 * app, the real desk and the forum-topics channel against the Bot API emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { createHttpApp, startHttpServer, type RunningServer } from '../../src/http/app.js';
import { supportApi } from '../../src/http/support-api.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { SupportDesk } from '../../src/support/desk.js';
import { createTestDatabase, type Database } from '../support/db.js';

const TOKEN = '123456:TEST-TOKEN';
const MANAGEMENT = 'm'.repeat(32);
const FORUM = -1001800000001;
const NOT_ADMIN = -1001800000002;

let db: Database;
let emulator: TelegramEmulator;
let services: Services;
let desk: SupportDesk;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  emulator = new TelegramEmulator({ token: TOKEN });
  await emulator.start();
  emulator.forum({ id: FORUM, title: 'Support' });
  emulator.forum({ id: NOT_ADMIN, title: 'Other', bot: { status: 'member' } });
  const config = loadConfig({
    NODE_ENV: 'test',
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    SUPPORT_API_TOKEN: MANAGEMENT,
    PUBLIC_URL: 'http://files.example',
  });
  const logger = createLogger('silent');
  services = createServices(db.dataSource, config);
  desk = new SupportDesk({ services, config, logger, syncIntervalMs: 60_000 });
  await desk.start();
  const support = {
    api: supportApi({ config, logger, services, desk }),
    files: desk.files.handler(desk.telegramClient, logger),
  };
  server = await startHttpServer(createHttpApp({ config, logger, support }), 0, '127.0.0.1');
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  await desk.stop();
  await emulator.stop();
  await db.close();
});

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}/api/support/channels${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const UNAUTHORIZED = { status: 401, body: { error: 'unauthorized' } };

describe('the management API', () => {
  let forumToken: string;
  let otherToken: string;

  it('creates and starts a channel with the management token, showing its token once', async () => {
    expect(await call('POST', '', undefined, { name: 'forum', kind: 'topics', settings: {} })).toEqual(
      UNAUTHORIZED,
    );
    expect(await call('POST', '', 'wrong', { name: 'forum', kind: 'topics', settings: {} })).toEqual(
      UNAUTHORIZED,
    );
    const created = await call('POST', '', MANAGEMENT, {
      name: 'forum',
      kind: 'topics',
      settings: { forumChatId: FORUM, language: 'en' },
    });
    expect(created).toMatchObject({ status: 201, body: { name: 'forum', status: 'online', default: true } });
    forumToken = created.body.token as string;
    expect(forumToken).toMatch(/^sc_/);
    const again = await call('POST', '', MANAGEMENT, { name: 'forum', kind: 'topics', settings: {} });
    expect(again).toEqual({ status: 409, body: { error: 'A channel named "forum" exists.' } });
    expect(
      await call('POST', '', MANAGEMENT, { name: 'x', kind: 'topics', settings: { workingHours: 'never' } }),
    ).toEqual({
      status: 400,
      body: { error: 'workingHours: expected days and hours such as "Mon-Fri 09:00-18:00".' },
    });
  });

  it('reports a channel that fails its start-up check as offline, with the reason', async () => {
    const created = await call('POST', '', MANAGEMENT, {
      name: 'other',
      kind: 'topics',
      settings: { forumChatId: NOT_ADMIN },
    });
    expect(created).toMatchObject({ status: 201, body: { name: 'other', status: 'offline' } });
    expect(String(created.body.reason)).toMatch(/administrator/i);
    otherToken = created.body.token as string;
    // The first channel keeps working.
    expect((await call('GET', '/forum', forumToken)).body.status).toBe('online');
  });

  it("answers 401 and nothing else without the channel's own token", async () => {
    expect(await call('GET', '/forum')).toEqual(UNAUTHORIZED);
    expect(await call('GET', '/forum', 'sc_wrong')).toEqual(UNAUTHORIZED);
    expect(await call('GET', '/forum', otherToken)).toEqual(UNAUTHORIZED);
    expect(await call('GET', '/forum', MANAGEMENT)).toEqual(UNAUTHORIZED);
    expect(await call('GET', '/nobody', forumToken)).toEqual(UNAUTHORIZED);
    expect(await call('PUT', '/forum', otherToken, { settings: {} })).toEqual(UNAUTHORIZED);
    expect(await call('DELETE', '/forum', otherToken)).toEqual(UNAUTHORIZED);
    expect((await call('GET', '/forum', forumToken)).body).toMatchObject({ name: 'forum', status: 'online' });
  });

  it('PUT stops, updates and restarts; DELETE stops', async () => {
    const put = await call('PUT', '/forum', forumToken, { settings: { greeting: 'Hello!' } });
    expect(put).toMatchObject({ status: 200, body: { status: 'online', settings: { greeting: 'Hello!' } } });
    const broken = await call('PUT', '/forum', forumToken, { settings: { forumChatId: NOT_ADMIN } });
    expect(broken.body.status).toBe('offline');
    await call('PUT', '/forum', forumToken, { settings: { forumChatId: FORUM } });
    const del = await call('DELETE', '/forum', forumToken);
    expect(del).toMatchObject({ status: 200, body: { status: 'offline', running: false } });
    expect((await services.support.channel('forum'))?.status).toBe('offline');
  });
});

describe('signed file links', () => {
  it("stream a seller's file from Telegram; a forged or expired link is 404", async () => {
    const seller = emulator.user({ id: 777000111, first_name: 'Ann' });
    const message = seller.sendDocument({ name: 'invoice.pdf' });
    const fileId = (message as unknown as { document: { file_id: string; file_size: number } }).document
      .file_id;
    const url = desk.files.url(fileId, 'invoice.pdf');
    expect(url.startsWith('http://files.example/support/files/')).toBe(true);
    expect(url).not.toContain(TOKEN);
    const path = url.slice('http://files.example'.length);
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('invoice.pdf');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const forged = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await fetch(`${base}${forged}`)).status).toBe(404);
    const expired = desk.files.url(fileId, 'invoice.pdf', -1).slice('http://files.example'.length);
    expect((await fetch(`${base}${expired}`)).status).toBe(404);
  });
});
