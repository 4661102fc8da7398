import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../src/logger.js';
import type { PruneResult, Services } from '../../src/services/index.js';
import { createMaintenanceWorker } from '../../src/workers/maintenance.js';
import { addSessions, openCtx, rowEstimate } from '../services/fixtures.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `ok()` holds (checked every 5 ms), failing after 5 s. Counting runs after a fixed sleep
 * failed on a loaded machine: one stall of the event loop lets the interval fire only once before
 * the sleep ends.
 */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !ok(); await delay(5)) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`);
  }
}
const logger = createLogger('silent');

/** A housekeeping service whose prune() is `prune`, counting its calls. */
function fakeServices(prune: () => Promise<PruneResult>) {
  const calls = { n: 0 };
  const housekeeping = {
    prune: () => {
      calls.n++;
      return prune();
    },
  } as unknown as Services['housekeeping'];
  return { services: { housekeeping }, calls };
}

describe('the maintenance worker', () => {
  it('prunes once per interval, not at start, and stops', async () => {
    const { services, calls } = fakeServices(async () => ({
      botSessions: 0,
      loginFailures: 0,
      inbox: 0,
      processed: 0,
    }));
    const worker = createMaintenanceWorker({ services, logger, intervalMs: 20 });
    worker.start();
    expect(calls.n).toBe(0);
    await until(() => calls.n >= 2, 'two runs');
    await worker.stop();
    const seen = calls.n;
    await delay(60);
    expect(calls.n).toBe(seen);
  });

  it('carries on after a failed run', async () => {
    let fail = true;
    const { services, calls } = fakeServices(async () => {
      if (fail) {
        fail = false;
        throw new Error('database away');
      }
      return { botSessions: 1, loginFailures: 1, inbox: 0, processed: 0 };
    });
    const worker = createMaintenanceWorker({ services, logger, intervalMs: 20 });
    worker.start();
    // The run after the failed one happens: the worker did not stop at the error.
    await until(() => calls.n >= 2, 'a run after the failed one');
    await worker.stop();
  });

  it('stop() waits for a run in progress, and runs never overlap', async () => {
    let release!: () => void;
    let finished = false;
    const { services, calls } = fakeServices(
      () =>
        new Promise<PruneResult>((resolve) => {
          release = () => {
            finished = true;
            resolve({ botSessions: 0, loginFailures: 0, inbox: 0, processed: 0 });
          };
        }),
    );
    const worker = createMaintenanceWorker({ services, logger, intervalMs: 10 });
    worker.start();
    await delay(60);
    expect(calls.n).toBe(1);
    const stopped = worker.stop();
    await delay(10);
    expect(finished).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});

describe('the maintenance worker on a real database', () => {
  it('with vacuum on (the embedded database), also vacuums and analyzes after each run', async () => {
    const ctx = await openCtx();
    try {
      await addSessions(ctx, 2000, 'w');
      const estimate = () => rowEstimate(ctx, 'bot_sessions');
      const worker = createMaintenanceWorker({ services: ctx.s, logger, intervalMs: 50, vacuum: true });
      worker.start();
      for (const deadline = Date.now() + 20_000; (await estimate()) !== 2000;) {
        if (Date.now() > deadline) throw new Error(`no analyze within 20 s (estimate ${await estimate()})`);
        await delay(50);
      }
      await worker.stop();
    } finally {
      await ctx.db.close();
    }
  }, 60_000);
});
