import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  auditRows,
  createStaff,
  createTelegramUser,
  HttpClient,
  loggedIn,
  startHarness,
  type Harness,
} from './support.js';
import { sql } from '../support/sql.js';

let h: Harness;
let boss: HttpClient;
let clerk: HttpClient;
let bossId: number;

beforeAll(async () => {
  h = await startHarness();
  bossId = (await createStaff(h, { username: 'boss', isSuperuser: true })).id;
  await createStaff(h, { username: 'clerk' });
  boss = await loggedIn(h, 'boss');
  clerk = await loggedIn(h, 'clerk');
}, 120_000);

afterAll(async () => h?.close());

type Json = Record<string, unknown>;
type RecordJson = { id: string; params: Json; populated?: Json; recordActions?: { name: string }[] };

async function userRow(id: number) {
  const rows = (await sql(h, 'SELECT is_banned, is_active, username FROM telegram_users WHERE id = $1', [
    id,
  ])) as { is_banned: boolean; is_active: boolean; username: string }[];
  return rows[0]!;
}

async function shopExists(id: number): Promise<boolean> {
  return (await sql(h, 'SELECT 1 FROM shops WHERE id = $1', [id])).length === 1;
}

async function notices(id: number) {
  return (await sql(
    h,
    'SELECT kind, status, chat_id FROM notifications WHERE telegram_user_id = $1 ORDER BY id',
    [id],
  )) as { kind: string; status: string; chat_id: number }[];
}

function deepKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k.slice(k.lastIndexOf('.') + 1));
      deepKeys(v, out);
    }
  }
  return out;
}

describe('permissions', () => {
  test.each(['User', 'Group', 'UserGroup'])('non-superuser staff get 403 on %s', async (resource) => {
    for (const path of [
      `/resources/${resource}/actions/list`,
      `/resources/${resource}/records/1/show`,
      `/resources/${resource}/actions/search`,
    ]) {
      expect((await clerk.api(path)).status).toBe(403);
    }
    const create = await clerk.api(`/resources/${resource}/actions/new`, {
      json: { name: 'x', username: 'x' },
    });
    expect(create.status).toBe(403);
    expect((await clerk.request(`/admin/resources/${resource}`)).status).toBe(403);
  });

  test('and the resources are not in their navigation', async () => {
    const page = await clerk.request('/admin');
    const state = JSON.parse(/window\.REDUX_STATE = (.*?);?\n/.exec(page.text)![1]!) as {
      resources: { id: string; href: string | null }[];
    };
    const href = (id: string) => state.resources.find((r) => r.id === id)?.href ?? null;
    expect(href('User')).toBeNull();
    expect(href('Group')).toBeNull();
    expect(href('UserGroup')).toBeNull();
    expect(href('TelegramUser')).toBe('/admin/resources/TelegramUser');
  });

  test('superusers can list and create staff accounts; the password is hashed and never shown', async () => {
    const list = await boss.api('/resources/User/actions/list');
    expect(list.status).toBe(200);
    const created = await boss.api('/resources/User/actions/new', {
      json: { username: 'newbie', email: 'n@example.com', password: 'a long password', isStaff: 'true' },
    });
    expect(created.status).toBe(200);
    const body = created.json<{ record: RecordJson; notice: { type: string } }>();
    expect(body.notice.type).toBe('success');
    expect(deepKeys(body)).not.toContain('passwordHash');
    expect(deepKeys(body)).not.toContain('password');
    // The new account can log in with the password typed in the panel.
    expect((await new HttpClient(h.base).login('newbie', 'a long password')).status).toBe(302);
    const audit = (await auditRows(h, 'new')).find((r) => r.resource === 'User')!;
    expect(audit.actor_username).toBe('boss');
    expect(JSON.stringify(audit)).not.toMatch(/passwordHash|\$2[aby]\$/);
  });

  test('a password hash can not be set directly through the form', async () => {
    const [{ id }] = await sql<{ id: number }>(h, `SELECT id FROM users WHERE username = 'newbie'`);
    const reply = await boss.api(`/resources/User/records/${id}/edit`, {
      json: {
        email: 'n2@example.com',
        passwordHash: '$2b$04$forgedforgedforgedforgedforgedforgedforgedforgedforge',
      },
    });
    expect(reply.status).toBe(200);
    expect((await new HttpClient(h.base).login('newbie', 'a long password')).status).toBe(302);
  });

  test('hidden fields never appear in list or show JSON', async () => {
    const shop = await h.services.shops.create({ name: 'Hidden', clientId: 'c', vendorName: 'v' });
    const checks = [
      boss.api('/resources/Shop/actions/list'),
      boss.api(`/resources/Shop/records/${shop.shop.id}/show`),
      boss.api(`/resources/Shop/actions/search/Hid`),
      boss.api('/resources/User/actions/list'),
      boss.api(`/resources/User/records/${bossId}/show`),
      boss.api(`/resources/User/records/${bossId}/edit`),
    ];
    for (const reply of await Promise.all(checks)) {
      expect(reply.status).toBe(200);
      expect(reply.text).not.toMatch(/passwordHash|apiKeyHash|password_hash|api_key_hash/);
      expect(reply.text).not.toContain(shop.apiKey);
    }
    const show = (await boss.api(`/resources/Shop/records/${shop.shop.id}/show`)).json<{
      record: RecordJson;
    }>();
    expect(show.record.params.apiKeyPrefix).toBe(shop.apiKey.slice(0, 6));
  });

  test('filters and sorting on hidden columns are refused, whatever the value (no oracle for the hashes)', async () => {
    for (const query of ['filters.apiKeyHash=zzzz', 'filters.apiKeyHash=', 'sortBy=apiKeyHash']) {
      const reply = await boss.api(`/resources/Shop/actions/list?${query}`);
      expect(reply.status).toBe(400);
      expect(reply.json<{ message: string }>().message).toMatch(/apiKeyHash/);
    }
    const users = await boss.api('/resources/User/actions/list?filters.passwordHash=%242b');
    expect(users.status).toBe(400);
    expect(users.json<{ message: string }>().message).toBe('there is no filter "passwordHash"');
  });
});

describe('Telegram users', () => {
  test('ban: the record action bans, queues a ban notice and writes the audit log', async () => {
    const u = await createTelegramUser(h, { username: 'to_ban' });
    // Opening the confirmation screen (GET) changes nothing.
    const screen = await clerk.api(`/resources/TelegramUser/records/${u.id}/ban`);
    expect(screen.status).toBe(200);
    expect((await userRow(u.id)).is_banned).toBe(false);

    const reply = await clerk.api(`/resources/TelegramUser/records/${u.id}/ban`, {
      json: { confirm: 'yes' },
    });
    expect(reply.status).toBe(200);
    const body = reply.json<{ record: RecordJson; notice: { message: string; type: string } }>();
    expect(body.notice.type).toBe('success');
    expect(body.record.params.isBanned).toBe(true);
    expect((await userRow(u.id)).is_banned).toBe(true);
    expect(await notices(u.id)).toEqual([{ kind: 'ban', status: 'pending', chat_id: u.telegramId }]);
    // Delivery (notification worker → Telegram emulator → the user's chat) is asserted end to end
    // in browser.test.ts.

    const audit = (await auditRows(h, 'ban')).filter((r) => r.record_id === String(u.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_username: 'clerk', resource: 'TelegramUser' });
    expect(audit[0]!.before).toMatchObject({ isBanned: false });
    expect(audit[0]!.after).toMatchObject({ isBanned: true });

    // Banning again changes nothing and queues nothing.
    const again = await clerk.api(`/resources/TelegramUser/records/${u.id}/ban`, {
      json: { confirm: 'yes' },
    });
    expect(again.json<{ notice: { message: string } }>().notice.message).toMatch(/Banned 0 of 1/);
    expect(await notices(u.id)).toHaveLength(1);
  });

  test('unban, activate and deactivate (record actions) do what they say, each audited', async () => {
    const u = await createTelegramUser(h, { isBanned: true, isActive: false });
    for (const [action, check] of [
      ['unban', (r: Awaited<ReturnType<typeof userRow>>) => !r.is_banned],
      ['activate', (r: Awaited<ReturnType<typeof userRow>>) => r.is_active],
      ['deactivate', (r: Awaited<ReturnType<typeof userRow>>) => !r.is_active],
    ] as const) {
      const reply = await clerk.api(`/resources/TelegramUser/records/${u.id}/${action}`, {
        json: { confirm: 'yes' },
      });
      expect(reply.status).toBe(200);
      expect(check(await userRow(u.id))).toBe(true);
      const audit = (await auditRows(h, action)).filter((r) => r.record_id === String(u.id));
      expect(audit).toHaveLength(1);
    }
    expect((await notices(u.id)).map((n) => n.kind)).toEqual(['unban']);
  });

  test('bulk ban, unban, activate, deactivate', async () => {
    const a = await createTelegramUser(h);
    const b = await createTelegramUser(h);
    const ids = `${a.id},${b.id}`;
    const bulk = (action: string) =>
      clerk.api(`/resources/TelegramUser/bulk/${action}?recordIds=${ids}`, { json: { confirm: 'yes' } });

    // GET shows the records and changes nothing.
    const screen = await clerk.api(`/resources/TelegramUser/bulk/bulkBan?recordIds=${ids}`);
    expect(screen.json<{ records: RecordJson[] }>().records).toHaveLength(2);

    const banned = await bulk('bulkBan');
    expect(banned.json<{ notice: { message: string } }>().notice.message).toMatch(/Banned 2 of 2/);
    expect((await userRow(a.id)).is_banned && (await userRow(b.id)).is_banned).toBe(true);
    expect((await notices(a.id)).map((n) => n.kind)).toEqual(['ban']);
    expect((await notices(b.id)).map((n) => n.kind)).toEqual(['ban']);

    await bulk('bulkUnban');
    expect((await userRow(a.id)).is_banned || (await userRow(b.id)).is_banned).toBe(false);
    expect((await notices(a.id)).map((n) => n.kind)).toEqual(['ban', 'unban']);

    await bulk('bulkDeactivate');
    expect((await userRow(a.id)).is_active || (await userRow(b.id)).is_active).toBe(false);
    await bulk('bulkActivate');
    expect((await userRow(a.id)).is_active && (await userRow(b.id)).is_active).toBe(true);

    for (const action of ['bulkBan', 'bulkUnban', 'bulkDeactivate', 'bulkActivate']) {
      const rows = (await auditRows(h, action)).filter((r) => r.record_id === ids);
      expect(rows).toHaveLength(1);
      expect(Object.keys((rows[0]!.before as { records: Json }).records).sort()).toEqual(
        [String(a.id), String(b.id)].sort(),
      );
    }
  });

  test('editing the ban flag in the form has the same effect (the trigger queues the notice)', async () => {
    const u = await createTelegramUser(h, { username: 'form_ban' });
    const reply = await clerk.api(`/resources/TelegramUser/records/${u.id}/edit`, {
      json: { isBanned: 'true', username: 'form_ban', telegramId: '1', chatId: '1' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json<{ notice: { type: string } }>().notice.type).toBe('success');
    const row = await userRow(u.id);
    expect(row.is_banned).toBe(true);
    expect(await notices(u.id)).toEqual([{ kind: 'ban', status: 'pending', chat_id: u.telegramId }]);
    // Identity fields are not editable: the posted telegramId/chatId were dropped.
    const ids = (await sql(h, 'SELECT telegram_id FROM telegram_users WHERE id = $1', [u.id])) as {
      telegram_id: number;
    }[];
    expect(ids[0]!.telegram_id).toBe(u.telegramId);
    const audit = (await auditRows(h, 'edit')).find((r) => r.record_id === String(u.id))!;
    expect(audit.before).toMatchObject({ isBanned: false });
    expect(audit.after).toMatchObject({ isBanned: true });
  });

  test('list filters and search: case-insensitive username, exact Telegram id, role, flags', async () => {
    const u = await createTelegramUser(h, { username: 'Needle_Person', role: 'admin' });
    const total = async (query: string) =>
      (await clerk.api(`/resources/TelegramUser/actions/list?${query}`)).json<{ meta: { total: number } }>()
        .meta.total;
    expect(await total('filters.username=needle_p')).toBe(1);
    expect(await total('filters.username=%25')).toBe(0); // a literal %, not a wildcard
    expect(await total(`filters.telegramId=${u.telegramId}`)).toBe(1);
    expect(await total('filters.telegramId=abc')).toBe(0);
    expect(await total('filters.role=admin')).toBeGreaterThanOrEqual(1);
    const nonsense = await clerk.api('/resources/TelegramUser/actions/list?filters.role=nonsense');
    expect(nonsense.status).toBe(400);
    expect(nonsense.json<{ message: string }>().message).toBe('filter "role" must be one of admin, seller');
    expect(await total('filters.isBanned=true&filters.role=admin')).toBe(0);
    const search = await clerk.api(`/resources/TelegramUser/actions/search/${u.telegramId}`);
    expect(search.json<{ records: RecordJson[] }>().records.map((r) => String(r.id))).toEqual([String(u.id)]);
    const byName = await clerk.api('/resources/TelegramUser/actions/search/NEEDLE');
    expect(byName.json<{ records: RecordJson[] }>().records.map((r) => String(r.id))).toEqual([String(u.id)]);
  });

  test('the "Shop links" action leads to the links filtered on the user', async () => {
    const u = await createTelegramUser(h);
    const reply = await clerk.api(`/resources/TelegramUser/records/${u.id}/links`);
    expect(reply.json<{ redirectUrl: string }>().redirectUrl).toBe(
      `/admin/resources/ShopLink?filters.telegramUserId=${u.id}`,
    );
  });
});

describe('shops', () => {
  test('new: the key is generated, shown once on the next screen, and only its hash is stored', async () => {
    const reply = await clerk.api('/resources/Shop/actions/new', {
      json: { name: 'Panel Shop', clientId: 'cid', vendorName: 'Vendor', isActive: 'true' },
    });
    expect(reply.status).toBe(200);
    const body = reply.json<{ record: RecordJson; redirectUrl: string }>();
    const id = String(body.record.id);
    expect(body.redirectUrl).toBe(`/admin/resources/Shop/records/${id}/revealApiKey`);
    // The page it sends the browser to exists: the record carries the action.
    expect(body.record.recordActions?.map((a) => a.name)).toContain('revealApiKey');
    expect(body.record.params.slug).toBe('panel-shop');
    expect(reply.text).not.toMatch(/apiKey"|apiKeyHash/);

    const revealed = await clerk.api(`/resources/Shop/records/${id}/revealApiKey`, {
      json: { reveal: 'yes' },
    });
    const key = revealed.json<{ apiKey: string }>().apiKey;
    expect(key).toMatch(/^mk_/);
    expect((await h.services.shops.findByApiKey(key))?.id).toBe(Number(id));
    // Once only, and only for whoever created it.
    const second = await clerk.api(`/resources/Shop/records/${id}/revealApiKey`, { json: { reveal: 'yes' } });
    expect(second.json<Json>().apiKey).toBeUndefined();

    const audit = (await auditRows(h, 'new')).find((r) => r.resource === 'Shop' && r.record_id === id)!;
    expect(audit.actor_username).toBe('clerk');
    expect(JSON.stringify(audit)).not.toContain(key);
    expect(await auditRows(h, 'revealApiKey')).toHaveLength(0);
  });

  test('new with a typed key keeps that key; a taken key is refused with a message', async () => {
    const ok = await clerk.api('/resources/Shop/actions/new', {
      json: { name: 'Typed', clientId: 'c', vendorName: 'v', apiKey: 'typed-key-123456' },
    });
    expect((await h.services.shops.findByApiKey('typed-key-123456'))?.id).toBe(
      Number(ok.json<{ record: RecordJson }>().record.id),
    );
    const dup = await clerk.api('/resources/Shop/actions/new', {
      json: { name: 'Typed again', clientId: 'c', vendorName: 'v', apiKey: 'typed-key-123456' },
    });
    const body = dup.json<{ notice: { type: string; message: string } }>();
    expect(body.notice).toEqual({ type: 'error', message: 'Another shop already has this API key.' });
    const missing = await clerk.api('/resources/Shop/actions/new', { json: { name: 'No vendor' } });
    expect(missing.json<{ record: { errors: Json } }>().record.errors).toHaveProperty('vendorName');
  });

  test('"Set new API key" generates or accepts a key, returns it once, and the old key stops working', async () => {
    const { shop, apiKey: oldKey } = await h.services.shops.create({
      name: 'Rotate',
      clientId: 'c',
      vendorName: 'v',
    });
    const screen = await clerk.api(`/resources/Shop/records/${shop.id}/setApiKey`);
    expect(screen.json<Json>().apiKey).toBeUndefined();

    const generated = await clerk.api(`/resources/Shop/records/${shop.id}/setApiKey`, {
      json: { apiKey: '' },
    });
    const newKey = generated.json<{ apiKey: string; record: RecordJson }>().apiKey;
    expect(newKey).toMatch(/^mk_/);
    expect(generated.json<{ record: RecordJson }>().record.params.apiKeyPrefix).toBe(newKey.slice(0, 6));
    expect(await h.services.shops.findByApiKey(oldKey)).toBeNull();
    expect((await h.services.shops.findByApiKey(newKey))?.id).toBe(shop.id);

    await clerk.api(`/resources/Shop/records/${shop.id}/setApiKey`, {
      json: { apiKey: 'chosen-key-42424242' },
    });
    expect((await h.services.shops.findByApiKey('chosen-key-42424242'))?.id).toBe(shop.id);

    const audit = (await auditRows(h, 'setApiKey')).filter((r) => r.record_id === String(shop.id));
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toMatch(new RegExp(`${newKey}|chosen-key-42424242`));
  });

  test('deleting a shop with storages shows the reason; without storages it goes', async () => {
    const { shop } = await h.services.shops.create({ name: 'Stored', clientId: 'c', vendorName: 'v' });
    await sql(h, `INSERT INTO storages (name, ozon_id, shop_id) VALUES ('S1', 'o1', $1)`, [shop.id]);
    const refused = await clerk.api(`/resources/Shop/records/${shop.id}/delete`, {
      json: { confirm: 'yes' },
    });
    expect(refused.status).toBe(200);
    expect(refused.json<{ notice: Json }>().notice).toEqual({
      type: 'error',
      message: 'Shop "Stored" still has 1 storage(s); delete or move them first.',
    });
    expect(await shopExists(shop.id)).toBe(true);
    expect((await auditRows(h, 'delete')).filter((r) => r.record_id === String(shop.id))).toHaveLength(0);

    const { shop: free } = await h.services.shops.create({ name: 'Free', clientId: 'c', vendorName: 'v' });
    const deleted = await clerk.api(`/resources/Shop/records/${free.id}/delete`, {
      json: { confirm: 'yes' },
    });
    expect(deleted.json<{ notice: Json }>().notice).toMatchObject({ type: 'success' });
    expect(await shopExists(free.id)).toBe(false);
    const audit = (await auditRows(h, 'delete')).find((r) => r.record_id === String(free.id))!;
    expect(audit.before).toMatchObject({ name: 'Free' });
    expect(audit.after).toBeNull();

    // Bulk: the free one goes, the stored one stays, and the notice says why.
    const { shop: free2 } = await h.services.shops.create({ name: 'Free2', clientId: 'c', vendorName: 'v' });
    const bulk = await clerk.api(`/resources/Shop/bulk/bulkDelete?recordIds=${shop.id},${free2.id}`, {
      json: { confirm: 'yes' },
    });
    expect(bulk.json<{ notice: { message: string } }>().notice.message).toMatch(
      /Deleted 1; kept 1: Shop "Stored"/,
    );
    expect(await shopExists(free2.id)).toBe(false);
    const bulkAudit = (await auditRows(h, 'bulkDelete')).find((r) => r.resource === 'Shop')!;
    expect(bulkAudit.after).toEqual({
      deleted: [String(free2.id)],
      refused: { [shop.id]: expect.any(String) },
    });
  });

  test('shop edits can not touch the key prefix or hash', async () => {
    const { shop, apiKey } = await h.services.shops.create({
      name: 'Edit me',
      clientId: 'c',
      vendorName: 'v',
    });
    const reply = await clerk.api(`/resources/Shop/records/${shop.id}/edit`, {
      json: { name: 'Edited', apiKeyPrefix: 'forged', apiKeyHash: 'f'.repeat(64), isActive: 'false' },
    });
    expect(reply.json<{ record: RecordJson }>().record.params).toMatchObject({
      name: 'Edited',
      isActive: false,
      apiKeyPrefix: apiKey.slice(0, 6),
    });
    expect((await h.services.shops.findByApiKey(apiKey))?.id).toBe(shop.id);
  });

  test('shop links: made in the panel with source "admin", listed per shop, removable', async () => {
    const { shop } = await h.services.shops.create({ name: 'Linked', clientId: 'c', vendorName: 'v' });
    const u = await createTelegramUser(h);
    const made = await clerk.api('/resources/ShopLink/actions/new', {
      json: { telegramUserId: String(u.id), shopId: String(shop.id) },
    });
    expect(made.json<{ notice: Json }>().notice).toMatchObject({ type: 'success' });
    const linkId = String(made.json<{ record: RecordJson }>().record.id);
    expect(made.json<{ record: RecordJson }>().record.params.source).toBe('admin');

    const dup = await clerk.api('/resources/ShopLink/actions/new', {
      json: { telegramUserId: String(u.id), shopId: String(shop.id) },
    });
    expect(dup.json<{ notice: Json }>().notice).toMatchObject({ type: 'error' });

    const list = await clerk.api(`/resources/ShopLink/actions/list?filters.shopId=${shop.id}`);
    const records = list.json<{ records: RecordJson[] }>().records;
    expect(records.map((r) => String(r.id))).toEqual([linkId]);
    expect(JSON.stringify(records[0]!.populated)).not.toMatch(/apiKeyHash/);
    const fromShop = await clerk.api(`/resources/Shop/records/${shop.id}/links`);
    expect(fromShop.json<{ redirectUrl: string }>().redirectUrl).toBe(
      `/admin/resources/ShopLink?filters.shopId=${shop.id}`,
    );

    await clerk.api(`/resources/ShopLink/records/${linkId}/delete`, { json: { confirm: 'yes' } });
    expect(
      (await clerk.api(`/resources/ShopLink/actions/list?filters.shopId=${shop.id}`)).json<{
        meta: { total: number };
      }>().meta.total,
    ).toBe(0);
    const audits = (await auditRows(h)).filter((r) => r.resource === 'ShopLink').map((r) => r.action);
    expect(audits).toEqual(['new', 'delete']);
  });

  test('storages: created with a shop reference, audited', async () => {
    const { shop } = await h.services.shops.create({
      name: 'Warehouse owner',
      clientId: 'c',
      vendorName: 'v',
    });
    const made = await clerk.api('/resources/Storage/actions/new', {
      json: { name: 'North', ozonId: 'oz-1', shopId: String(shop.id) },
    });
    expect(made.json<{ record: RecordJson }>().record.params).toMatchObject({ name: 'North' });
    const rows = (await sql(h, `SELECT shop_id FROM storages WHERE ozon_id = 'oz-1'`)) as {
      shop_id: number;
    }[];
    expect(rows).toEqual([{ shop_id: shop.id }]);
    expect((await auditRows(h, 'new')).some((r) => r.resource === 'Storage')).toBe(true);
  });
});

describe('read-only resources', () => {
  test.each(['Payment', 'AuditLog'])(
    '%s has no new, edit or delete, even for superusers',
    async (resource) => {
      const created = await boss.api(`/resources/${resource}/actions/new`, { json: { amount: '1' } });
      expect(created.json<{ notice: Json }>().notice).toMatchObject({ type: 'error' });
      const rows = (await sql(h, `SELECT id FROM audit_log ORDER BY id LIMIT 1`)) as {
        id: number;
      }[];
      if (resource === 'AuditLog') {
        const edit = await boss.api(`/resources/AuditLog/records/${rows[0]!.id}/edit`, {
          json: { action: 'x' },
        });
        expect(edit.json<{ notice: Json }>().notice).toMatchObject({ type: 'error' });
        const del = await boss.api(`/resources/AuditLog/records/${rows[0]!.id}/delete`, { json: {} });
        expect(del.json<{ notice: Json }>().notice).toMatchObject({ type: 'error' });
        const still = (await sql(h, `SELECT action FROM audit_log WHERE id = $1`, [rows[0]!.id])) as {
          action: string;
        }[];
        expect(still[0]!.action).not.toBe('x');
      }
      expect((await boss.api(`/resources/${resource}/actions/list`)).status).toBe(200);
    },
  );
});

describe('dashboard', () => {
  test("counts sellers, admins, banned, inactive, shops and this month's payments", async () => {
    await sql(
      h,
      `INSERT INTO payments (telegram_charge_id, provider_charge_id, amount, currency, payer_telegram_id, created_at)
       VALUES ('t1', 'p1', 10000, 'RUB', 1, now()), ('t2', 'p2', 5000, 'RUB', 1, now()),
              ('t3', 'p3', 7000, 'RUB', 1, now() - interval '40 days')`,
    );
    const expected = (await sql(
      h,
      `
      SELECT (SELECT count(*)::int FROM telegram_users WHERE role = 'seller') AS sellers,
             (SELECT count(*)::int FROM telegram_users WHERE role = 'admin') AS admins,
             (SELECT count(*)::int FROM telegram_users WHERE is_banned) AS banned,
             (SELECT count(*)::int FROM telegram_users WHERE NOT is_active) AS inactive,
             (SELECT count(*)::int FROM shops WHERE is_active) AS active_shops,
             (SELECT count(*)::int FROM shops WHERE NOT is_active) AS inactive_shops`,
    )) as Record<string, number>[];
    const reply = await clerk.api('/dashboard');
    const body = reply.json<{ counts: Record<string, number>; paymentsThisMonth: Json[] }>();
    const e = expected[0]!;
    expect(body.counts).toEqual({
      sellers: e.sellers,
      admins: e.admins,
      banned: e.banned,
      inactive: e.inactive,
      activeShops: e.active_shops,
      inactiveShops: e.inactive_shops,
    });
    expect(body.counts.sellers).toBeGreaterThan(0);
    expect(body.paymentsThisMonth).toEqual([{ currency: 'RUB', count: 2, sum: 15000 }]);
  });
});
