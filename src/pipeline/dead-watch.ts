import type { Logger } from '../logger.js';
import { errorText } from './amqp.js';

export interface DeadWatchOptions {
  /** The dead queue's name, for the log lines. */
  queue: string;
  /** How many messages wait in the dead queue now; undefined while the broker is not connected. */
  count: () => Promise<number | undefined>;
  logger: Logger;
  /** How often the queue is looked at (the first look is at start). */
  everyMs?: number;
  /** How soon a look that found the broker not connected (yet) is tried again. */
  retryMs?: number;
}

/**
 * Tells operators about updates in the dead queue: an update goes there when it was delivered
 * AMQP's delivery limit times without an acknowledgement, i.e. every worker that took it died
 * (README "Running more than one process"). Nobody answered its sender, so a person has to look.
 * Run by the leader only (one alert per bot, not one per worker): each look that finds more than the
 * last report logs an error with the count; /healthz shows the last count (`deadUpdates`).
 */
export class DeadWatch {
  private timer?: NodeJS.Timeout;
  private looking?: Promise<void>;
  private reported = 0;
  private running = false;
  /** The last look found the broker not connected (a failed question is warned and retried later). */
  private notConnected = false;
  /** The count at the last look (undefined before the first, or when the broker couldn't say). */
  count?: number;

  constructor(private readonly opts: DeadWatchOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      if (!this.running) return;
      this.looking = this.look();
      await this.looking;
      this.looking = undefined;
      // Not connected yet (the leader starts before its broker link is up): soon again, quietly.
      const wait = this.notConnected ? (this.opts.retryMs ?? 1000) : (this.opts.everyMs ?? 30_000);
      if (this.running) this.timer = setTimeout(() => void loop(), wait);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.looking;
    this.count = undefined;
  }

  private async look(): Promise<void> {
    const { logger, queue } = this.opts;
    let n: number | undefined;
    this.notConnected = false;
    try {
      n = await this.opts.count();
      this.notConnected = n === undefined;
    } catch (err) {
      logger.warn({ queue, err: errorText(err) }, 'could not count the dead updates; will look again');
    }
    this.count = n;
    if (n === undefined) return;
    if (n > this.reported) {
      logger.error(
        { queue, updates: n, new: n - this.reported },
        'updates in the dead queue: every worker that took them died, and their senders got no answer (README: "Dead updates")',
      );
    } else if (n === 0 && this.reported > 0) {
      logger.info({ queue }, 'the dead queue is empty again');
    }
    this.reported = n;
  }
}
