import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AdvisorySession, LOCK_SPACE } from '../../src/db/advisory.js';
import { createTestDatabase, type Database } from '../support/db.js';

type PgClient = { query: (...args: unknown[]) => unknown };

/**
 * The advisory-lock connection is asked from several places at once (a worker's round, a partition
 * given back, a health check): its statements must go one after another, not pile onto a busy pg
 * client (a warning in pg 8: "Calling client.query() when the client is already executing a query";
 * refused by pg 9).
 */
describe('advisory locks on a connection of their own', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  it('answers statements asked at the same moment one after another, never two on the pg client at once', async () => {
    const session = await AdvisorySession.open(db.dataSource);
    // The pg client under the session: how many of its queries are in flight at most.
    const client = (session as unknown as { runner: { databaseConnection: PgClient } }).runner
      .databaseConnection;
    const query = client.query.bind(client);
    let inFlight = 0;
    let most = 0;
    client.query = ((...args: unknown[]) => {
      most = Math.max(most, ++inFlight);
      const done = () => void inFlight--;
      const result = query(...args);
      if (result instanceof Promise) result.then(done, done);
      return result;
    }) as PgClient['query'];
    try {
      const [got, , alive, held] = await Promise.all([
        session.tryLock(LOCK_SPACE.partition, [101, 102, 103]),
        session.unlock(LOCK_SPACE.partition, [999]),
        session.alive(),
        session.held(LOCK_SPACE.partition),
        session.backendPid(),
      ]);
      expect(got).toEqual([101, 102, 103]);
      expect(alive).toBe(true);
      // Asked after the locks were taken, so it sees them (on the embedded database too: one session).
      expect(held).toEqual(expect.arrayContaining([101, 102, 103]));
      expect(most).toBe(1);
    } finally {
      client.query = query;
      await session.close();
    }
  });
});
