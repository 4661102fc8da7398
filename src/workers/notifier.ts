import type { Telegram } from 'telegraf';
import { isBlocked, retryAfterSeconds } from '../bot/telegram-errors.js';
import { textsFor, type Language } from '../bot/texts/index.js';
import type { Logger } from '../logger.js';
import type { DueNotice, Services } from '../services/index.js';

export interface NotifierOptions {
  services: Pick<Services, 'notifications'>;
  /** The Telegram client the notices go out through (the bot's own, with its 429 and 403 handling). */
  telegram: Telegram;
  logger: Logger;
  defaultLanguage: Language;
  intervalMs?: number;
  maxAttempts?: number;
}

/**
 * The worker that delivers the ban and unban notices queued in the outbox (services/notifications):
 * every second it leases what is due, sends it, and settles each row. Failures back off
 * exponentially (or as long as Telegram's retry_after says); a blocked user ends the row as failed.
 */
export class Notifier {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;

  constructor(private readonly opts: NotifierOptions) {}

  start(): void {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      try {
        this.running = this.runOnce();
        await this.running;
      } catch (err) {
        this.opts.logger.warn({ err }, 'notification round failed; will retry');
      } finally {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(() => void tick(), this.opts.intervalMs ?? 1000);
      }
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  /** Stops the loop; a round in flight finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Sends what is due now; returns how many were delivered. */
  async runOnce(batch = 25): Promise<number> {
    const outbox = this.opts.services.notifications;
    let sent = 0;
    for (const notice of await outbox.lease(batch)) {
      const t = textsFor(notice.languageCode ?? undefined, this.opts.defaultLanguage);
      try {
        await this.opts.telegram.sendMessage(notice.chatId, notice.kind === 'ban' ? t.banned : t.unbanned);
        await outbox.markSent(notice.id);
        sent++;
      } catch (err) {
        await this.failed(notice, err);
      }
    }
    return sent;
  }

  private async failed(notice: DueNotice, err: unknown): Promise<void> {
    const outbox = this.opts.services.notifications;
    const message = err instanceof Error ? err.message.slice(0, 500) : String(err);
    if (isBlocked(err) || notice.attempts >= (this.opts.maxAttempts ?? 10)) {
      await outbox.giveUp(notice.id, message);
      if (isBlocked(err)) await outbox.markChatUnreachable(notice.chatId);
      this.opts.logger.warn({ notification: notice.id, error: message }, 'notification given up');
      return;
    }
    const delay = retryAfterSeconds(err) ?? Math.min(3600, 2 ** notice.attempts * 5);
    await outbox.retryLater(notice.id, delay, message);
    this.opts.logger.warn(
      { notification: notice.id, retryInSeconds: delay, error: message },
      'notification failed',
    );
  }
}
