import 'reflect-metadata';
import fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { openDatabase, runMigrations, type Database } from '../../src/db/data-source.js';
import { onServer, sql } from './sql.js';
import { emptyTemplate, templatePath } from './template-path.js';

export type { Database };

/** Which database the suite runs against: PostgreSQL when TEST_DATABASE_URL is set, else embedded. */
export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh, migrated database for one test file: its own PostgreSQL database (dropped on close) or
 * its own embedded PGlite started from the migrated template. Test files never share state.
 */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<Database> {
  const migrate = opts.migrate ?? true;
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `mbtest_${process.pid}_${randomBytes(4).toString('hex')}`;
    await onServer(`CREATE DATABASE ${name}`, [], serverUrl);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const db = await openDatabase({ databaseUrl: url.toString() });
    if (migrate) await runMigrations(db.dataSource);
    return {
      ...db,
      async close() {
        await db.close();
        await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, [], serverUrl);
      },
    };
  }
  const template = await fs.readFile(migrate ? templatePath() : emptyTemplate(templatePath()));
  return openDatabase({ loadDataDir: new Blob([template]) });
}

/** Empties every table but the seeded group, for tests that share one database across cases. */
export async function truncateAll(db: Database): Promise<void> {
  await sql(
    db,
    `TRUNCATE support_channels, support_daily_counts, shop_links, storages, payments, shops, telegram_users, user_groups, users,
              bot_sessions, notifications, login_failures, admin_sessions, tg_inbox, tg_processed RESTART IDENTITY CASCADE`,
  );
}
