import type { DataSource } from 'typeorm';
import type { Telegram } from 'telegraf';
import type { Logger } from '../logger.js';
import { run } from '../services/sql.js';
import { isBlocked, retryAfterSeconds } from './telegram-errors.js';
import { textsFor, type Language } from './texts/index.js';

interface DueRow {
  id: number;
  chat_id: number;
  kind: 'ban' | 'unban';
  attempts: number;
  language_code: string | null;
}

export interface NotifierOptions {
  dataSource: DataSource;
  telegram: Telegram;
  logger: Logger;
  defaultLanguage: Language;
  intervalMs?: number;
  maxAttempts?: number;
}

/**
 * Delivers the notices queued in `notifications` (ban and unban, written by a trigger when the
 * flag changes and the change commits). Rows are leased with one UPDATE … SKIP LOCKED, so no
 * transaction stays open while Telegram is called and several processes can share the work;
 * failures back off exponentially, a blocked user ends the row as failed.
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
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 1000);
      }
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Sends what is due now; returns how many were delivered. */
  async runOnce(batch = 25): Promise<number> {
    const { rows } = await run<DueRow>(
      this.opts.dataSource,
      `UPDATE notifications n
          SET attempts = n.attempts + 1, next_attempt_at = now() + interval '2 minutes'
         FROM (SELECT id FROM notifications
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) due
        WHERE n.id = due.id
      RETURNING n.id, n.chat_id, n.kind, n.attempts,
                (SELECT language_code FROM telegram_users WHERE id = n.telegram_user_id) AS language_code`,
      [batch],
    );
    let sent = 0;
    for (const row of rows.sort((a, b) => a.id - b.id)) {
      const t = textsFor(row.language_code ?? undefined, this.opts.defaultLanguage);
      try {
        await this.opts.telegram.sendMessage(row.chat_id, row.kind === 'ban' ? t.banned : t.unbanned);
        await this.opts.dataSource.query(
          `UPDATE notifications SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1`,
          [row.id],
        );
        sent++;
      } catch (err) {
        await this.failed(row, err);
      }
    }
    return sent;
  }

  private async failed(row: DueRow, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message.slice(0, 500) : String(err);
    const max = this.opts.maxAttempts ?? 10;
    if (isBlocked(err) || row.attempts >= max) {
      await this.opts.dataSource.query(
        `UPDATE notifications SET status = 'failed', last_error = $2 WHERE id = $1`,
        [row.id, message],
      );
      if (isBlocked(err)) {
        await this.opts.dataSource.query(
          `UPDATE telegram_users SET is_reachable = false WHERE chat_id = $1`,
          [row.chat_id],
        );
      }
      this.opts.logger.warn({ notification: row.id, error: message }, 'notification given up');
      return;
    }
    const delay = retryAfterSeconds(err) ?? Math.min(3600, 2 ** row.attempts * 5);
    await this.opts.dataSource.query(
      `UPDATE notifications SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
      [row.id, delay, message],
    );
    this.opts.logger.warn(
      { notification: row.id, retryInSeconds: delay, error: message },
      'notification failed',
    );
  }
}
