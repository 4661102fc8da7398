import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { Logger } from '../logger.js';

export interface PollerOptions {
  telegram: Telegram;
  logger: Logger;
  /**
   * Receives each batch fetched: resolves once the batch is stored (the work is queued, not done).
   * Only then is the offset advanced; a rejection fetches the same batch again after a pause.
   */
  receive: (updates: Update[]) => Promise<unknown>;
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
 * confirms the offset, so nothing is handled twice across a graceful restart.
 *
 * A batch is confirmed by the next getUpdates, while its work may still be running; that is safe
 * because the offset moves past a batch only once `receive` has stored it (the durable inbox,
 * src/bot/intake.ts): a crash or SIGKILL then loses nothing, the stored updates are replayed.
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
        if (updates.length) {
          await this.opts.receive(updates);
          for (const update of updates) this.offset = Math.max(this.offset, update.update_id + 1);
        }
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures++;
        const wait = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        const code = (err as { code?: number }).code;
        if (code === 409) this.opts.logger.error('another poller or a webhook is active for this bot token');
        else if (code === 401) this.opts.logger.error('Telegram rejected BOT_TOKEN (401 Unauthorized)');
        this.opts.logger.warn(
          { err, retryInMs: wait },
          'getUpdates failed, or its updates could not be stored',
        );
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }
}
