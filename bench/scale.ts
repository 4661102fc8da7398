/**
 * `npm run bench -- --scale [--sellers 500] [--rate 200] [--seconds 60]`: the scale-out run
 * (test/process/scale-run.ts): 2 receivers and 3 workers on RabbitMQ (AMQP_URL, default the local
 * one) and PostgreSQL (BENCH_DATABASE_URL's server, required: several workers share one database).
 * Sellers' journeys go through the webhook at a steady rate; the busiest worker and then a receiver
 * are killed with SIGKILL mid-run. It prints what was lost, handled twice or out of order, and the
 * recovery after the kill; exit code 1 when a target is missed.
 */
import { parseArgs } from 'node:util';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sellers: { type: 'string', default: '500' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
    },
  });
  if (!process.env.BENCH_DATABASE_URL) {
    console.error('--scale needs PostgreSQL: set BENCH_DATABASE_URL (several workers share one database)');
    return 2;
  }
  process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const { scaleRun, describeScaleRun } = await import('../test/process/scale-run.js');
  const { createStore } = await import('../test/process/support.js');
  const store = await createStore();
  try {
    const r = await scaleRun({
      store,
      amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      chats: Number(values.sellers),
      rate: Number(values.rate),
      durationMs: Number(values.seconds) * 1000,
      progress: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
    });
    console.log(describeScaleRun(r));
    const failed =
      r.lost > 0 ||
      r.orderViolations > 0 ||
      r.wrongFinalState > 0 ||
      r.chatsStopped > 0 ||
      r.duplicates > r.duplicateBound ||
      r.firstAnswerAfterWorkerKillMs > 2000;
    return failed ? 1 : 0;
  } finally {
    await store.close();
  }
}
