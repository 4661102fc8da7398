import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Update } from 'telegraf/types';
import { loadConfig, type AmqpConfig } from '../../src/config.js';
import { AdvisorySession } from '../../src/db/advisory.js';
import { createLogger } from '../../src/logger.js';
import { UpdatePublisher } from '../../src/pipeline/publisher.js';
import { PipelineWorker } from '../../src/pipeline/worker.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createTestDatabase, usingPostgres, type Database } from '../support/db.js';
import { BROKER, BrokerProxy, QueueInspector, textUpdate, uniquePrefix, waitFor } from './support.js';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the "bot" saw: each update's chat and its sequence number in that chat, in handling order. */
class Recorder {
  readonly runs: Array<{ id: number; chat: number; seq: number; by: string }> = [];
  handler(by: string, delayMs = () => Math.random() * 4) {
    return async (update: Update) => {
      const m = (update as unknown as { message: { chat: { id: number }; text: string } }).message;
      await sleep(delayMs());
      this.runs.push({ id: update.update_id, chat: m.chat.id, seq: Number(m.text), by });
    };
  }
  /** Chats whose sequence numbers went backwards (a repeat of the latest one is a duplicate, not disorder). */
  violations(): number[] {
    const last = new Map<number, number>();
    const bad = new Set<number>();
    for (const r of this.runs) {
      const prev = last.get(r.chat) ?? -1;
      if (r.seq < prev) bad.add(r.chat);
      last.set(r.chat, Math.max(prev, r.seq));
    }
    return [...bad];
  }
  handledIds(): Set<number> {
    return new Set(this.runs.map((r) => r.id));
  }
}

function amqpConfig(url: string, prefix: string, partitions: number, prefetch = 16): AmqpConfig {
  const config = loadConfig({
    AMQP_URL: url,
    AMQP_QUEUE_PREFIX: prefix,
    AMQP_PARTITIONS: String(partitions),
    AMQP_PREFETCH: String(prefetch),
  });
  return config.pipeline.amqp!;
}

describe('a worker', () => {
  let db: Database;
  let services: Services;
  let publisher: UpdatePublisher;
  const started: PipelineWorker[] = [];
  const cleanups: Array<() => Promise<void>> = [];

  const newWorker = (amqp: AmqpConfig, handle: (u: Update) => Promise<void>) => {
    const worker = new PipelineWorker({
      amqp,
      logger,
      openLocks: () => AdvisorySession.open(db.dataSource),
      processed: services.processed,
      handle,
      tickMs: 200,
      standbyDelayMs: 600,
      reconnect: { minMs: 100, maxMs: 300 },
    });
    started.push(worker);
    worker.start();
    return worker;
  };

  const publishAll = async (updates: object[]) => {
    for (let i = 0; i < updates.length; i += 50)
      await publisher.publish(updates.slice(i, i + 50) as Update[]);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    services = createServices(db.dataSource, { ...loadConfig({ NODE_ENV: 'test' }), bcryptRounds: 4 });
  });

  afterAll(async () => {
    for (const w of started) await w.stop().catch(() => undefined);
    await publisher?.stop();
    for (const c of cleanups) await c();
    await db.close();
  });

  const withQueues = async (prefix: string, partitions: number) => {
    const amqp = amqpConfig(BROKER.url, prefix, partitions);
    await publisher?.stop();
    publisher = new UpdatePublisher({ amqp, logger });
    publisher.start();
    await waitFor(
      () => publisher.state,
      (s) => s === 'connected',
    );
    const queues = new QueueInspector(prefix, partitions);
    cleanups.push(() => queues.close());
    return { amqp, queues };
  };

  it('keeps each chat in order, runs chats side by side, and skips an update id handled before', async () => {
    const { amqp, queues } = await withQueues(uniquePrefix('order'), 4);
    const rec = new Recorder();
    const worker = newWorker(amqp, rec.handler('w'));
    const updates = Array.from({ length: 300 }, (_, i) =>
      textUpdate(9000 + (i % 12), String(Math.floor(i / 12))),
    );
    await publishAll(updates);
    await waitFor(
      () => rec.runs.length,
      (n) => n >= updates.length,
      20_000,
    );
    expect(rec.violations()).toEqual([]);
    expect(rec.handledIds().size).toBe(updates.length);
    expect(worker.partitions()).toEqual([0, 1, 2, 3]);

    // The same update id again (a broker redelivery, or Telegram's retry through another receiver):
    // acknowledged without running.
    await publisher.publish([updates[5], updates[77]] as unknown as Update[]);
    await waitFor(
      () => queues.depths(),
      (d) => d.every((n) => n === 0),
    );
    await sleep(300);
    expect(rec.runs).toHaveLength(updates.length);
    await worker.stop();
  });

  (usingPostgres ? it : it.skip)(
    'shares the partitions with another worker, and the survivor takes over when its connections die, losing nothing',
    async () => {
      const prefix = uniquePrefix('share');
      const P = 8;
      const { amqp, queues } = await withQueues(prefix, P);
      const proxy = new BrokerProxy();
      await proxy.start();
      cleanups.push(() => proxy.close());
      const rec = new Recorder();
      // Worker a reaches the broker through a proxy the test cuts; its lock connection is ended on the server.
      let aLocks: AdvisorySession | undefined;
      const a = new PipelineWorker({
        amqp: amqpConfig(proxy.url, prefix, P),
        logger,
        openLocks: async () => (aLocks = await AdvisorySession.open(db.dataSource)),
        processed: services.processed,
        handle: rec.handler('a', () => 2 + Math.random() * 6),
        tickMs: 200,
        standbyDelayMs: 600,
        reconnect: { minMs: 100, maxMs: 300 },
      });
      started.push(a);
      a.start();
      const b = newWorker(
        amqp,
        rec.handler('b', () => 2 + Math.random() * 6),
      );
      // Each gets its home half: nobody waits for a standby delay to pass.
      await waitFor(
        () => [a.partitions(), b.partitions()],
        ([pa, pb]) => pa!.length === P / 2 && pb!.length === P / 2,
        10_000,
      );
      expect([...a.partitions(), ...b.partitions()].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

      const updates = Array.from({ length: 600 }, (_, i) =>
        textUpdate(20_000 + (i % 40), String(Math.floor(i / 40))),
      );
      const first = updates.slice(0, 300);
      await publishAll(first);
      await waitFor(
        () => rec.runs.filter((r) => r.by === 'a').length,
        (n) => n >= 40,
        10_000,
      );
      // a "dies": its broker connection and its lock connection drop at once, mid-run.
      const killedAt = Date.now();
      await proxy.cut();
      await db.dataSource.query('SELECT pg_terminate_backend($1)', [await aLocks!.backendPid()]);
      await waitFor(
        () => b.partitions().length,
        (n) => n === P,
        10_000,
      );
      const takeover = Date.now() - killedAt;
      await publishAll(updates.slice(300));
      await waitFor(
        () => rec.handledIds().size,
        (n) => n >= updates.length,
        30_000,
      );
      await waitFor(
        () => queues.depths(),
        (d) => d.every((n) => n === 0),
      );
      expect(rec.violations()).toEqual([]);
      // Nothing lost; what a had taken but not acknowledged ran at most once more (prefetch × its partitions).
      expect(rec.handledIds().size).toBe(updates.length);
      expect(rec.runs.length - updates.length).toBeLessThanOrEqual(amqp.prefetch * (P / 2));
      expect(takeover).toBeLessThan(3000);
      expect(a.partitions()).toEqual([]);
      await a.stop();
      await b.stop();
    },
  );

  (usingPostgres ? it : it.skip)(
    "runs a group's updates (a support forum's) only in the process that leads, handing them over in order",
    async () => {
      const { amqp, queues } = await withQueues(uniquePrefix('desk'), 4);
      const rec = new Recorder();
      const a = newWorker(
        amqp,
        rec.handler('a', () => 2 + Math.random() * 6),
      );
      const b = newWorker(
        amqp,
        rec.handler('b', () => 2 + Math.random() * 6),
      );
      await waitFor(
        () => a.partitions().length + b.partitions().length,
        (n) => n === 4,
        10_000,
      );
      // Three forums, 40 updates each: none goes to a partition, and nobody runs them while nobody leads.
      const group = (chat: number, seq: number) => {
        const u = textUpdate(chat, String(seq));
        return {
          ...u,
          message: { ...u.message, chat: { id: chat, type: 'supergroup' as const, title: 'Support' } },
        };
      };
      const updates = Array.from({ length: 120 }, (_, i) => group(-1_000_900 - (i % 3), Math.floor(i / 3)));
      await publishAll(updates.slice(0, 60));
      await sleep(500);
      expect(rec.runs).toEqual([]);
      expect(await queues.depths()).toEqual([0, 0, 0, 0]);

      // a leads: it takes the desk queue at its next round.
      await a.consumeDesk(true);
      await waitFor(
        () => rec.runs.length,
        (n) => n >= 20,
        10_000,
      );
      expect(a.consumingDesk()).toBe(true);
      // a steps down mid-run (what it started finishes), b leads and gets the rest, in order. The
      // rest is published once a has stepped down: published before, a loaded machine could let a
      // run all 120 before it stepped down, and b would get none to prove the handover with.
      await a.consumeDesk(false);
      expect(a.consumingDesk()).toBe(false);
      await publishAll(updates.slice(60));
      await b.consumeDesk(true);
      await waitFor(
        () => rec.handledIds().size,
        (n) => n >= updates.length,
        20_000,
      );
      expect(rec.violations()).toEqual([]);
      expect(rec.runs).toHaveLength(updates.length); // a handed over nothing half done: no duplicates
      expect(rec.runs.some((r) => r.by === 'a')).toBe(true);
      expect(rec.runs.some((r) => r.by === 'b')).toBe(true);
      await a.stop();
      await b.stop();
    },
  );
});
