import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pendingSchemaChanges, runMigrations } from '../../src/db/data-source.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';

describe('migrations', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db.close();
  });

  it('build the schema the entities describe, with nothing left to generate', async () => {
    const ran = await runMigrations(db.dataSource);
    expect(ran.length).toBe(db.dataSource.migrations.length);
    expect(await pendingSchemaChanges(db.dataSource)).toEqual([]);
    const [{ count }] = await sql(db, `SELECT count(*) FROM groups WHERE name = 'telegram_admins'`);
    expect(count).toBe(1);
  });

  it('queue a notice in the same transaction when a ban flag changes, by plain SQL too', async () => {
    await sql(
      db,
      `INSERT INTO telegram_users (telegram_id, chat_id, role) VALUES (7000000001, 7000000001, 'seller')`,
    );
    await sql(db, `UPDATE telegram_users SET first_name = 'x'`);
    await sql(db, `UPDATE telegram_users SET is_banned = true`);
    await sql(db, `UPDATE telegram_users SET is_banned = true`);
    await db.dataSource.transaction(async (em) => {
      await em.query(`UPDATE telegram_users SET is_banned = false`);
    });
    await expect(
      db.dataSource.transaction(async (em) => {
        await em.query(`UPDATE telegram_users SET is_banned = true`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const rows = await sql(db, `SELECT kind, chat_id FROM notifications ORDER BY id`);
    expect(rows).toEqual([
      { kind: 'ban', chat_id: 7000000001 },
      { kind: 'unban', chat_id: 7000000001 },
    ]);
  });

  it('keep the audit log append-only: no UPDATE, DELETE or TRUNCATE', async () => {
    await sql(
      db,
      `INSERT INTO audit_log (actor_username, action, resource, hash) VALUES ('root', 'edit', 'Shop', repeat('0', 64))`,
    );
    await expect(sql(db, `UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(sql(db, `DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(sql(db, `TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    await expect(sql(db, `TRUNCATE audit_log, users CASCADE`)).rejects.toThrow(/append-only/);
    expect(await sql(db, `SELECT action FROM audit_log`)).toEqual([{ action: 'edit' }]);
  });

  it('refuse to delete a shop that still has storages', async () => {
    const [{ id }] = await sql(
      db,
      `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name)
       VALUES ('A', 'a', repeat('0', 64), 'ab', '1', 'V') RETURNING id`,
    );
    await sql(db, `INSERT INTO storages (name, ozon_id, shop_id) VALUES ('S', '1', $1)`, [id]);
    await expect(sql(db, `DELETE FROM shops WHERE id = $1`, [id])).rejects.toThrow(/foreign key/);
  });

  it('roll back down to an empty schema', async () => {
    await sql(db, `DELETE FROM storages`);
    for (let i = 0; i < db.dataSource.migrations.length; i++) await db.dataSource.undoLastMigration();
    const tables = await sql(
      db,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(tables).toEqual([{ tablename: 'migrations' }]);
  });
});
