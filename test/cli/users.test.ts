import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { addtogroup } from '../../src/cli/commands/addtogroup.js';
import { changepassword } from '../../src/cli/commands/changepassword.js';
import { createsuperuser } from '../../src/cli/commands/createsuperuser.js';
import { verifyPassword } from '../../src/services/secrets.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { cliDeps, resetData, scriptedPrompt, tablesContaining } from './helpers.js';
import { sql } from '../support/sql.js';

interface UserRow {
  id: number;
  username: string;
  email: string;
  password_hash: string;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
}

describe('staff user commands', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await resetData(db);
  });

  const user = async (username: string): Promise<UserRow | undefined> =>
    (await sql<UserRow>(db, `SELECT * FROM users WHERE username = $1`, [username]))[0];
  const userCount = async (): Promise<number> =>
    (await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM users`))[0].n;
  const groupsOf = async (username: string): Promise<string[]> =>
    (
      await sql<{ name: string }>(
        db,
        `SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id
         JOIN users u ON u.id = ug.user_id WHERE u.username = $1 ORDER BY g.name`,
        [username],
      )
    ).map((r) => r.name);

  describe('createsuperuser', () => {
    it('creates an active staff superuser from flags, storing only a bcrypt hash', async () => {
      const c = cliDeps(db);
      const code = await createsuperuser(c.deps, [
        '--username',
        'root',
        '--email',
        'root@example.com',
        '--password',
        'correct horse battery',
      ]);
      expect(code).toBe(0);
      expect(c.out).toEqual(['Superuser "root" created.']);
      expect(c.err).toEqual([]);
      const row = await user('root');
      expect(row).toMatchObject({
        email: 'root@example.com',
        is_active: true,
        is_staff: true,
        is_superuser: true,
      });
      expect(row!.password_hash).toMatch(/^\$2[aby]\$12\$/);
      expect(await verifyPassword('correct horse battery', row!.password_hash)).toBe(true);
      expect(await tablesContaining(db, 'correct horse battery')).toEqual([]);
      expect(c.printed()).not.toContain('correct horse battery');
      expect(await groupsOf('root')).toEqual([]);
    });

    it('takes the password from MARKET_BOT_SUPERUSER_PASSWORD with --no-input, and joins telegram_admins', async () => {
      const c = cliDeps(db, { env: { MARKET_BOT_SUPERUSER_PASSWORD: 's3cret-from-env' } });
      expect(await createsuperuser(c.deps, ['--no-input', '--username', 'ops', '--telegram-admin'])).toBe(0);
      expect(c.out).toEqual(['Superuser "ops" created.', 'Added "ops" to telegram_admins.']);
      expect(await verifyPassword('s3cret-from-env', (await user('ops'))!.password_hash)).toBe(true);
      expect(await groupsOf('ops')).toEqual(['telegram_admins']);
    });

    it('takes the username and email from the environment too with --no-input', async () => {
      const env = {
        MARKET_BOT_SUPERUSER_USERNAME: 'envuser',
        MARKET_BOT_SUPERUSER_EMAIL: 'env@example.com',
        MARKET_BOT_SUPERUSER_PASSWORD: 'long-enough-1',
      };
      const c = cliDeps(db, { env });
      expect(await createsuperuser(c.deps, ['--no-input'])).toBe(0);
      expect(await user('envuser')).toMatchObject({ email: 'env@example.com' });
    });

    it('refuses --no-input without a password in the environment', async () => {
      const c = cliDeps(db);
      expect(await createsuperuser(c.deps, ['--no-input', '--username', 'ops'])).toBe(1);
      expect(c.err).toEqual([
        'Error: set MARKET_BOT_SUPERUSER_PASSWORD (or pass --password) with --no-input.',
      ]);
      expect(await userCount()).toBe(0);
    });

    it('refuses --no-input without a username, as a usage error', async () => {
      const c = cliDeps(db, { env: { MARKET_BOT_SUPERUSER_PASSWORD: 'long-enough-1' } });
      expect(await createsuperuser(c.deps, ['--no-input'])).toBe(2);
      expect(c.err[0]).toMatch(/--username \(or MARKET_BOT_SUPERUSER_USERNAME\) is required/);
    });

    it.each([
      [
        'a short password',
        ['--username', 'root', '--password', 'short'],
        'Error: password: expected at least 8 characters',
      ],
      [
        'a username with a space',
        ['--username', 'bad user!', '--password', 'long-enough-1'],
        'Error: username: expected 1 to 150 characters: letters, digits and @ . + - _',
      ],
      [
        'a 151-character username',
        ['--username', 'x'.repeat(151), '--password', 'long-enough-1'],
        'Error: username: expected 1 to 150 characters: letters, digits and @ . + - _',
      ],
      [
        'a bad email',
        ['--username', 'root', '--email', 'not-an-email', '--password', 'long-enough-1'],
        'Error: email: expected an email address',
      ],
    ])('refuses %s, creating nobody', async (_label, args, message) => {
      const c = cliDeps(db);
      expect(await createsuperuser(c.deps, args)).toBe(1);
      expect(c.err).toEqual([message]);
      expect(c.out).toEqual([]);
      expect(await userCount()).toBe(0);
      expect(c.printed()).not.toContain(args[args.indexOf('--password') + 1]);
    });

    it('refuses a taken username and leaves the existing user alone', async () => {
      await createsuperuser(cliDeps(db).deps, ['--username', 'root', '--password', 'first-password']);
      const before = await user('root');
      const c = cliDeps(db);
      expect(await createsuperuser(c.deps, ['--username', 'root', '--password', 'second-password'])).toBe(1);
      expect(c.err).toEqual(['Error: the username "root" is already taken.']);
      expect(await user('root')).toEqual(before);
    });

    it('asks for everything when nothing is given, reading piped answers line by line', async () => {
      const prompt = scriptedPrompt(['alice', 'alice@example.com', 'piped-password', 'piped-password']);
      const c = cliDeps(db, { prompt });
      expect(await createsuperuser(c.deps, [])).toBe(0);
      expect(prompt.questions).toEqual(['Username: ', 'Email address: ', 'Password: ', 'Password (again): ']);
      expect(await user('alice')).toMatchObject({ email: 'alice@example.com', is_superuser: true });
      expect(await verifyPassword('piped-password', (await user('alice'))!.password_hash)).toBe(true);
      expect(c.printed()).not.toContain('piped-password');
    });

    it('asks only for what the flags left out', async () => {
      const prompt = scriptedPrompt(['', 'piped-password', 'piped-password']);
      const c = cliDeps(db, { prompt });
      expect(await createsuperuser(c.deps, ['--username', 'bob'])).toBe(0);
      expect(prompt.questions).toEqual(['Email address: ', 'Password: ', 'Password (again): ']);
      expect(await user('bob')).toMatchObject({ email: '' });
    });

    it('stops at the first bad piped answer, so later lines are not taken for other questions', async () => {
      const prompt = scriptedPrompt(['alice', '', 'piped-password', 'other-password']);
      const c = cliDeps(db, { prompt });
      expect(await createsuperuser(c.deps, [])).toBe(1);
      expect(c.err).toEqual(["Error: the two passwords don't match."]);
      expect(await userCount()).toBe(0);
    });

    it('asks a person at a terminal again after each bad answer', async () => {
      await createsuperuser(cliDeps(db).deps, ['--username', 'taken', '--password', 'long-enough-1']);
      const prompt = scriptedPrompt(
        [
          'bad name',
          'taken',
          'carol',
          'nope',
          'carol@example.com',
          'short',
          'good-password',
          'typo-password',
          'good-password',
          'good-password',
        ],
        true,
      );
      const c = cliDeps(db, { prompt });
      expect(await createsuperuser(c.deps, [])).toBe(0);
      expect(c.err).toEqual([
        'Error: username: expected 1 to 150 characters: letters, digits and @ . + - _',
        'Error: the username "taken" is already taken.',
        'Error: email: expected an email address',
        'Error: password: expected at least 8 characters',
        "Error: the two passwords don't match.",
      ]);
      expect(await verifyPassword('good-password', (await user('carol'))!.password_hash)).toBe(true);
    });

    it('aborts at the end of input', async () => {
      const c = cliDeps(db, { prompt: scriptedPrompt(['dave']) });
      expect(await createsuperuser(c.deps, [])).toBe(1);
      expect(c.err).toEqual(['Aborted: no answer.']);
      expect(await userCount()).toBe(0);
    });

    it('says what to pass when nobody can answer', async () => {
      const c = cliDeps(db);
      expect(await createsuperuser(c.deps, [])).toBe(1);
      expect(c.err[0]).toMatch(/^Nobody to ask: pass --username and --no-input/);
    });
  });

  describe('changepassword', () => {
    beforeEach(async () => {
      await createsuperuser(cliDeps(db).deps, ['--username', 'root', '--password', 'old-password']);
    });

    it('sets a new password from --password', async () => {
      const c = cliDeps(db);
      expect(await changepassword(c.deps, ['root', '--password', 'new-password'])).toBe(0);
      expect(c.out).toEqual(['Password changed for "root".']);
      const hash = (await user('root'))!.password_hash;
      expect(await verifyPassword('new-password', hash)).toBe(true);
      expect(await verifyPassword('old-password', hash)).toBe(false);
    });

    it('asks for the new password twice', async () => {
      const prompt = scriptedPrompt(['asked-password', 'asked-password']);
      const c = cliDeps(db, { prompt });
      expect(await changepassword(c.deps, ['root'])).toBe(0);
      expect(prompt.questions).toEqual(['Password: ', 'Password (again): ']);
      expect(await verifyPassword('asked-password', (await user('root'))!.password_hash)).toBe(true);
    });

    it('refuses an unknown user and a short password, changing nothing', async () => {
      const before = await user('root');
      const a = cliDeps(db);
      expect(await changepassword(a.deps, ['nobody', '--password', 'new-password'])).toBe(1);
      expect(a.err).toEqual(['Error: no user named "nobody".']);
      const b = cliDeps(db);
      expect(await changepassword(b.deps, ['root', '--password', 'short'])).toBe(1);
      expect(b.err).toEqual(['Error: password: expected at least 8 characters']);
      const c = cliDeps(db);
      expect(await changepassword(c.deps, [])).toBe(2);
      expect(c.err[0]).toBe('Missing argument: USERNAME.');
      expect(await user('root')).toEqual(before);
    });
  });

  describe('addtogroup', () => {
    beforeEach(async () => {
      await createsuperuser(cliDeps(db).deps, ['--username', 'root', '--password', 'old-password']);
    });

    it('adds a user to a group, and says so once when repeated', async () => {
      const a = cliDeps(db);
      expect(await addtogroup(a.deps, ['root', 'telegram_admins'])).toBe(0);
      expect(a.out).toEqual(['Added "root" to "telegram_admins".']);
      const b = cliDeps(db);
      expect(await addtogroup(b.deps, ['root', 'telegram_admins'])).toBe(0);
      expect(b.out).toEqual(['"root" is already in "telegram_admins".']);
      expect(await groupsOf('root')).toEqual(['telegram_admins']);
      const [{ n }] = await sql(db, `SELECT count(*)::int AS n FROM user_groups`);
      expect(n).toBe(1);
    });

    it('names what does not exist', async () => {
      const a = cliDeps(db);
      expect(await addtogroup(a.deps, ['nobody', 'telegram_admins'])).toBe(1);
      expect(a.err).toEqual(['Error: no user named "nobody".']);
      const b = cliDeps(db);
      expect(await addtogroup(b.deps, ['root', 'editors'])).toBe(1);
      expect(b.err).toEqual(['Error: no group named "editors".']);
      const c = cliDeps(db);
      expect(await addtogroup(c.deps, ['nobody', 'editors'])).toBe(1);
      expect(c.err).toEqual(['Error: no user named "nobody" and no group named "editors".']);
      const d = cliDeps(db);
      expect(await addtogroup(d.deps, ['root'])).toBe(2);
      expect(d.err[0]).toBe('Missing argument: GROUP.');
      expect(await groupsOf('root')).toEqual([]);
      const [{ n }] = await sql(db, `SELECT count(*)::int AS n FROM groups WHERE name = 'editors'`);
      expect(n).toBe(0);
    });
  });
});
