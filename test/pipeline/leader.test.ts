import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AdvisorySession } from '../../src/db/advisory.js';
import { createLogger } from '../../src/logger.js';
import { Leadership, leaderKey } from '../../src/pipeline/leader.js';
import { createTestDatabase, usingPostgres, type Database } from '../support/db.js';
import { waitFor } from './support.js';

(usingPostgres ? describe : describe.skip)('the leader of the singletons', () => {
  let db: Database;
  const all: Leadership[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const l of all) await l.stop();
    await db.close();
  });

  /** A process's leadership; `events` records when it starts and stops the singletons. */
  const candidate = (name: string, events: string[], token = '123456:TEST-TOKEN') => {
    let session: AdvisorySession | undefined;
    const leadership = new Leadership({
      openLocks: async () => (session = await AdvisorySession.open(db.dataSource)),
      botToken: token,
      logger: createLogger('silent'),
      lead: async () => void events.push(`${name} leads`),
      stepDown: async () => void events.push(`${name} steps down`),
      checkMs: 200,
    });
    all.push(leadership);
    leadership.start();
    return { leadership, pid: () => session!.backendPid() };
  };

  it("is one process per bot token, and moves to a standby when the leader's connection dies", async () => {
    const events: string[] = [];
    const a = candidate('a', events);
    await waitFor(
      () => a.leadership.leader,
      (l) => l,
    );
    const b = candidate('b', events);
    // Another bot on the same database has its own leader.
    const other = candidate('other', events, '999999:OTHER-TOKEN');
    await waitFor(
      () => other.leadership.leader,
      (l) => l,
    );
    await new Promise((r) => setTimeout(r, 600));
    expect([a.leadership.leader, b.leadership.leader]).toEqual([true, false]);
    expect(leaderKey('123456:TEST-TOKEN')).toBe(123456);

    // The leader's lock connection dies (as when its process is killed): the server frees the lock.
    const diedAt = Date.now();
    await db.dataSource.query('SELECT pg_terminate_backend($1)', [await a.pid()]);
    await waitFor(
      () => b.leadership.leader,
      (l) => l,
      5000,
    );
    expect(Date.now() - diedAt).toBeLessThan(2000);
    await waitFor(
      () => a.leadership.leader,
      (l) => !l,
      5000,
    );
    expect(events).toEqual(expect.arrayContaining(['a leads', 'other leads', 'b leads', 'a steps down']));
    // a comes back as a standby, not a second leader.
    await new Promise((r) => setTimeout(r, 600));
    expect([a.leadership.leader, b.leadership.leader]).toEqual([false, true]);
  });
});
