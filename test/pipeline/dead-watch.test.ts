/**
 * Dead updates (README "Dead updates"): an update whose every taker died without acknowledging it
 * leaves its partition for the dead queue after the delivery limit, instead of killing the next
 * worker; the leader's watch counts that queue and says so in an error log line and in /healthz
 * (`deadUpdates`). Real RabbitMQ; the "workers that die" are consumers whose channel closes with
 * the update unacknowledged, as a killed process's would.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import type { Update } from 'telegraf/types';
import { loadConfig, type AmqpConfig } from '../../src/config.js';
import { AdvisorySession } from '../../src/db/advisory.js';
import { createLogger } from '../../src/logger.js';
import { DeadWatch } from '../../src/pipeline/dead-watch.js';
import { deadQueue, partitionOf, partitionQueue } from '../../src/pipeline/partition.js';
import { UpdatePublisher } from '../../src/pipeline/publisher.js';
import { PipelineWorker } from '../../src/pipeline/worker.js';
import { createServices } from '../../src/services/index.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { BROKER, QueueInspector, textUpdate, uniquePrefix, waitFor } from './support.js';

const quiet = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

describe('dead updates', () => {
  let db: Database;
  let amqpConfig: AmqpConfig;
  let publisher: UpdatePublisher;
  let worker: PipelineWorker | undefined;
  let watch: DeadWatch | undefined;
  let conn: amqp.ChannelModel;
  const handled: number[] = [];
  const lines: Array<{ level: number; msg: string; updates?: number; new?: number }> = [];
  const logger = createLogger('info', 'market-bot', { write: (l: string) => lines.push(JSON.parse(l)) });
  const PARTITIONS = 2;
  let queues: QueueInspector;

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = uniquePrefix('dead');
    amqpConfig = loadConfig({
      AMQP_URL: BROKER.url,
      AMQP_QUEUE_PREFIX: prefix,
      AMQP_PARTITIONS: String(PARTITIONS),
    }).pipeline.amqp!;
    queues = new QueueInspector(prefix, PARTITIONS);
    publisher = new UpdatePublisher({ amqp: amqpConfig, logger: quiet });
    publisher.start();
    await waitFor(
      () => publisher.state,
      (s) => s === 'connected',
    );
    conn = await amqp.connect(BROKER.url);
  });

  afterAll(async () => {
    await watch?.stop();
    await worker?.stop();
    await publisher?.stop();
    await conn?.close().catch(() => undefined);
    await queues?.close();
    await db?.close();
  });

  /** A worker that takes the update and dies before acknowledging it: its channel closes. */
  async function dieOn(queue: string): Promise<number> {
    const ch = await conn.createChannel();
    await ch.prefetch(1);
    const got = new Promise<amqp.ConsumeMessage | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 1500);
      void ch.consume(queue, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    const m = await got;
    await ch.close();
    return m ? (JSON.parse(m.content.toString('utf8')) as Update).update_id : 0;
  }

  it('an update every worker died on goes to the dead queue, and the leader says so in the log and in its count', async () => {
    const update = textUpdate(5_550_001, 'kills every worker') as unknown as Update;
    await publisher.publish([update]);
    const queue = partitionQueue(amqpConfig.queuePrefix, partitionOf(update, PARTITIONS));
    // The delivery limit is 10: the first delivery and ten more, then it is dead-lettered.
    let deliveries = 0;
    while ((await dieOn(queue)) === update.update_id) deliveries++;
    expect(deliveries).toBe(11);

    // A worker (the leader's) starts: the update is not handled again, and the watch finds it.
    const services = createServices(db.dataSource, { ...loadConfig({ NODE_ENV: 'test' }), bcryptRounds: 4 });
    worker = new PipelineWorker({
      amqp: amqpConfig,
      logger: quiet,
      openLocks: () => AdvisorySession.open(db.dataSource),
      processed: services.processed,
      handle: async (u) => void handled.push(u.update_id),
      tickMs: 100,
    });
    worker.start();
    await waitFor(
      () => worker!.partitions().length,
      (n) => n === PARTITIONS,
    );
    watch = new DeadWatch({
      queue: deadQueue(amqpConfig.queuePrefix),
      count: () => worker!.deadUpdates(),
      logger,
      everyMs: 100,
    });
    watch.start();
    await waitFor(
      () => watch!.count,
      (n) => n === 1,
    );
    expect(handled).toEqual([]);
    const alerts = lines.filter((l) => l.level === 50);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ updates: 1, new: 1 });
    expect(alerts[0]!.msg).toContain('updates in the dead queue');

    // Looked at again with nothing new: no second alert. Emptied by an operator: said once.
    await new Promise((r) => setTimeout(r, 400));
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    const ch = await conn.createChannel();
    await ch.purgeQueue(deadQueue(amqpConfig.queuePrefix));
    await ch.close();
    await waitFor(
      () => watch!.count,
      (n) => n === 0,
    );
    await waitFor(
      () => lines.filter((l) => l.msg === 'the dead queue is empty again').length,
      (n) => n === 1,
    );
  }, 60_000);

  it('a leader whose broker link is not up yet asks again soon, quietly, instead of a round later', async () => {
    let asked = 0;
    const early = new DeadWatch({
      queue: 'q',
      count: async () => (++asked < 3 ? undefined : 0),
      logger,
      everyMs: 60_000,
      retryMs: 50,
    });
    const before = lines.length;
    early.start();
    await waitFor(
      () => early.count,
      (n) => n === 0,
      2000,
    );
    await early.stop();
    expect(asked).toBe(3);
    expect(lines.slice(before)).toEqual([]);
  });

  it('a broker that is away is no alert: the count is unknown, and the next look tells', async () => {
    const away = new DeadWatch({
      queue: 'nowhere',
      count: async () => {
        throw new Error('connection closed');
      },
      logger,
      everyMs: 50,
    });
    const before = lines.length;
    away.start();
    await waitFor(
      () => lines.length,
      (n) => n > before,
    );
    await away.stop();
    expect(away.count).toBeUndefined();
    expect(lines.slice(before).every((l) => l.level === 40)).toBe(true);
  });
});
