import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyPassword } from '../../src/services/secrets.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The real entry point in a child process. Asynchronous on purpose: the embedded test database is served
 * by this process, which must keep answering while the child talks to it.
 */
function cli(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DEBUG: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('the cli entry point (child process)', () => {
  let db: Database;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await db.close();
  });

  it('prints the usage and exits 2 for an unknown command, without touching the database', async () => {
    const r = await cli(['frobnicate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Unknown command "frobnicate"\.\n[\s\S]*Usage: npm run cli -- <command>/);
    expect(r.stderr).toMatch(/ {2}loaddata /);
  }, 60_000);

  it('prints the usage and exits 0 for help', async () => {
    const r = await cli(['help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run cli/);
  }, 60_000);

  it('exits 1 naming the variable, without a stack, when the configuration is bad', async () => {
    const r = await cli(['migrate'], { ...env, PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Invalid configuration:\n  PORT: expected a whole number from 0 to 65535, got "eighty"\n',
    );
    expect(r.stdout).toBe('');
  }, 60_000);

  it('runs a command against DATABASE_URL and exits 0', async () => {
    const r = await cli(['migrate'], env);
    expect(r).toEqual({ code: 0, stdout: 'No migrations to apply.\n', stderr: '' });
  }, 60_000);

  it('creates a superuser from answers piped to stdin, then refuses the same name with exit 1', async () => {
    const answers = 'piped\npiped@example.com\npiped-secret-1\npiped-secret-1\n';
    const r = await cli(['createsuperuser'], env, answers);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Superuser "piped" created.');
    expect(r.stdout).not.toContain('piped-secret-1');
    const [row] = await sql<{ password_hash: string }>(db, `SELECT * FROM users WHERE username = 'piped'`);
    expect(row).toMatchObject({ email: 'piped@example.com', is_staff: true, is_superuser: true });
    expect(await verifyPassword('piped-secret-1', row.password_hash)).toBe(true);

    const again = await cli(['createsuperuser', '--username', 'piped', '--no-input'], {
      ...env,
      MARKET_BOT_SUPERUSER_PASSWORD: 'whatever-123',
    });
    expect(again).toEqual({ code: 1, stdout: '', stderr: 'Error: the username "piped" is already taken.\n' });
  }, 60_000);

  it('exits 2 with the usage of the command for a bad flag', async () => {
    const r = await cli(['loaddata', '--force', 'fixtures/demo.json'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--force'[\s\S]*Usage: loaddata FILE\.json/);
  }, 60_000);

  it('on a database never migrated, says so and names the command before asking anything', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const freshEnv = { DATABASE_URL: fresh.url };
      const sentence = 'Error: the database has not been migrated yet; run "npm run migrate" first.\n';
      const asked = await cli(['createsuperuser'], freshEnv, 'someone\n');
      expect(asked).toEqual({ code: 1, stdout: '', stderr: sentence });
      expect(await cli(['ban', '7000000001'], freshEnv)).toEqual({ code: 1, stdout: '', stderr: sentence });
      // The commands that make or show the schema still run.
      const shown = await cli(['showmigrations'], freshEnv);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^ \[ \] /);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
