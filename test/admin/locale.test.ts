/**
 * The panel in Russian and English, and dates in each staff member's time zone, over HTTP: the
 * language comes from the account's choice ("My account"), else from the browser's Accept-Language;
 * server-made notices speak it; dates of lists, records and the dashboard are in the account's time
 * zone, else PANEL_TIME_ZONE (Europe/Moscow by default). The catalogues have the same keys.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { en } from '../../src/admin/locale/en.js';
import { ru } from '../../src/admin/locale/ru.js';
import { languageFromHeader } from '../../src/admin/locale/index.js';
import {
  auditRows,
  createStaff,
  createTelegramUser,
  HttpClient,
  PASSWORD,
  startHarness,
  type Harness,
} from './support.js';
import { sql } from '../support/sql.js';

/** A browser whose Accept-Language is `language` on every request. */
class Browser extends HttpClient {
  constructor(
    base: string,
    readonly language: string,
  ) {
    super(base);
  }

  override request(pathname: string, init: Parameters<HttpClient['request']>[1] = {}) {
    return super.request(pathname, {
      ...init,
      headers: { 'accept-language': this.language, ...init.headers },
    });
  }
}

async function browserIn(h: Harness, language: string, username: string): Promise<Browser> {
  const b = new Browser(h.base, language);
  const reply = await b.login(username, PASSWORD);
  if (reply.status !== 302) throw new Error(`login failed: ${reply.status}`);
  return b;
}

/** The locale AdminJS was given for a page (window.REDUX_STATE). */
function pageLocale(html: string): { language: string; translations: Record<string, unknown> } {
  const state = /window\.REDUX_STATE = (.*);\n/.exec(html)?.[1];
  if (!state) throw new Error('no REDUX_STATE in the page');
  return (JSON.parse(state) as { locale: { language: string; translations: Record<string, unknown> } })
    .locale;
}

/** Every path to a leaf of a catalogue, with the leaf's kind. */
function leaves(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string' || typeof value === 'function') return [`${prefix}:${typeof value}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    leaves(v, prefix ? `${prefix}.${k}` : k),
  );
}

describe('the catalogues', () => {
  test('Russian and English have the same keys (tsc checks it too)', () => {
    expect(leaves(ru).sort()).toEqual(leaves(en).sort());
  });

  test("the browser's language is the first one it asks for that the panel speaks", () => {
    expect(languageFromHeader('ru-RU,ru;q=0.9,en-US;q=0.8')).toBe('ru');
    expect(languageFromHeader('de-DE,de;q=0.9,en;q=0.5,ru;q=0.4')).toBe('en');
    expect(languageFromHeader('de;q=0.9,ru;q=0.8')).toBe('ru');
    expect(languageFromHeader('en;q=0.1,ru')).toBe('ru');
    expect(languageFromHeader('de')).toBe('en');
    expect(languageFromHeader(undefined)).toBe('en');
    expect(languageFromHeader('ru;q=0')).toBe('en');
  });
});

describe('the panel in a language', () => {
  let h: Harness;
  let staffId: number;

  beforeAll(async () => {
    h = await startHarness();
    staffId = (await createStaff(h, { username: 'olga' })).id;
    await createStaff(h, { username: 'john' });
  }, 120_000);

  afterAll(async () => h?.close());

  test("the login page is in the browser's language", async () => {
    const inRussian = await new Browser(h.base, 'ru-RU,ru;q=0.9').request('/admin/login');
    expect(inRussian.status).toBe(200);
    expect(pageLocale(inRussian.text).language).toBe('ru');
    expect(inRussian.text).toContain('<html lang=ru>');
    expect(inRussian.text).toContain(ru.adminjs.components.Login.properties.email);
    expect(inRussian.text).not.toContain(en.adminjs.components.Login.welcomeMessage);

    const inEnglish = await new Browser(h.base, 'en-GB,en;q=0.9').request('/admin/login');
    expect(pageLocale(inEnglish.text).language).toBe('en');
    expect(inEnglish.text).toContain(en.adminjs.components.Login.welcomeMessage);
    expect(inEnglish.text).not.toContain(ru.adminjs.components.Login.welcomeMessage);

    // A wrong password: the page says so in the browser's language.
    const failed = await new Browser(h.base, 'ru').login('olga', 'wrong password!');
    expect(failed.status).toBe(401);
    expect(pageLocale(failed.text).language).toBe('ru');
    expect(failed.text).toContain(ru.adminjs.messages.invalidCredentials);
  });

  test("logged in, the panel follows the browser's language until the account chooses one", async () => {
    const olga = await browserIn(h, 'ru-RU,ru;q=0.9', 'olga');
    let page = await olga.request('/admin');
    expect(page.status).toBe(200);
    expect(pageLocale(page.text).language).toBe('ru');

    // The account chooses English: every page is English, whatever the browser says.
    const saved = await olga.api('/pages/account', { json: { language: 'en', timeZone: '' } });
    expect(saved.status).toBe(200);
    expect(saved.json()).toMatchObject({ chosenLanguage: 'en', chosenTimeZone: null });
    const [row] = (await sql(h, 'SELECT panel_language, panel_time_zone FROM users WHERE id = $1', [
      staffId,
    ])) as { panel_language: string | null; panel_time_zone: string | null }[];
    expect(row).toEqual({ panel_language: 'en', panel_time_zone: null });
    page = await olga.request('/admin/resources/TelegramUser');
    expect(pageLocale(page.text).language).toBe('en');

    // It holds in another session and another browser.
    const elsewhere = await browserIn(h, 'ru', 'olga');
    expect(pageLocale((await elsewhere.request('/admin')).text).language).toBe('en');

    // Back to "the browser's language".
    await olga.api('/pages/account', { json: { language: '', timeZone: '' } });
    expect(pageLocale((await olga.request('/admin')).text).language).toBe('ru');
  });

  test('a bad choice is refused with a sentence and changes nothing', async () => {
    const john = await browserIn(h, 'en', 'john');
    await john.api('/pages/account', { json: { language: 'ru', timeZone: 'Asia/Tokyo' } });
    for (const bad of [
      { language: 'de', timeZone: 'Asia/Tokyo' },
      { language: 'ru', timeZone: 'Mars/Olympus' },
    ]) {
      const reply = await john.api('/pages/account', { json: bad });
      expect(reply.status).toBe(200);
      const body = reply.json<{ notice: { type: string; message: string }; chosenTimeZone: string }>();
      expect(body.notice.type).toBe('error');
      expect(body.notice.message).toMatch(/^(language: expected ru or en|time zone: expected a time zone)/);
      expect(body.chosenTimeZone).toBe('Asia/Tokyo');
    }
    const rows = await sql(h, `SELECT panel_language, panel_time_zone FROM users WHERE username = 'john'`);
    expect(rows).toEqual([{ panel_language: 'ru', panel_time_zone: 'Asia/Tokyo' }]);
  });

  test("notices of the panel's own actions are in the staff member's language; the audit log keeps raw names", async () => {
    const olga = await browserIn(h, 'ru', 'olga');
    const john = await browserIn(h, 'en', 'john');
    await john.api('/pages/account', { json: { language: 'en', timeZone: '' } });
    const a = await createTelegramUser(h);
    const b = await createTelegramUser(h);

    const inRussian = await olga.api(`/resources/TelegramUser/records/${a.id}/ban`, { json: {} });
    expect(inRussian.json<{ notice: { message: string } }>().notice.message).toBe(
      'Заблокировано 1 из 1 пользователя; каждому отправлено уведомление',
    );
    const inEnglish = await john.api(`/resources/TelegramUser/records/${b.id}/ban`, { json: {} });
    expect(inEnglish.json<{ notice: { message: string } }>().notice.message).toBe(
      'Banned 1 of 1 user; each is sent the ban notice',
    );
    expect((await auditRows(h, 'ban')).map((r) => [r.action, r.resource])).toEqual([
      ['ban', 'TelegramUser'],
      ['ban', 'TelegramUser'],
    ]);
  });
});

describe('dates in the staff member’s time zone', () => {
  let h: Harness;
  let shopId: number;

  beforeAll(async () => {
    h = await startHarness();
    await createStaff(h, { username: 'vera' });
    const { shop } = await h.services.shops.create({ name: 'Clock Shop', clientId: 'c-1', vendorName: 'V' });
    shopId = shop.id;
    // 21:30 UTC on 15 January: already the 16th in Moscow (UTC+3) and Vladivostok (UTC+10).
    await sql(h, `UPDATE shops SET created_at = '2026-01-15T21:30:00Z' WHERE id = $1`, [shopId]);
  }, 120_000);

  afterAll(async () => h?.close());

  type Listed = {
    records: { id: string; params: Record<string, unknown>; localTimes?: Record<string, string> }[];
  };
  type Shown = { record: { params: Record<string, unknown>; localTimes?: Record<string, string> } };

  const localCreatedAt = async (client: HttpClient) => {
    const list = (await client.api('/resources/Shop/actions/list')).json<Listed>();
    const listed = list.records.find((r) => String(r.id) === String(shopId))!;
    const shown = (await client.api(`/resources/Shop/records/${shopId}/show`)).json<Shown>();
    expect(shown.record.localTimes?.createdAt).toBe(listed.localTimes?.createdAt);
    // The stored value stays as it is, for forms and filters.
    expect(new Date(String(listed.params.createdAt)).toISOString()).toBe('2026-01-15T21:30:00.000Z');
    return listed.localTimes?.createdAt;
  };

  test('PANEL_TIME_ZONE (Europe/Moscow) for accounts that have not chosen, in their language', async () => {
    expect(h.config.panelTimeZone).toBe('Europe/Moscow');
    const inRussian = await browserIn(h, 'ru', 'vera');
    expect(await localCreatedAt(inRussian)).toBe('16.01.2026, 00:30');
    const inEnglish = await browserIn(h, 'en', 'vera');
    expect(await localCreatedAt(inEnglish)).toBe('16/01/2026, 00:30');
  });

  test("the account's own time zone, in lists, records and the dashboard", async () => {
    const vera = await browserIn(h, 'ru', 'vera');
    const saved = await vera.api('/pages/account', {
      json: { language: 'ru', timeZone: 'Asia/Vladivostok' },
    });
    expect(saved.json()).toMatchObject({
      chosenTimeZone: 'Asia/Vladivostok',
      defaultTimeZone: 'Europe/Moscow',
    });
    expect(await localCreatedAt(vera)).toBe('16.01.2026, 07:30');

    const dashboard = (await vera.api('/dashboard')).json<{ timeZone: string; readAt: string }>();
    expect(dashboard.timeZone).toBe('Asia/Vladivostok');
    const expected = new Intl.DateTimeFormat('ru-RU', {
      timeZone: 'Asia/Vladivostok',
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(new Date());
    expect(dashboard.readAt).toMatch(new RegExp(`^\\d\\d\\.\\d\\d\\.\\d{4}, ${expected}:\\d\\d$`));

    await vera.api('/pages/account', { json: { language: 'ru', timeZone: 'UTC' } });
    expect(await localCreatedAt(vera)).toBe('15.01.2026, 21:30');
  });
});
