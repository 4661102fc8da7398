/**
 * kill -9 under load (issue 14, part 1): 50 sellers switch their shops on and off without pause
 * through the real process; it is killed with SIGKILL at a random moment and a new one starts on the
 * same database. Nothing is lost (every press shows its effect), no state change is applied twice,
 * each chat keeps its order, and the presses handled twice are at most those in flight at the kill.
 * Runs on the database the suite runs on (PostgreSQL with TEST_DATABASE_URL, else embedded).
 */
import { describe, expect, test } from '@jest/globals';
import { crashRun, describeCrashRun } from './crash-run.js';
import { storeWithApps } from './suite.js';

describe('a kill -9 under load', () => {
  const suite = storeWithApps();

  test(
    'loses no update, applies none twice and keeps each chat in order',
    () =>
      suite.withOutput(async () => {
        const r = await crashRun({ store: suite.store(), users: 50, onApp: suite.onApp });
        console.log(describeCrashRun(r));
        expect(r.presses).toBeGreaterThan(r.users);
        // Lost: neither answered nor applied. (A handler that failed under load is answered with
        // "something went wrong" and counted apart, in errorReplies: not a loss.)
        expect(r.lost).toBe(0);
        expect(r.appliedTwice).toBe(0);
        expect(r.orderViolations).toBe(0);
        expect(r.wrongFinalState).toBe(0);
        expect(r.handledTwice).toBeLessThanOrEqual(r.inFlightAtKill);
        expect(r.inboxLeft).toBe(0);
        expect(r.payloadsKept).toBe(0);
      }),
    300_000,
  );
});
