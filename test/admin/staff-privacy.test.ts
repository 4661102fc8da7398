import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  createStaff,
  createTelegramUser,
  loggedIn,
  startHarness,
  type Harness,
  type HttpClient,
} from './support.js';
import { sql } from '../support/sql.js';

/**
 * Staff accounts (username, email, superuser flag, last login) are for superusers. A non-superuser
 * sees the Telegram users and the audit log, but nothing of a staff account through them.
 */

let h: Harness;
let chief: HttpClient;
let clerk: HttpClient;
let linkedUserId: number;

// Distinctive, so a leak is found wherever it appears in an answer.
const CHIEF = 'chief7q';
const CHIEF_EMAIL = 'chief7q@secret.example';
const HIRE = 'hire9z';
const HIRE_EMAIL = 'hire9z@secret.example';
const SECRETS = [
  CHIEF,
  CHIEF_EMAIL,
  HIRE,
  HIRE_EMAIL,
  'isSuperuser',
  'lastLogin',
  'is_superuser',
  'last_login',
];

beforeAll(async () => {
  h = await startHarness();
  const chiefAccount = await createStaff(h, { username: CHIEF, isSuperuser: true });
  await sql(h, 'UPDATE users SET email = $1 WHERE id = $2', [CHIEF_EMAIL, chiefAccount.id]);
  await createStaff(h, { username: 'clerk' });
  chief = await loggedIn(h, CHIEF);
  clerk = await loggedIn(h, 'clerk');
  // The chief is a bot admin too: their Telegram user carries the staff account they logged in with.
  linkedUserId = (await createTelegramUser(h, { username: 'tgchief', role: 'admin' })).id;
  await sql(h, 'UPDATE telegram_users SET staff_user_id = $1 WHERE id = $2', [chiefAccount.id, linkedUserId]);
  // Changes a superuser makes: a staff account (audited with its fields), and the linked Telegram user.
  const hired = await chief.api('/resources/User/actions/new', {
    json: { username: HIRE, email: HIRE_EMAIL, password: 'a long password', isStaff: 'true' },
  });
  expect(hired.status).toBe(200);
  const banned = await chief.api(`/resources/TelegramUser/records/${linkedUserId}/ban`, { json: {} });
  expect(banned.status).toBe(200);
}, 120_000);

afterAll(async () => h?.close());

function expectNoStaffDetails(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('what a non-superuser sees of staff accounts', () => {
  test('the Telegram user list, record, search and links show nothing of the linked staff account', async () => {
    for (const path of [
      '/resources/TelegramUser/actions/list',
      `/resources/TelegramUser/records/${linkedUserId}/show`,
      '/resources/TelegramUser/actions/search?query=tgchief',
      `/resources/TelegramUser/records/${linkedUserId}/edit`,
    ]) {
      const reply = await clerk.api(path);
      expect(reply.status).toBe(200);
      expectNoStaffDetails(reply.text);
    }
  });

  test('the audit log shows no staff account snapshots, fields or usernames', async () => {
    const list = await clerk.api('/resources/AuditLog/actions/list?perPage=100');
    expect(list.status).toBe(200);
    expectNoStaffDetails(list.text);
    const ids = (await sql<{ id: number }>(h, 'SELECT id FROM audit_log ORDER BY id')).map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      const show = await clerk.api(`/resources/AuditLog/records/${id}/show`);
      expectNoStaffDetails(show.text);
    }
    // Nor can a filter tell them apart: a staff username finds nothing, and "User" only Telegram users.
    const byActor = await clerk.api(`/resources/AuditLog/actions/list?filters.actorUsername=${CHIEF}`);
    expect(byActor.status).toBe(200);
    expect(byActor.json<{ meta: { total: number } }>().meta.total).toBe(0);
    const byResource = await clerk.api('/resources/AuditLog/actions/list?filters.resource=User');
    const found = byResource.json<{ meta: { total: number }; records: { params: { resource: string } }[] }>();
    expect(found.meta.total).toBe(1);
    expect(found.records.map((r) => r.params.resource)).toEqual(['TelegramUser']);
    // An entry about a staff account can't be opened by id either.
    const [{ id: staffEntry }] = await sql<{ id: number }>(
      h,
      `SELECT id FROM audit_log WHERE resource = 'User' ORDER BY id LIMIT 1`,
    );
    const hidden = await clerk.api(`/resources/AuditLog/records/${staffEntry}/show`);
    const answer = hidden.json<{ record: { params: object }; notice: { type: string; message: string } }>();
    expect(answer.record.params).toEqual({});
    expect(answer.notice).toMatchObject({ type: 'error', message: expect.stringMatching(/cannot be found/) });
  });

  test('a superuser still sees all of it', async () => {
    const show = await chief.api(`/resources/TelegramUser/records/${linkedUserId}/show`);
    expect(show.status).toBe(200);
    const list = await chief.api('/resources/AuditLog/actions/list?perPage=100');
    expect(list.text).toContain(HIRE_EMAIL);
    expect(list.text).toContain(CHIEF);
  });
});
