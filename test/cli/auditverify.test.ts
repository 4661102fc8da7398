import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditverify } from '../../src/cli/commands/auditverify.js';
import { createServices } from '../../src/services/index.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';
import { cliDeps } from './helpers.js';

describe('auditverify', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('says the log is intact, with its head, and exits 0; names the first broken row and exits 1', async () => {
    const c = cliDeps(db);
    expect(await auditverify(c.deps, [])).toBe(0);
    expect(c.out).toEqual(['The audit log is empty.']);

    const { audit } = createServices(db.dataSource, {
      subscription: { price: 1, currency: 'RUB', periodDays: 30, newUsersActive: true },
      login: { maxFailures: 5, windowMinutes: 15, wrongKeysPerMinute: 20, wrongKeysPerHour: 200 },
    });
    for (const n of [1, 2, 3]) {
      await audit.record({
        actorId: 1,
        actorUsername: 'boss',
        action: 'ban',
        resource: 'TelegramUser',
        recordId: String(n),
        before: { isBanned: false },
        after: { isBanned: true },
      });
    }
    const ok = cliDeps(db);
    expect(await auditverify(ok.deps, [])).toBe(0);
    const [{ hash }] = await sql<{ hash: string }>(db, 'SELECT hash FROM audit_log WHERE id = 3');
    expect(ok.out).toEqual([`The audit log is intact: 3 entries chained; the last is #3, hash ${hash}.`]);

    // Someone with the database role rewrites history behind the app's back.
    await sql(db, 'ALTER TABLE audit_log DISABLE TRIGGER USER');
    await sql(db, `UPDATE audit_log SET after = '{"isBanned": false}' WHERE id = 2`);
    await sql(db, 'ALTER TABLE audit_log ENABLE TRIGGER USER');
    const broken = cliDeps(db);
    expect(await auditverify(broken.deps, [])).toBe(1);
    expect(broken.out).toEqual([]);
    expect(broken.err).toEqual([
      'The audit log is broken at entry #2: hash mismatch: this row, or the one before it, was changed, inserted or removed.',
      '1 entry before it checks out.',
    ]);
  });

  it('takes no arguments', async () => {
    const c = cliDeps(db);
    expect(await auditverify(c.deps, ['extra'])).toBe(2);
  });
});
