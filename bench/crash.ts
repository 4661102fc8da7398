/**
 * `npm run bench -- --crash [--rounds 3] [--sellers 50]`: kill -9 under load, through the real app
 * as a process (test/process/crash-run.ts): sellers switch their shops on and off without pause,
 * the process is killed with SIGKILL at a random moment and restarted, and each round prints what
 * was lost, handled or applied twice, and the restart times. Exit code 1 if any round lost or
 * applied something twice, broke a chat's order, or handled more twice than was in flight.
 */
import { parseArgs } from 'node:util';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sellers: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
    },
  });
  // The process tests' helpers make the database: PostgreSQL on BENCH_DATABASE_URL's server, else embedded.
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const { crashRun, describeCrashRun } = await import('../test/process/crash-run.js');
  const { createStore } = await import('../test/process/support.js');
  let failed = false;
  for (let round = 1; round <= Number(values.rounds); round++) {
    const store = await createStore();
    try {
      const r = await crashRun({ store, users: Number(values.sellers) });
      console.log(`round ${round}: ${describeCrashRun(r)}`);
      if (
        r.lost ||
        r.appliedTwice ||
        r.orderViolations ||
        r.wrongFinalState ||
        r.handledTwice > r.inFlightAtKill
      )
        failed = true;
    } finally {
      await store.close();
    }
  }
  return failed ? 1 : 0;
}
