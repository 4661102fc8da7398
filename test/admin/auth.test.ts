import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import {
  HttpClient,
  PASSWORD,
  createStaff,
  createTelegramUser,
  loggedIn,
  startHarness,
  type Harness,
} from './support.js';
import { sql } from '../support/sql.js';

let h: Harness;
/** What the panel logged, one JSON line each. */
const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  h = await startHarness({ logger: createLogger('debug', 'market-bot', sink) });
  await createStaff(h, { username: 'boss', isSuperuser: true });
  await createStaff(h, { username: 'clerk' });
  await createStaff(h, { username: 'retired', isActive: false });
  await createStaff(h, { username: 'outsider', isStaff: false });
}, 120_000);

afterAll(async () => h?.close());

/** Failures in the window for (scope, key); the table holds only keyed hashes of the keys. */
const failures = (scope: string, key: string) => h.services.limiter.failures(scope, key);

describe('logging in', () => {
  test('an active staff account gets a session, a CSRF cookie and the panel', async () => {
    const client = new HttpClient(h.base);
    const reply = await client.login('clerk');
    expect(reply.status).toBe(302);
    expect(reply.location).toBe('/admin');
    const setCookies = reply.headers.getSetCookie().join('\n');
    expect(setCookies).toMatch(/mb_admin_sid=[^;]+;.*HttpOnly/i);
    expect(setCookies).toMatch(/mb_admin_sid=[^;]+;.*SameSite=Lax/i);
    expect(setCookies).toMatch(/XSRF-TOKEN=[^;]+;.*SameSite=Strict/i);
    expect(setCookies).not.toMatch(/Secure/i); // only in production
    const page = await client.request('/admin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('REDUX_STATE');
    const rows = (await sql(h, `SELECT last_login FROM users WHERE username = 'clerk'`)) as {
      last_login: Date | null;
    }[];
    expect(rows[0]!.last_login).not.toBeNull();
  });

  test('sessions live in the database (admin_sessions)', async () => {
    await loggedIn(h, 'clerk');
    const rows = (await sql(h, `SELECT sess FROM admin_sessions`)) as { sess: unknown }[];
    expect(rows.some((r) => JSON.stringify(r.sess).includes('"clerk"'))).toBe(true);
  });

  test.each([
    ['a wrong password', 'clerk', 'not the password'],
    ['an inactive account', 'retired', PASSWORD],
    ['a non-staff account', 'outsider', PASSWORD],
    ['an unknown username', 'nobody', PASSWORD],
  ])('%s is refused with the login page and no session', async (_what, username, password) => {
    const client = new HttpClient(h.base);
    const reply = await client.login(username, password);
    expect(reply.status).toBe(401);
    expect(reply.text).toContain('invalidCredentials');
    expect(client.cookie('mb_admin_sid')).toBeUndefined();
    const page = await client.request('/admin');
    expect(page.status).toBe(302);
    expect(page.location).toBe('/admin/login');
  });

  test('without a session, pages and the API redirect to the login page', async () => {
    const client = new HttpClient(h.base);
    for (const path of ['/admin', '/admin/api/resources/TelegramUser/actions/list', '/admin/api/dashboard']) {
      const reply = await client.request(path);
      expect(reply.status).toBe(302);
      expect(reply.location).toBe('/admin/login');
    }
  });

  test('the session id changes at login (no session fixation)', async () => {
    const client = new HttpClient(h.base);
    // A session that exists before login: a planted or leftover cookie.
    await client.login('clerk');
    const before = client.cookie('mb_admin_sid');
    expect(before).toBeDefined();
    const again = await client.login('clerk');
    expect(again.status).toBe(302);
    const after = client.cookie('mb_admin_sid');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    // The old id is worthless now.
    const stale = new HttpClient(h.base);
    stale.cookies.set('mb_admin_sid', before!);
    expect((await stale.request('/admin')).status).toBe(302);
  });

  test('logout ends the session', async () => {
    const client = await loggedIn(h, 'clerk');
    const sid = client.cookie('mb_admin_sid')!;
    const reply = await client.request('/admin/logout');
    expect(reply.status).toBe(302);
    expect(reply.location).toBe('/admin/login');
    const replay = new HttpClient(h.base);
    replay.cookies.set('mb_admin_sid', sid);
    expect((await replay.request('/admin')).status).toBe(302);
  });

  test('an account deactivated mid-session loses access at its next request', async () => {
    await createStaff(h, { username: 'leaver' });
    const client = await loggedIn(h, 'leaver');
    expect((await client.request('/admin')).status).toBe(200);
    await sql(h, `UPDATE users SET is_active = false WHERE username = 'leaver'`);
    const reply = await client.api('/resources/Shop/actions/list');
    expect(reply.status).toBe(302);
    expect(reply.location).toBe('/admin/login');
  });
});

describe('the login limit', () => {
  test('the 6th attempt in the window is refused even with the right password, and a restart keeps the lock', async () => {
    await sql(h, `DELETE FROM login_failures`);
    await createStaff(h, { username: 'target' });
    const client = new HttpClient(h.base);
    for (let i = 0; i < 5; i++) {
      const reply = await client.login('target', `wrong ${i}`);
      expect(reply.status).toBe(401);
    }
    expect(await failures('panel-user', 'target')).toBe(5);
    const sixth = await client.login('target');
    expect(sixth.status).toBe(429);
    expect(sixth.text).toMatch(/Too many failed attempts, try again in 1[45] minutes/);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(client.cookie('mb_admin_sid')).toBeUndefined();

    // The count is in the database: a new process (a new app on the same database) still refuses.
    await h.restartApp();
    const afterRestart = await new HttpClient(h.base).login('target');
    expect(afterRestart.status).toBe(429);
    expect(afterRestart.text).toContain('Too many failed attempts');
  });

  test('failures are counted per address too: that address is locked for every username', async () => {
    // The previous test's five failures came from 127.0.0.1, so the address is locked for everyone.
    expect(await failures('panel-ip', '127.0.0.1')).toBeGreaterThanOrEqual(5);
    const reply = await new HttpClient(h.base).login('boss');
    expect(reply.status).toBe(429);
    // Staff can be let in again by clearing the failures (what the window does by itself).
    await sql(h, `DELETE FROM login_failures`);
    expect((await new HttpClient(h.base).login('boss')).status).toBe(302);
  });

  test('a successful login clears nothing (failures age out of the window) and is not counted itself', async () => {
    await sql(h, `DELETE FROM login_failures`);
    const client = new HttpClient(h.base);
    await client.login('clerk', 'wrong');
    await client.login('clerk', 'wrong');
    expect(await failures('panel-user', 'clerk')).toBe(2);
    expect((await client.login('clerk')).status).toBe(302);
    expect(await failures('panel-user', 'clerk')).toBe(2);
    expect(await failures('panel-ip', '127.0.0.1')).toBe(2);
    await sql(h, `DELETE FROM login_failures`);
  });
});

describe('the login limit under a burst', () => {
  // 100 requests at once take a few seconds, many more on a busy machine.
  const BURST_TIMEOUT = 120_000;

  const burst = async (username: string, right: number) => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        new HttpClient(h.base).login(username, i === right ? PASSWORD : `wrong ${i}`),
      ),
    );
    const count = (status: number) => replies.filter((r) => r.status === status).length;
    return { 401: count(401), 302: count(302), 429: count(429) };
  };

  test(
    '100 guesses at once, the right password among them: at most 5 are compared and fail, the rest wait',
    async () => {
      await sql(h, `DELETE FROM login_failures`);
      await createStaff(h, { username: 'burst' });
      const r = await burst('burst', 60);
      expect(r[401]).toBeLessThanOrEqual(5);
      expect(r[302]).toBeLessThanOrEqual(1);
      expect(r[429]).toBeGreaterThanOrEqual(100 - 5 - 1);
      await sql(h, `DELETE FROM login_failures`);
    },
    BURST_TIMEOUT,
  );

  test(
    '100 wrong guesses at once: exactly 5 are compared, and then the right password is refused',
    async () => {
      await sql(h, `DELETE FROM login_failures`);
      await createStaff(h, { username: 'burst2' });
      const r = await burst('burst2', -1);
      expect(r).toEqual({ 401: 5, 302: 0, 429: 95 });
      expect((await new HttpClient(h.base).login('burst2')).status).toBe(429);
      await sql(h, `DELETE FROM login_failures`);
    },
    BURST_TIMEOUT,
  );
});

describe('what a failed login leaves behind', () => {
  test('a password typed as the username is neither logged nor stored as text', async () => {
    await sql(h, `DELETE FROM login_failures`);
    const typed = 'Typed-By-Mistake-Pa55word';
    const reply = await new HttpClient(h.base).login(typed, 'x');
    expect(reply.status).toBe(401);
    expect(logLines.join('\n')).toContain('panel login failed');
    expect(logLines.join('\n').toLowerCase()).not.toContain(typed.toLowerCase());
    const stored = (await sql(h, `SELECT scope, key FROM login_failures`)) as {
      scope: string;
      key: string;
    }[];
    expect(stored.map((r) => r.scope).sort()).toEqual(['panel-ip', 'panel-user']);
    for (const row of stored) {
      expect(row.key).toMatch(/^[0-9a-f]{64}$/);
      expect(row.key.toLowerCase()).not.toContain(typed.toLowerCase());
    }
    await sql(h, `DELETE FROM login_failures`);
  });
});

describe('CSRF', () => {
  let userId: number;
  beforeAll(async () => {
    userId = (await createTelegramUser(h, { username: 'csrf_victim' })).id;
  });

  const banned = async () =>
    (
      (await sql(h, 'SELECT is_banned FROM telegram_users WHERE id = $1', [userId])) as {
        is_banned: boolean;
      }[]
    )[0]!.is_banned;

  test('a state-changing API call without the X-XSRF-TOKEN header is refused', async () => {
    const client = await loggedIn(h, 'clerk');
    const reply = await client.api(`/resources/TelegramUser/records/${userId}/ban`, {
      json: { confirm: 'yes' },
      csrf: false,
    });
    expect(reply.status).toBe(403);
    expect(reply.json().message).toMatch(/CSRF/);
    expect(await banned()).toBe(false);
  });

  test('a wrong token is refused', async () => {
    const client = await loggedIn(h, 'clerk');
    const reply = await client.api(`/resources/TelegramUser/records/${userId}/ban`, {
      json: { confirm: 'yes' },
      csrf: false,
      headers: { 'x-xsrf-token': 'forged' },
    });
    expect(reply.status).toBe(403);
    expect(await banned()).toBe(false);
  });

  test("a forged cross-site POST (foreign Origin, the victim's cookies) is refused", async () => {
    const client = await loggedIn(h, 'clerk');
    const reply = await client.api(`/resources/TelegramUser/records/${userId}/ban`, {
      form: { confirm: 'yes' },
      origin: 'https://evil.example',
    });
    expect(reply.status).toBe(403);
    const viaFetchMetadata = await client.api(`/resources/TelegramUser/records/${userId}/ban`, {
      form: { confirm: 'yes' },
      origin: false,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(viaFetchMetadata.status).toBe(403);
    const viaReferer = await client.api(`/resources/TelegramUser/records/${userId}/ban`, {
      form: { confirm: 'yes' },
      origin: false,
      headers: { referer: 'https://evil.example/page' },
    });
    expect(viaReferer.status).toBe(403);
    expect(await banned()).toBe(false);
  });

  test('even API reads need the token (some AdminJS actions run on GET)', async () => {
    const client = await loggedIn(h, 'clerk');
    const reply = await client.api('/resources/TelegramUser/actions/list', { csrf: false });
    expect(reply.status).toBe(403);
  });

  test('a cross-site login POST is refused (login CSRF)', async () => {
    const client = new HttpClient(h.base);
    const reply = await client.request('/admin/login', {
      form: { email: 'clerk', password: PASSWORD },
      origin: 'https://evil.example',
    });
    expect(reply.status).toBe(403);
    expect(client.cookie('mb_admin_sid')).toBeUndefined();
  });

  test('the same call with the token and our Origin goes through', async () => {
    const client = await loggedIn(h, 'clerk');
    const reply = await client.api(`/resources/TelegramUser/records/${userId}/ban`, {
      json: { confirm: 'yes' },
    });
    expect(reply.status).toBe(200);
    expect(await banned()).toBe(true);
  });

  test("each session has its own token: one session's token does not work in another", async () => {
    const a = await loggedIn(h, 'clerk');
    const b = await loggedIn(h, 'clerk');
    expect(a.cookie('XSRF-TOKEN')).not.toBe(b.cookie('XSRF-TOKEN'));
    const reply = await a.api(`/resources/TelegramUser/records/${userId}/unban`, {
      json: { confirm: 'yes' },
      csrf: false,
      headers: { 'x-xsrf-token': decodeURIComponent(b.cookie('XSRF-TOKEN')!) },
    });
    expect(reply.status).toBe(403);
  });
});

describe('the HTTP app', () => {
  test('GET /healthz answers ok after a query', async () => {
    const reply = await new HttpClient(h.base).request('/healthz');
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ status: 'ok' });
  });

  test('the panel sends anti-framing headers', async () => {
    const reply = await new HttpClient(h.base).request('/admin/login');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
    expect(reply.text).toContain('Username');
  });
});
