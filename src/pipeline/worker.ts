import type { Channel, ConsumeMessage } from 'amqplib';
import type { Update } from 'telegraf/types';
import { ChatQueue } from '../bot/chat-queue.js';
import type { AmqpConfig } from '../config.js';
import { LOCK_SPACE, type AdvisorySession } from '../db/advisory.js';
import type { Logger } from '../logger.js';
import type { ProcessedUpdatesService } from '../services/processed.js';
import { BrokerLink, errorText, settle, type BrokerState } from './amqp.js';
import { deadQueue, declareQueues, deskQueue, fnv1a, orderKey, partitionQueue } from './partition.js';

export interface PipelineWorkerOptions {
  amqp: AmqpConfig;
  logger: Logger;
  /** Opens a connection of its own where the partition and worker-slot locks are taken. */
  openLocks: () => Promise<AdvisorySession>;
  processed: Pick<ProcessedUpdatesService, 'seen' | 'record'>;
  /** Runs one update through the bot (never rejects: the bot's error boundary answers failures). */
  handle: (update: Update) => Promise<void>;
  /** Updates run at once (different chats); one chat's run one at a time. */
  concurrency?: number;
  /**
   * How often partitions are looked at (taken, given back, checked). A dead worker's partitions wait
   * up to this long to be taken (its locks are free as soon as its connection is), so it is short:
   * a round is three small reads of pg_locks on the worker's own connection.
   */
  tickMs?: number;
  /** How long a free partition waits for its home worker before a standby takes it. */
  standbyDelayMs?: number;
  reconnect?: { minMs: number; maxMs: number };
}

interface Partition {
  /** This process holds the partition's lock: it is the one worker consuming it. */
  lockedAt?: number;
  channel?: Channel;
  consumerTag?: string;
  /** After an infrastructure failure: not consumed again before this time. */
  retryAt?: number;
  failures: number;
  /** Since when no worker has held it (as seen here). */
  freeSince?: number;
  /** Being given back to its home worker. */
  releasing?: boolean;
  /** Its deliveries queued or running, and who waits for them to be none. */
  pending: number;
  idle: Array<() => void>;
}

/**
 * ROLE=worker (and ROLE=all with AMQP_URL): consumes the partition queues and runs each update
 * through the per-chat queue and the bot, acknowledging it once handled.
 *
 * Which worker consumes a partition is settled in PostgreSQL: a worker consumes partition p only
 * while it holds p's advisory lock (on a connection of its own, so a dead worker's locks go with
 * its connection). A worker takes its home partitions at once; a partition whose home worker is
 * gone is taken by the next worker at once, and any other free partition after `standbyDelayMs`.
 * A worker gives a partition back (finishing what it started, returning the rest in order) when the
 * partition's home worker is live. Home: with WORKER_INDEX/WORKER_COUNT, p mod count == index;
 * without them, the same over the live workers (each holds a "slot" lock; its rank among the live
 * slots is its index). The queues also have single active consumer on, so even a worker that lost
 * its lock and has not noticed yet can't interleave with the new one: the broker delivers to one.
 *
 * Order: one partition's deliveries arrive in queue order on one channel and go through ChatQueue
 * by chat; acks may be out of order. Never nack(requeue) a single message (it would come back behind
 * later ones): on a database failure the partition's channel is closed, which returns every unacked
 * message to the queue in order, and it is consumed again after a back-off.
 *
 * Duplicates: an update found in tg_processed is acknowledged without running (a redelivery after
 * a worker died between handling and acking, or Telegram's retry after a receiver died).
 *
 * The desk queue (groups' updates: a support forum's) is consumed only while `consumeDesk(true)`,
 * which the leader sets while it runs the support channels; it is handled like a partition (per-chat
 * queue, ack after the handler, the channel closed on a database failure and consumed again).
 */
export class PipelineWorker {
  private readonly link: BrokerLink;
  private readonly queue: ChatQueue;
  private readonly parts: Partition[];
  /** The desk queue, consumed while `deskWanted` (this process leads). */
  private readonly desk: Partition = { failures: 0, pending: 0, idle: [] };
  private deskWanted = false;
  private session?: AdvisorySession;
  private slot?: number;
  private liveSlots: number[] = [];
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = true;
  /** Channels closed by us or the broker: their queued deliveries are skipped (redelivered). */
  private readonly gone = new WeakSet<Channel>();
  private readonly scope: number;

  constructor(private readonly opts: PipelineWorkerOptions) {
    const { amqp } = opts;
    this.queue = new ChatQueue(opts.concurrency ?? 64);
    this.parts = Array.from({ length: amqp.partitions }, () => ({ failures: 0, pending: 0, idle: [] }));
    // Lock keys of this queue prefix: partition/slot n is scope * 256 + n.
    this.scope = (fnv1a(amqp.queuePrefix) & 0x7fffff) * 256;
    this.link = new BrokerLink({
      url: amqp.url,
      logger: opts.logger,
      name: 'update worker',
      reconnect: opts.reconnect,
      setup: async (conn) => {
        const channel = await conn.createChannel();
        await declareQueues(channel, amqp);
        await channel.close();
      },
      // The connection is gone, and every channel with it: the broker has returned what was unacked.
      // The locks are given back too, so that a worker that still reaches the broker takes over.
      onLost: () => {
        for (const part of this.parts) this.forget(part);
        this.forget(this.desk);
        void this.unlockAll();
      },
    });
  }

  get brokerState(): BrokerState {
    return this.link.state;
  }

  /** The partitions this process is the active consumer of, ascending. */
  partitions(): number[] {
    return this.parts.flatMap((part, p) => (part.lockedAt !== undefined && part.consumerTag ? [p] : []));
  }

  /**
   * How many updates wait in the dead queue (see DeadWatch), asked on a channel of its own;
   * undefined while the broker is not connected.
   */
  async deadUpdates(): Promise<number | undefined> {
    const conn = this.link.connection;
    if (!conn) return undefined;
    const channel = await conn.createChannel();
    channel.on('error', () => undefined);
    try {
      const { messageCount } = await channel.checkQueue(deadQueue(this.opts.amqp.queuePrefix));
      return messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Whether this process consumes the desk queue now. */
  consumingDesk(): boolean {
    return this.desk.consumerTag !== undefined;
  }

  /**
   * Starts (at the next round, within `tickMs`) or stops consuming the desk queue: on when this
   * process starts leading, after the support channels run; off before they stop. Off finishes the
   * updates it started and returns the rest to the queue in order, for the next leader (whose
   * consumer the broker activates only then: single active consumer).
   */
  async consumeDesk(on: boolean): Promise<void> {
    this.deskWanted = on;
    this.desk.retryAt = undefined;
    if (on) return;
    // A round may be opening the desk's channel right now: once it is done, this one closes it.
    await this.ticking;
    if (this.desk.channel) await this.release(this.desk);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.link.start();
    const loop = async () => {
      if (this.stopped) return;
      this.ticking = this.tick().catch((err: unknown) =>
        this.opts.logger.warn({ err: errorText(err) }, 'update worker: partition round failed'),
      );
      await this.ticking;
      this.ticking = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.opts.tickMs ?? 250);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  /** Stops taking deliveries, finishes the updates started, and gives the partitions back. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.all(
      [...this.parts, this.desk].map(async (part) => {
        if (part.channel && part.consumerTag)
          await part.channel.cancel(part.consumerTag).catch(() => undefined);
      }),
    );
    await this.queue.drain();
    await this.link.stop();
    for (const part of this.parts) this.forget(part);
    this.forget(this.desk);
    await this.session?.close();
    this.session = undefined;
  }

  // ----- partitions -------------------------------------------------------------------------------

  private home(p: number): number | undefined {
    const { worker } = this.opts.amqp;
    if (worker) return p % worker.count;
    return this.liveSlots.length ? this.liveSlots[p % this.liveSlots.length] : undefined;
  }

  private async tick(): Promise<void> {
    if (this.link.state !== 'connected') return;
    // The desk queue again after a lost connection or a database failure, while this process leads.
    if (this.deskWanted && !this.desk.channel && (this.desk.retryAt ?? 0) <= Date.now())
      await this.consume('desk', this.desk);
    if (this.session && !(await this.session.alive())) {
      // Its locks died with it: another worker may consume these partitions already.
      this.opts.logger.warn('update worker: lost the lock connection; giving the partitions back');
      const old = this.session;
      this.session = undefined;
      this.slot = undefined;
      await Promise.all(this.parts.map((part, p) => this.giveBack(p, part, false)));
      await old.close();
    }
    this.session ??= await this.opts.openLocks();
    const session = this.session;
    const { scope } = this;
    if (this.slot === undefined) this.slot = await this.takeSlot(session);
    this.liveSlots = (await session.held(LOCK_SPACE.workerSlot))
      .filter((k) => k >= scope && k < scope + 256)
      .map((k) => k - scope);
    const heldAnywhere = new Set(
      (await session.held(LOCK_SPACE.partition))
        .filter((k) => k >= scope && k < scope + 256)
        .map((k) => k - scope),
    );
    const now = Date.now();
    const standbyDelay = this.opts.standbyDelayMs ?? 3000;
    const wanted: number[] = [];
    this.parts.forEach((part, p) => {
      if (part.lockedAt !== undefined) return;
      if (heldAnywhere.has(p)) {
        part.freeSince = undefined;
        return;
      }
      part.freeSince ??= now;
      const home = this.home(p);
      const homeLive = home !== undefined && this.liveSlots.includes(home);
      if (home === this.slot || !homeLive || now - part.freeSince >= standbyDelay) wanted.push(p);
    });
    const got = await session.tryLock(
      LOCK_SPACE.partition,
      wanted.map((p) => scope + p),
    );
    for (const key of got) this.parts[key - scope]!.lockedAt = now;
    // Consume what is ours and not consumed yet; give back what its live home worker should have.
    await Promise.all(
      this.parts.map(async (part, p) => {
        if (part.lockedAt === undefined || part.releasing) return;
        const home = this.home(p);
        if (
          home !== this.slot &&
          home !== undefined &&
          this.liveSlots.includes(home) &&
          now - part.lockedAt >= standbyDelay
        ) {
          this.opts.logger.info(
            { partition: p },
            'update worker: giving a partition back to its home worker',
          );
          await this.giveBack(p, part, true);
          return;
        }
        if (!part.channel && (part.retryAt ?? 0) <= now) await this.consume(p, part);
      }),
    );
  }

  /** WORKER_INDEX's slot, or the first free one. */
  private async takeSlot(session: AdvisorySession): Promise<number> {
    const { worker } = this.opts.amqp;
    const { scope } = this;
    if (worker) {
      const [got] = await session.tryLock(LOCK_SPACE.workerSlot, [scope + worker.index]);
      if (got === undefined)
        this.opts.logger.warn(
          { index: worker.index },
          'update worker: another worker runs with the same WORKER_INDEX',
        );
      return worker.index;
    }
    for (let s = 0; s < 256; s++) {
      const [got] = await session.tryLock(LOCK_SPACE.workerSlot, [scope + s]);
      if (got !== undefined) return s;
    }
    return 255;
  }

  private async consume(p: number | 'desk', part: Partition): Promise<void> {
    const conn = this.link.connection;
    if (!conn) return;
    const { amqp, logger } = this.opts;
    let channel: Channel | undefined;
    try {
      channel = await conn.createChannel();
      const ch = channel;
      ch.on('error', () => undefined);
      ch.on('close', () => {
        this.gone.add(ch);
        if (part.channel === ch) this.forget(part);
      });
      await ch.prefetch(amqp.prefetch);
      part.channel = ch;
      const queue = p === 'desk' ? deskQueue(amqp.queuePrefix) : partitionQueue(amqp.queuePrefix, p);
      const { consumerTag } = await ch.consume(queue, (msg) => msg && this.deliver(p, part, ch, msg), {
        noAck: false,
      });
      part.consumerTag = consumerTag;
      part.failures = 0;
      logger.info(
        { partition: p },
        `update worker: consuming ${p === 'desk' ? 'the desk queue' : 'a partition'}`,
      );
    } catch (err) {
      logger.warn({ partition: p, err: errorText(err) }, 'update worker: could not consume a partition');
      if (channel) {
        this.gone.add(channel);
        await channel.close().catch(() => undefined);
      }
      this.forget(part);
      part.retryAt = Date.now() + Math.min(10_000, 500 * 2 ** Math.min(part.failures++, 5));
    }
  }

  private deliver(p: number | 'desk', part: Partition, channel: Channel, msg: ConsumeMessage): void {
    let update: Update;
    try {
      update = JSON.parse(msg.content.toString('utf8')) as Update;
      if (!Number.isSafeInteger(update?.update_id)) throw new Error('no update_id');
    } catch (err) {
      // Nothing can ever handle it: keeping it would stop the partition.
      this.opts.logger.error(
        { partition: p, err: errorText(err) },
        'update worker: dropped a message that is not an update',
      );
      settle(() => channel.ack(msg));
      return;
    }
    const chat = msg.properties.headers?.chat as unknown;
    part.pending++;
    const run = this.queue.push(typeof chat === 'string' ? chat : orderKey(update), async () => {
      if (this.gone.has(channel)) return; // returned to the queue: it comes again, in order
      const { processed, handle, logger } = this.opts;
      try {
        if (await processed.seen(update.update_id)) {
          settle(() => channel.ack(msg));
          return;
        }
      } catch (err) {
        this.failed(p, part, channel, err);
        return;
      }
      await handle(update);
      try {
        await processed.record([update.update_id]);
      } catch (err) {
        // Handled but not recorded: it runs again after the redelivery (at least once).
        logger.warn(
          { update: update.update_id, err: errorText(err) },
          'update worker: could not record a handled update',
        );
        this.failed(p, part, channel, err);
        return;
      }
      settle(() => channel.ack(msg));
    });
    void run.then(() => {
      if (--part.pending === 0) part.idle.splice(0).forEach((resolve) => resolve());
    });
  }

  /** The database failed: every unacked update of the partition goes back, in order; consumed again later. */
  private failed(p: number | 'desk', part: Partition, channel: Channel, err: unknown): void {
    if (this.gone.has(channel)) return;
    this.gone.add(channel);
    const delay = Math.min(10_000, 500 * 2 ** Math.min(part.failures++, 5));
    this.opts.logger.warn(
      { partition: p, err: errorText(err), retryInMs: delay },
      'update worker: the database failed; the partition is returned to the queue and taken again later',
    );
    if (part.channel === channel) this.forget(part);
    part.retryAt = Date.now() + delay;
    void channel.close().catch(() => undefined);
  }

  /**
   * Stops consuming partition p. `graceful`: the updates it started finish (and are acked) first;
   * the deliveries not started go back to the queue in order. Then the lock goes.
   */
  private async giveBack(p: number, part: Partition, graceful: boolean): Promise<void> {
    part.releasing = true;
    await this.release(part, graceful);
    if (graceful && this.session)
      await this.session.unlock(LOCK_SPACE.partition, [this.scope + p]).catch(() => undefined);
    part.lockedAt = undefined;
    part.releasing = false;
  }

  /** Stops consuming a queue; `graceful`: what it started finishes first (see giveBack). */
  private async release(part: Partition, graceful = true): Promise<void> {
    const channel = part.channel;
    if (channel && part.consumerTag) await channel.cancel(part.consumerTag).catch(() => undefined);
    if (channel && graceful && part.pending > 0) {
      // What it delivered runs to the end (no more comes after the cancel): nothing is handed over half done.
      await new Promise<void>((resolve) => part.idle.push(resolve));
    }
    if (channel) {
      this.gone.add(channel);
      await channel.close().catch(() => undefined);
    }
    this.forget(part);
  }

  private forget(part: Partition): void {
    part.channel = undefined;
    part.consumerTag = undefined;
  }

  private async unlockAll(): Promise<void> {
    const keys = this.parts.flatMap((part, p) => (part.lockedAt !== undefined ? [this.scope + p] : []));
    for (const part of this.parts) part.lockedAt = undefined;
    await this.session?.unlock(LOCK_SPACE.partition, keys).catch(() => undefined);
  }
}
