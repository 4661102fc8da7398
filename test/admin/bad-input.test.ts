import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import { createStaff, loggedIn, startHarness, type Harness, type HttpClient } from './support.js';

let h: Harness;
let clerk: HttpClient;
let boss: HttpClient;
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
const errorsLogged = () =>
  lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);

beforeAll(async () => {
  h = await startHarness({ logger: createLogger('info', 'market-bot', sink) });
  await createStaff(h, { username: 'boss', isSuperuser: true });
  await createStaff(h, { username: 'clerk' });
  clerk = await loggedIn(h, 'clerk');
  boss = await loggedIn(h, 'boss');
}, 120_000);

afterAll(async () => h?.close());

/** A GET with the path sent as written (fetch would resolve `..` and some escapes first). */
function rawGet(
  client: HttpClient,
  path: string,
): Promise<{ status: number; text: string; json(): Record<string, unknown> }> {
  const url = new URL(client.base);
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const xsrf = decodeURIComponent(client.cookie('XSRF-TOKEN') ?? '');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path, method: 'GET', headers: { cookie, 'x-xsrf-token': xsrf } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the superuser gate reads the resource the way the router does', () => {
  const spellings = [
    '/admin/api/resources/User/actions/list',
    '/admin/api/resources/Us%65r/actions/list',
    '/admin/api/resources/%55%73%65%72/actions/list',
    '/admin/api/resources/Us%2565r/actions/list',
    '/admin/api/resources/user/actions/list',
    '/admin/api/resources/USER/actions/list',
    '/admin/api/resources/User/actions/list/',
    '/admin/api/resources//User/actions/list',
    '/admin/api/resources/Shop/../User/actions/list',
    '/admin/api/resources/Shop/%2e%2e/User/actions/list',
    '/admin/api/resources/Group/actions/list',
    '/admin/api/resources/Gr%6Fup/actions/list',
    '/admin/api/resources/UserGroup/actions/list',
    '/admin/api/resources/User%47roup/actions/list',
    '/admin/api/resources/User/records/1/show',
    '/admin/api/resources/Us%65r/records/1/show',
    '/admin/resources/Us%65r',
    '/admin/resources/Us%65r/actions/list',
    '/admin/api/../api/resources/Us%65r/actions/list',
  ];

  test.each(spellings)('a non-superuser gets no staff accounts through %s', async (path) => {
    const reply = await rawGet(clerk, path);
    expect([403, 404]).toContain(reply.status);
    expect(reply.text).not.toMatch(/CSRF/);
    expect(reply.text).not.toContain('"boss"');
    expect(reply.text).not.toContain('"records"');
  });

  test('a superuser still gets them', async () => {
    const reply = await rawGet(boss, '/admin/api/resources/User/actions/list');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('boss');
  });
});

describe('malformed list parameters and resource names get a clear 4xx, not an error', () => {
  const list = '/admin/api/resources/TelegramUser/actions/list';
  const cases: Array<[string, string]> = [
    ['a page that is not a number', `${list}?page=abc`],
    ['a negative page', `${list}?page=-3`],
    ['a huge page', `${list}?page=1e400`],
    ['a sort on an unknown field', `${list}?sortBy=nope&direction=asc`],
    ['a sort on a hidden column', `${list}?sortBy=staffUserId`],
    ['a bad direction', `${list}?sortBy=id&direction=sideways`],
    ['an unknown filter', `${list}?filters.nope=1`],
    ['a bad perPage', `${list}?perPage=abc`],
    ['a perPage too large', `${list}?perPage=100000`],
    ['a filter value of the wrong type (number)', `${list}?filters.id=abc`],
    ['a filter value of the wrong type (boolean)', `${list}?filters.isBanned=maybe`],
    ['a filter value of the wrong type (enum)', `${list}?filters.role=wizard`],
    ['a filter value of the wrong type (date)', `${list}?filters.createdAt~~from=notadate`],
    ['a nested filter object', `${list}?filters.username.x=1`],
  ];

  test.each(cases)('%s', async (_name, path) => {
    lines.length = 0;
    const reply = await rawGet(clerk, path);
    expect(reply.status).toBe(400);
    expect(reply.json().message).toEqual(expect.any(String));
    expect(errorsLogged()).toEqual([]);
  });

  test('a Telegram id filter that is not a number finds nobody (ids are matched as text, exactly)', async () => {
    lines.length = 0;
    const reply = await rawGet(clerk, `${list}?filters.telegramId=abc`);
    expect(reply.status).toBe(200);
    expect(reply.json().meta).toMatchObject({ total: 0 });
    expect(errorsLogged()).toEqual([]);
  });

  test('the parameters the panel itself sends still work', async () => {
    const reply = await rawGet(
      clerk,
      `${list}?page=1&perPage=10&sortBy=createdAt&direction=desc&filters.isBanned=false&filters.role=seller` +
        '&filters.createdAt~~from=2020-01-01T00:00:00.000Z&filters.username=a',
    );
    expect(reply.status).toBe(200);
  });

  test.each([
    '/admin/api/resources/telegramuser/actions/list',
    '/admin/api/resources/TELEGRAMUSER/actions/list',
    '/admin/api/resources/NoSuchThing/actions/list',
    '/admin/api/resources/TelegramUser/actions/noSuchAction',
    '/admin/resources/telegramuser',
    '/admin/resources/NoSuchThing/actions/list',
  ])('%s is a 404 with a message', async (path) => {
    lines.length = 0;
    const reply = await rawGet(clerk, path);
    expect(reply.status).toBe(404);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(errorsLogged()).toEqual([]);
  });

  test.each([
    '/admin/api/resources/TelegramUser/records/abc/show',
    '/admin/api/resources/TelegramUser/records/999999999/show',
    '/admin/api/resources/TelegramUser/records/999999999/noSuchAction',
  ])('%s: a record that is not there is an error notice (AdminJS answers its frontend so)', async (path) => {
    lines.length = 0;
    const reply = await rawGet(clerk, path);
    if (reply.status === 200) expect(reply.json().notice).toMatchObject({ type: 'error' });
    else expect(reply.status).toBe(404);
    expect(errorsLogged()).toEqual([]);
  });

  test('a malformed escape in the address is a 400', async () => {
    lines.length = 0;
    const reply = await rawGet(clerk, '/admin/api/resources/Us%E0%A4%A/actions/list');
    expect(reply.status).toBe(400);
    expect(errorsLogged()).toEqual([]);
  });
});
