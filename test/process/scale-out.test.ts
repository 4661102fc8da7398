/**
 * Scale-out under faults (issue 14, part 2): 2 receivers and 3 workers as real processes on the
 * real RabbitMQ and PostgreSQL, sellers' journeys through the webhook at a steady rate; the worker
 * holding the most partitions and then a receiver are killed with SIGKILL mid-run. Nothing is lost,
 * no chat's updates are answered out of order, the updates handled twice stay within what the
 * killed worker had fetched (prefetch × its partitions), and the chats it held answer again within
 * 2 s. A shorter, smaller run than the benchmark's (`npm run bench -- --scale`), to fit CI.
 * Needs PostgreSQL (TEST_DATABASE_URL): several workers share one database.
 */
import { describe, expect, test } from '@jest/globals';
import { describeScaleRun, scaleRun } from './scale-run.js';
import { storeWithApps } from './suite.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

onPostgres('receivers and workers on RabbitMQ, with a worker and a receiver killed', () => {
  const suite = storeWithApps();

  test(
    'loses nothing, keeps each chat in order and bounds the duplicates',
    () =>
      suite.withOutput(async () => {
        const r = await scaleRun({
          store: suite.store(),
          amqpUrl: AMQP_URL,
          chats: 100,
          rate: 100,
          durationMs: 20_000,
          onApp: suite.onApp,
        });
        console.log(describeScaleRun(r));
        expect(r.updates).toBeGreaterThan(r.chats);
        expect(r.killedWorkerPartitions.length).toBeGreaterThan(0);
        expect(r.lost).toBe(0);
        expect(r.orderViolations).toBe(0);
        expect(r.wrongFinalState).toBe(0);
        expect(r.chatsStopped).toBe(0);
        expect(r.duplicates).toBeLessThanOrEqual(r.duplicateBound);
        expect(r.firstAnswerAfterWorkerKillMs).toBeLessThanOrEqual(2000);
      }),
    600_000,
  );
});
