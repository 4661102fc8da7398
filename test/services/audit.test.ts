import { createHash } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServices, type AuditEntry } from '../../src/services/index.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';
import { testOptions } from './fixtures.js';

/**
 * The audit log is append-only in the database (no UPDATE, DELETE or TRUNCATE), and tamper-evident:
 * each row carries an HMAC chained over the previous row's, with a key the database doesn't hold.
 * Each test gets a fresh database: the log can't be emptied, by design.
 */
let db: Database;
beforeEach(async () => {
  await db?.close();
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const services = (auditKey = 'k'.repeat(32)) => createServices(db.dataSource, { ...testOptions, auditKey });

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  actorId: 1,
  actorUsername: 'boss',
  action: 'edit',
  resource: 'Shop',
  recordId: String(n),
  before: { name: `Shop ${n}`, nested: { b: 2, a: [1, 'x', null], price: 0.1 } },
  after: { name: `Shop ${n}!`, when: new Date('2026-01-02T03:04:05.678Z') },
  ...extra,
});

async function ids(): Promise<number[]> {
  return (await sql<{ id: number }>(db, 'SELECT id FROM audit_log ORDER BY id')).map((r) => r.id);
}

/** What someone with the app's database role could do once they disable the guard triggers. */
async function asTableOwner(statement: string, params: unknown[] = []) {
  await sql(db, 'ALTER TABLE audit_log DISABLE TRIGGER USER');
  try {
    await sql(db, statement, params);
  } finally {
    await sql(db, 'ALTER TABLE audit_log ENABLE TRIGGER USER');
  }
}

describe('the audit chain', () => {
  it('verifies an intact log, and the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const s = services();
    expect(await s.audit.verify()).toMatchObject({ ok: true, checked: 0, head: null });
    for (let n = 1; n <= 5; n++) await s.audit.record(entry(n));
    await s.audit.record(entry(6, { actorId: null, recordId: null, before: null, after: null }));
    const result = await s.audit.verify();
    expect(result).toMatchObject({ ok: true, checked: 6, unchained: 0 });
    expect(result.head).toMatchObject({ id: 6, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await expect(sql(db, `UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(sql(db, `DELETE FROM audit_log WHERE id = 3`)).rejects.toThrow(/append-only/);
    await expect(sql(db, `TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    expect(await ids()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stays one chain under concurrent inserts', async () => {
    const a = services();
    const b = services();
    await Promise.all(Array.from({ length: 40 }, (_, n) => (n % 2 ? a : b).audit.record(entry(n))));
    expect(await a.audit.verify()).toMatchObject({ ok: true, checked: 40 });
  });

  it('names the first forged row: inserted by SQL with a plain (unkeyed) chained hash', async () => {
    const s = services();
    for (let n = 1; n <= 3; n++) await s.audit.record(entry(n));
    const [{ hash: prev }] = await sql<{ hash: string }>(db, 'SELECT hash FROM audit_log WHERE id = 3');
    const forged = createHash('sha256').update(`${prev}forged`).digest('hex');
    await sql(
      db,
      `INSERT INTO audit_log (actor_username, action, resource, hash) VALUES ('ghost', 'edit', 'Shop', $1)`,
      [forged],
    );
    await s.audit.record(entry(5));
    expect(await s.audit.verify()).toMatchObject({ ok: false, broken: { id: 4 } });
    // Without a hash at all, the database refuses the row.
    await expect(
      sql(db, `INSERT INTO audit_log (actor_username, action, resource) VALUES ('ghost', 'edit', 'Shop')`),
    ).rejects.toThrow(/hash/);
  });

  it('names the first broken row after an edit or a deletion in the middle', async () => {
    const s = services();
    for (let n = 1; n <= 5; n++) await s.audit.record(entry(n));
    await asTableOwner(`UPDATE audit_log SET after = '{"name":"rewritten"}' WHERE id = 2`);
    expect(await s.audit.verify()).toMatchObject({ ok: false, broken: { id: 2 } });
    await asTableOwner(`DELETE FROM audit_log WHERE id = 2`);
    expect(await s.audit.verify()).toMatchObject({ ok: false, broken: { id: 3 } });
  });

  it('a different key does not verify the chain (the key is what makes forging hard)', async () => {
    await services('a'.repeat(32)).audit.record(entry(1));
    expect(await services('b'.repeat(32)).audit.verify()).toMatchObject({ ok: false, broken: { id: 1 } });
  });

  it('rows from before the chain began are counted as unchained, not as broken', async () => {
    await asTableOwner(
      `INSERT INTO audit_log (actor_username, action, resource) VALUES ('old', 'edit', 'Shop')`,
    );
    const s = services();
    await s.audit.record(entry(2));
    expect(await s.audit.verify()).toMatchObject({ ok: true, checked: 1, unchained: 1 });
    // But a row without a hash after the chain began breaks it.
    await asTableOwner(
      `INSERT INTO audit_log (actor_username, action, resource) VALUES ('new', 'edit', 'Shop')`,
    );
    expect(await s.audit.verify()).toMatchObject({ ok: false, broken: { id: 3 } });
  });
});
