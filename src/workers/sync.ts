import { createHash } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { SyncConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { backoffMs, errorText, safeUrl, settle, sleep } from '../pipeline/amqp.js';
import type { OutboxEvent, RelayLease, SyncService } from '../services/sync.js';

export type SyncState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/** What /healthz and the panel show about the broker connection. */
export interface SyncHealth {
  state: SyncState;
  /** Since when the state holds. */
  since: Date;
  /** Whether this process publishes the outbox (one process does: the leader). */
  relayLeader: boolean;
  /** The last connection error, without credentials. */
  lastError?: string;
}

export interface SyncWorkerOptions {
  config: SyncConfig;
  sync: SyncService;
  logger: Logger;
  /** How often the relay looks at the outbox (ms). */
  relayIntervalMs?: number;
  /** Reconnect back-off: from `minMs`, doubling, up to `maxMs`. */
  reconnect?: { minMs: number; maxMs: number };
  /** How long a publish waits for the broker's confirm before it counts as failed. */
  confirmTimeoutMs?: number;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * The shop sync's RabbitMQ side. One connection with reconnect and back-off; on it:
 * - the consumer: a named durable queue bound to the inbound exchange at every start (so what was
 *   published while the bot was down waits for it), prefetch, messages applied one at a time, each in
 *   one transaction (SyncService.receive), acknowledged after the commit;
 * - the relay: the leader (advisory lock) publishes the outbox in order with publisher confirms to the
 *   durable outbound exchange and marks rows sent only once confirmed; while the broker is away rows
 *   simply wait. Nothing here is ever awaited by the bot: the outbox row was committed with the change.
 */
export class SyncWorker {
  private conn?: ChannelModel;
  private publisher?: ConfirmChannel;
  private consumer?: Channel;
  private health: SyncHealth = { state: 'stopped', since: new Date(), relayLeader: false };
  private stopped = true;
  private reconnectTimer?: NodeJS.Timeout;
  private relayTimer?: NodeJS.Timeout;
  private relayRound?: Promise<void>;
  private lease?: RelayLease;
  private failures = 0;
  private lastPrune = 0;
  /** Inbound messages are applied one after the other, in delivery order. */
  private inbound: Promise<void> = Promise.resolve();
  /** Message ids the broker returned as unroutable (it returns before it confirms). */
  private returned = new Set<string>();

  constructor(private readonly opts: SyncWorkerOptions) {}

  status(): SyncHealth {
    return { ...this.health };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setState('connecting');
    void this.connect();
    const tick = async () => {
      if (this.stopped) return;
      this.relayRound = this.relayOnce().catch((err: unknown) => {
        this.opts.logger.warn({ err: errorText(err) }, 'sync relay round failed; will retry');
      });
      await this.relayRound;
      this.relayRound = undefined;
      if (!this.stopped) this.relayTimer = setTimeout(() => void tick(), this.opts.relayIntervalMs ?? 500);
    };
    this.relayTimer = setTimeout(() => void tick(), 0);
  }

  /** Stops consuming and publishing; what is in flight finishes (or is redelivered later). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.relayTimer);
    await this.relayRound;
    const conn = this.conn;
    this.conn = this.publisher = this.consumer = undefined;
    if (this.health.state !== 'stopped') this.setState('stopped');
    await this.inbound;
    await conn?.close().catch(() => undefined);
    await this.lease?.release();
    this.lease = undefined;
    this.health.relayLeader = false;
  }

  private setState(state: SyncState, lastError?: string): void {
    this.health = { ...this.health, state, since: new Date(), lastError: lastError ?? this.health.lastError };
  }

  // ----- connection -------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const { config, logger } = this.opts;
    let conn: ChannelModel | undefined;
    try {
      conn = await amqp.connect(config.url, { timeout: 5000 });
      // Until it is all set up, a failure rejects the call that met it (the catch below, with the
      // broker's reason); after that, a closed channel or connection means reconnecting.
      let ready = false;
      conn.on('error', (err: unknown) =>
        logger.warn({ err: errorText(err) }, 'sync: broker connection error'),
      );
      conn.on('close', () => ready && this.lost(conn!, 'the broker closed the connection'));
      const publisher = await conn.createConfirmChannel();
      await publisher.assertExchange(config.outbound.exchange, 'direct', { durable: true });
      publisher.on('error', () => undefined);
      // `mandatory`: with no queue bound to the exchange the broker hands the message back (and then
      // confirms it); such an event is not sent, it waits and is tried again.
      publisher.on('return', (msg: ConsumeMessage) => {
        const id = msg.properties.messageId as unknown;
        if (typeof id === 'string') this.returned.add(id);
      });
      publisher.on('close', () => ready && this.lost(conn!, 'the publishing channel closed'));
      const consumer = await conn.createChannel();
      consumer.on('error', () => undefined);
      consumer.on('close', () => ready && this.lost(conn!, 'the consuming channel closed'));
      await consumer.prefetch(config.prefetch);
      await consumer.assertExchange(config.inbound.exchange, 'direct', { durable: true });
      await consumer.assertQueue(config.inbound.queue, { durable: true });
      await consumer.bindQueue(config.inbound.queue, config.inbound.exchange, config.inbound.routingKey);
      if (this.stopped) {
        await conn.close().catch(() => undefined);
        return;
      }
      this.conn = conn;
      this.publisher = publisher;
      this.consumer = consumer;
      await consumer.consume(config.inbound.queue, (msg) => msg && this.deliver(consumer, msg), {
        noAck: false,
      });
      ready = true;
      this.failures = 0;
      this.setState('connected');
      logger.info(
        { broker: safeUrl(config.url), queue: config.inbound.queue, exchange: config.outbound.exchange },
        'sync: connected to the broker',
      );
      // Whatever waited out a back-off while the broker was away goes now.
      await this.opts.sync.retryNow().catch(() => undefined);
    } catch (err) {
      await conn?.close().catch(() => undefined);
      this.lost(conn, errorText(err));
    }
  }

  /** The connection (or one of its channels) is gone: drop it and reconnect after a back-off. */
  private lost(conn: ChannelModel | undefined, reason: string): void {
    if (this.stopped) return;
    if (conn && this.conn && conn !== this.conn) return; // an older connection's late event
    if (this.conn === undefined && this.reconnectTimer && this.health.state === 'disconnected') return;
    const old = this.conn;
    this.conn = this.publisher = this.consumer = undefined;
    this.returned.clear();
    void old?.close().catch(() => undefined);
    const { minMs, maxMs } = this.opts.reconnect ?? { minMs: 1000, maxMs: 30_000 };
    const delay = backoffMs(this.failures, { minMs, maxMs });
    this.failures++;
    this.setState('disconnected', reason);
    this.opts.logger.warn({ reason, retryInMs: delay }, 'sync: broker unavailable; reconnecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.setState('connecting');
      void this.connect();
    }, delay);
  }

  // ----- inbound ----------------------------------------------------------------------------------

  private deliver(channel: Channel, msg: ConsumeMessage): void {
    this.inbound = this.inbound.then(() => this.handle(channel, msg));
  }

  private async handle(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const { logger, sync } = this.opts;
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const operation = headers.operation;
    const messageId =
      typeof msg.properties.messageId === 'string' && msg.properties.messageId
        ? msg.properties.messageId.slice(0, 255)
        : `sha256:${createHash('sha256').update(String(operation)).update('\n').update(msg.content).digest('hex')}`;
    try {
      const result = await sync.receive({ messageId, operation, body: msg.content });
      settle(() => channel.ack(msg));
      const fields = { messageId, operation: typeof operation === 'string' ? operation : null, ...result };
      if (result.outcome === 'dead') logger.warn(fields, 'sync: inbound message dead-lettered');
      else logger.info(fields, 'sync: inbound message');
    } catch (err) {
      // The database failed, not the message: it goes back to the queue and comes again shortly.
      logger.warn({ messageId, err: errorText(err) }, 'sync: inbound message not applied; will retry');
      await sleep(1000);
      settle(() => channel.nack(msg, false, true));
    }
  }

  // ----- outbound ---------------------------------------------------------------------------------

  private async relayOnce(): Promise<void> {
    const { sync } = this.opts;
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await sync.prune();
    }
    const publisher = this.publisher;
    if (!publisher) return;
    if (this.lease && !(await this.lease.alive())) {
      await this.lease.release();
      this.lease = undefined;
    }
    this.lease ??= (await sync.lead()) ?? undefined;
    this.health.relayLeader = Boolean(this.lease);
    if (!this.lease) return;
    const events = await sync.pending(100);
    if (events.length === 0) return;
    const results = await Promise.all(events.map((e) => this.publish(publisher, e)));
    const sent = events.filter((_, i) => results[i] === true).map((e) => e.id);
    const failed = events.filter((_, i) => results[i] !== true);
    await sync.markSent(sent);
    for (const e of failed) {
      const delay = Math.min(300, 2 ** Math.min(e.attempts, 8));
      await sync.retryLater([e.id], delay, String(results[events.indexOf(e)]));
    }
    if (failed.length) {
      this.opts.logger.warn(
        { sent: sent.length, failed: failed.length },
        'sync: events not confirmed; will retry',
      );
    }
  }

  /** Publishes one event and waits for the broker's confirm: true, or the error's text. */
  private publish(channel: ConfirmChannel, event: OutboxEvent): Promise<true | string> {
    const { config } = this.opts;
    const messageId = `bot-shop-${event.id}`;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve('no confirm from the broker in time'),
        this.opts.confirmTimeoutMs ?? 10_000,
      );
      try {
        channel.publish(
          config.outbound.exchange,
          config.outbound.routingKey,
          Buffer.from(JSON.stringify(event.body)),
          {
            persistent: true,
            mandatory: true,
            contentType: 'application/json',
            messageId,
            timestamp: Math.floor(Date.now() / 1000),
            headers: { operation: event.operation, 'shop-version': event.version },
          },
          (err: unknown) => {
            clearTimeout(timer);
            const unroutable = this.returned.delete(messageId);
            if (err) resolve(errorText(err) || 'the broker refused the message');
            else if (unroutable) resolve(`no queue is bound to the exchange ${config.outbound.exchange}`);
            else resolve(true);
          },
        );
      } catch (err) {
        clearTimeout(timer);
        resolve(errorText(err));
      }
    });
  }
}
