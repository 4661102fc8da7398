import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrate } from '../../src/cli/commands/migrate.js';
import { showmigrations } from '../../src/cli/commands/showmigrations.js';
import { openScratchDatabase } from '../../src/db/scratch.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { cliDeps } from './helpers.js';
import { sql } from '../support/sql.js';

describe('migrate and showmigrations', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db.close();
  });

  const names = () => db.dataSource.migrations.map((m) => m.name ?? m.constructor.name);

  it('show every migration as not applied on an empty database', async () => {
    const c = cliDeps(db);
    expect(await showmigrations(c.deps, [])).toBe(0);
    expect(c.out).toEqual(names().map((n) => ` [ ] ${n}`));
  });

  it('check an unmigrated database against a scratch one, leaving it unmigrated', async () => {
    const c = cliDeps(db, { scratchDatabase: () => openScratchDatabase(db) });
    expect(await migrate(c.deps, ['--check'])).toBe(0);
    expect(c.out.join('\n')).toMatch(/checking against a scratch database/);
    expect(c.out.at(-1)).toBe('The entities and the migrations agree: no changes to generate.');
    const [{ exists }] = await sql(db, `SELECT to_regclass('shops') IS NOT NULL AS exists`);
    expect(exists).toBe(false);
  });

  it('apply every migration on an empty database and name each one', async () => {
    const c = cliDeps(db);
    expect(await migrate(c.deps, [])).toBe(0);
    expect(c.out).toEqual([`Applying ${names().length} migrations:`, ...names().map((n) => `  ${n} ... OK`)]);
    expect(c.err).toEqual([]);
  });

  it('have nothing to apply the second time', async () => {
    const c = cliDeps(db);
    expect(await migrate(c.deps, [])).toBe(0);
    expect(c.out).toEqual(['No migrations to apply.']);
    const s = cliDeps(db);
    await showmigrations(s.deps, []);
    expect(s.out).toEqual(names().map((n) => ` [X] ${n}`));
  });

  it('pass the drift check when the entities and migrations agree', async () => {
    const c = cliDeps(db);
    expect(await migrate(c.deps, ['--check'])).toBe(0);
    expect(c.out).toEqual(['The entities and the migrations agree: no changes to generate.']);
  });

  it('fail the drift check with the SQL to generate when the schema lacks what an entity has', async () => {
    await sql(db, `ALTER TABLE shops DROP COLUMN update_prices`);
    try {
      const c = cliDeps(db);
      expect(await migrate(c.deps, ['--check'])).toBe(1);
      expect(c.err[0]).toMatch(/changes the migrations lack/);
      expect(c.err.join('\n')).toMatch(/ALTER TABLE "shops" ADD "update_prices" boolean/);
    } finally {
      await sql(db, `ALTER TABLE shops ADD update_prices boolean NOT NULL DEFAULT false`);
    }
  });

  it('refuse unknown flags and arguments with the usage, exit code 2', async () => {
    const c = cliDeps(db);
    expect(await migrate(c.deps, ['--fake'])).toBe(2);
    expect(c.err.join('\n')).toMatch(/Unknown option '--fake'[\s\S]*Usage: migrate/);
    const d = cliDeps(db);
    expect(await migrate(d.deps, ['extra'])).toBe(2);
    expect(d.err[0]).toBe('Unexpected argument: extra.');
  });
});
