import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { changepassword } from '../../src/cli/commands/changepassword.js';
import { createshop } from '../../src/cli/commands/createshop.js';
import { createsuperuser } from '../../src/cli/commands/createsuperuser.js';
import { isDomainError } from '../../src/services/index.js';
import { createStaff, HttpClient, loggedIn, startHarness, type Harness } from '../admin/support.js';
import { cliDeps } from '../cli/helpers.js';

/**
 * One rule set: the same bad value is refused by the CLI, by the panel (over HTTP) and by the
 * services with the same sentence.
 */
let h: Harness;
let boss: HttpClient;

beforeAll(async () => {
  h = await startHarness();
  await createStaff(h, { username: 'boss', isSuperuser: true });
  await h.services.staff.createUser({ username: 'existing', password: 'long enough 1', isStaff: true });
  boss = await loggedIn(h, 'boss');
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const SHORT_PASSWORD = 'seven77'; // 7 characters
const LONG_PASSWORD = `${'я'.repeat(36)}a`; // 37 characters, 73 bytes: bcrypt would cut it
const USERNAME_RULE = 'username: expected 1 to 150 characters: letters, digits and @ . + - _';

/** "Error: <sentence>" as the CLI prints it, or what it printed when it was not refused. */
async function viaCli(command: typeof createsuperuser, args: string[]): Promise<string | undefined> {
  const c = cliDeps(h.db);
  const code = await command(c.deps, args);
  if (code === 0) return undefined;
  expect(code).toBe(1);
  expect(c.err).toHaveLength(1);
  return c.err[0]!.replace(/^Error: /, '');
}

/** The notice of a panel form; the field's own error says the same. */
async function viaPanel(path: string, json: Record<string, string>, field?: string): Promise<string> {
  const reply = await boss.api(path, { json });
  const body = reply.json<{
    notice: { type: string; message: string };
    record: { errors?: Record<string, { message: string }> };
  }>();
  expect(body.notice.type).toBe('error');
  if (field) expect(body.record.errors?.[field]?.message).toBe(body.notice.message);
  return body.notice.message;
}

async function viaServices(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (e) {
    if (isDomainError(e, 'invalid')) return e.message;
    throw e;
  }
  throw new Error('the services accepted it');
}

const staffCases: [string, { username: string; email: string; password: string }, string][] = [
  [
    'a password of 7 characters',
    { username: 'seven', email: '', password: SHORT_PASSWORD },
    'password: expected at least 8 characters',
  ],
  [
    'a password of 73 bytes in Cyrillic letters',
    { username: 'cyrillic', email: '', password: LONG_PASSWORD },
    'password: expected at most 72 bytes (bcrypt ignores the rest)',
  ],
  ['a username with a space', { username: 'bad name', email: '', password: 'long enough 1' }, USERNAME_RULE],
  [
    'a bad email',
    { username: 'mailer', email: 'not-an-email', password: 'long enough 1' },
    'email: expected an email address',
  ],
];

describe('staff accounts', () => {
  it.each(staffCases)('%s: the same refusal everywhere', async (_, input, sentence) => {
    const cli = await viaCli(createsuperuser, [
      '--username',
      input.username,
      '--email',
      input.email,
      '--password',
      input.password,
    ]);
    const field = Object.entries({ username: 'username', email: 'email', password: 'password' }).find(
      ([, f]) => sentence.startsWith(`${f}:`),
    )![0];
    const panel = await viaPanel('/resources/User/actions/new', { ...input, isStaff: 'true' }, field);
    const services = await viaServices(() => h.services.staff.createUser(input));
    expect({ cli, panel, services }).toEqual({ cli: sentence, panel: sentence, services: sentence });
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE username = $1`, [
      input.username,
    ]);
    expect(n).toBe(0);
  });

  it.each([
    ['7 characters', SHORT_PASSWORD, 'password: expected at least 8 characters'],
    ['73 bytes', LONG_PASSWORD, 'password: expected at most 72 bytes (bcrypt ignores the rest)'],
  ])('a new password of %s is refused alike', async (_, password, sentence) => {
    const [{ id }] = await h.db.dataSource.query(`SELECT id FROM users WHERE username = 'existing'`);
    const cli = await viaCli(changepassword, ['existing', '--password', password]);
    const panel = await viaPanel(
      `/resources/User/records/${id}/edit`,
      { username: 'existing', password },
      'password',
    );
    const services = await viaServices(() => h.services.staff.setPassword('existing', password));
    expect({ cli, panel, services }).toEqual({ cli: sentence, panel: sentence, services: sentence });
  });
});

describe('shops', () => {
  const shop = { name: 'Rules', clientId: 'c1', vendorName: 'Vendor' };
  const shopCases: [string, { slug?: string; apiKey?: string }, string][] = [
    [
      'a slug with spaces',
      { slug: 'bad slug' },
      'slug: expected lowercase latin letters and digits, separated by single hyphens or underscores',
    ],
    [
      'a slug with a capital letter',
      { slug: 'Rules' },
      'slug: expected lowercase latin letters and digits, separated by single hyphens or underscores',
    ],
    ['an API key of 15 characters', { apiKey: 'k'.repeat(15) }, 'API key: expected at least 16 characters'],
    ['an API key with a space', { apiKey: 'sixteen chars ok!' }, 'API key: expected no spaces'],
  ];

  it.each(shopCases)('%s: the same refusal everywhere', async (_, extra, sentence) => {
    const flags = [
      ...['--name', shop.name, '--vendor', shop.vendorName, '--client-id', shop.clientId],
      ...(extra.slug === undefined ? [] : ['--slug', extra.slug]),
      ...(extra.apiKey === undefined ? [] : ['--api-key', extra.apiKey]),
    ];
    const cli = await viaCli(createshop, flags);
    const panel = await viaPanel('/resources/Shop/actions/new', { ...shop, ...extra });
    const services = await viaServices(() => h.services.shops.create({ ...shop, ...extra }));
    expect({ cli, panel, services }).toEqual({ cli: sentence, panel: sentence, services: sentence });
    const [{ n }] = await h.db.dataSource.query(`SELECT count(*)::int AS n FROM shops`);
    expect(n).toBe(0);
  });

  it('a slug with an underscore is accepted everywhere (the services have always allowed it)', async () => {
    expect(
      await viaCli(createshop, ['--name', 'A', '--vendor', 'V', '--client-id', '1', '--slug', 'cli_shop']),
    ).toBe(undefined);
    const panel = await boss.api('/resources/Shop/actions/new', { json: { ...shop, slug: 'panel_shop' } });
    expect(panel.json<{ notice: { type: string } }>().notice.type).toBe('success');
    await h.services.shops.create({ ...shop, slug: 'services_shop' });
    const rows: { slug: string }[] = await h.db.dataSource.query(`SELECT slug FROM shops ORDER BY slug`);
    expect(rows.map((r) => r.slug)).toEqual(['cli_shop', 'panel_shop', 'services_shop']);
  });
});
