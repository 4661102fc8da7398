import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { Logger } from '../logger.js';

export interface PollerOptions {
  telegram: Telegram;
  logger: Logger;
  /** Receives each update fetched (the bot drops repeats by update_id); it should queue the work and return quickly. */
  dispatch: (update: Update) => void;
  /** Resolves when all dispatched work has finished. */
  drain: () => Promise<void>;
  /** How much dispatched work is still pending, for back-pressure. */
  backlog: () => number;
  allowedUpdates: string[];
  timeoutSeconds?: number;
  maxBacklog?: number;
}

/**
 * Long polling with the guarantees Telegraf's loop lacks: updates are handed over as they arrive
 * (no waiting for the slowest of a batch), network failures back off, and stop() lets in-flight work finish before it
 * confirms the offset, so nothing is lost or handled twice across a graceful restart.
 *
 * Updates are confirmed by the next getUpdates, while their work may still be running: a crash or
 * SIGKILL drops the updates in flight (at most 64 at a time). Holding the offset back to the oldest
 * unfinished update would make every long poll return at once with updates already being handled.
 */
export class Poller {
  private offset = 0;
  private running = false;
  private abort?: AbortController;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort?.abort();
    await this.loopDone;
    await this.opts.drain();
    if (this.offset > 0) {
      try {
        // Confirms everything handled; an update fetched by this call stays unconfirmed for next time.
        await this.opts.telegram.callApi('getUpdates', { offset: this.offset, limit: 1, timeout: 0 });
      } catch (err) {
        this.opts.logger.warn(
          { err },
          'could not confirm the polling offset; some updates may be redelivered',
        );
      }
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      if (this.opts.backlog() > (this.opts.maxBacklog ?? 2000)) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.abort = new AbortController();
      try {
        const updates = (await this.opts.telegram.callApi(
          'getUpdates',
          {
            offset: this.offset,
            limit: 100,
            timeout: this.opts.timeoutSeconds ?? 30,
            allowed_updates: this.opts.allowedUpdates,
          } as never,
          { signal: this.abort.signal as never },
        )) as unknown as Update[];
        failures = 0;
        for (const update of updates) {
          this.offset = Math.max(this.offset, update.update_id + 1);
          this.opts.dispatch(update);
        }
      } catch (err) {
        if (!this.running) break;
        failures++;
        const wait = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        const code = (err as { code?: number }).code;
        if (code === 409) this.opts.logger.error('another poller or a webhook is active for this bot token');
        else if (code === 401) this.opts.logger.error('Telegram rejected BOT_TOKEN (401 Unauthorized)');
        this.opts.logger.warn({ err, retryInMs: wait }, 'getUpdates failed');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
