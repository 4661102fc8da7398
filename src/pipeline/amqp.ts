import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Logger } from '../logger.js';

/** The URL without its password, for the logs. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'amqp://?';
  }
}

export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Acks and nacks on a channel that closed meanwhile throw: the message is redelivered anyway. */
export function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    // redelivered later; the receiver of the redelivery drops what it has done before
  }
}

/** From `minMs`, doubling per failure in a row, up to `maxMs`. */
export function backoffMs(failures: number, { minMs, maxMs }: { minMs: number; maxMs: number }): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(failures, 16));
}

export type BrokerState = 'connecting' | 'connected' | 'down';

export interface BrokerLinkOptions {
  url: string;
  logger: Logger;
  /** Names the link in the logs. */
  name: string;
  /**
   * Declares what the link needs on a new connection; `watch` a channel whose closing means
   * reconnecting. A throw closes the connection and retries after the back-off.
   */
  setup: (conn: ChannelModel, watch: (channel: Channel) => void) => Promise<void>;
  /** Called once per lost connection (after setup had succeeded), before the back-off. */
  onLost?: () => void;
  reconnect?: { minMs: number; maxMs: number };
}

/**
 * One AMQP connection that comes back: connect, set up, and on any loss (the connection, or a
 * channel the setup watches) drop everything and start over after a back-off, as the shop sync's
 * worker does (src/workers/sync.ts).
 */
export class BrokerLink {
  private conn?: ChannelModel;
  private stopped = true;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private current: BrokerState = 'down';
  lastError?: string;

  constructor(private readonly opts: BrokerLinkOptions) {}

  get state(): BrokerState {
    return this.current;
  }

  /** The connection while connected (channels of one's own are opened on it). */
  get connection(): ChannelModel | undefined {
    return this.current === 'connected' ? this.conn : undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.current = 'connecting';
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = undefined;
    this.current = 'down';
    await conn?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { logger, url, name } = this.opts;
    let conn: ChannelModel | undefined;
    let ready = false;
    try {
      conn = await amqp.connect(url, { timeout: 5000 });
      const me = conn;
      conn.on('error', (err: unknown) =>
        logger.warn({ err: errorText(err) }, `${name}: broker connection error`),
      );
      conn.on('close', () => ready && this.lost(me, 'the broker closed the connection'));
      const watch = (channel: Channel) => {
        channel.on('error', () => undefined);
        channel.on('close', () => ready && this.lost(me, 'a channel closed'));
      };
      await this.opts.setup(conn, watch);
      if (this.stopped) {
        await conn.close().catch(() => undefined);
        return;
      }
      this.conn = conn;
      ready = true;
      this.failures = 0;
      this.current = 'connected';
      logger.info({ broker: safeUrl(url) }, `${name}: connected to the broker`);
    } catch (err) {
      await conn?.close().catch(() => undefined);
      this.retry(errorText(err));
    }
  }

  private lost(conn: ChannelModel, reason: string): void {
    if (this.stopped || conn !== this.conn) return;
    this.conn = undefined;
    void conn.close().catch(() => undefined);
    this.opts.onLost?.();
    this.retry(reason);
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    const delay = backoffMs(this.failures++, this.opts.reconnect ?? { minMs: 500, maxMs: 10_000 });
    this.current = 'down';
    this.lastError = reason;
    this.opts.logger.warn(
      { reason, retryInMs: delay },
      `${this.opts.name}: broker unavailable; reconnecting`,
    );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.current = 'connecting';
      void this.connect();
    }, delay);
  }
}
