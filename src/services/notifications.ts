import type { NotificationKind } from '../db/entities/index.js';
import { run, type Db } from './sql.js';

/** A notice the outbox owes a user, leased for one delivery attempt. */
export interface DueNotice {
  id: number;
  chatId: number;
  kind: NotificationKind;
  /** Attempts so far, this one included. */
  attempts: number;
  /** The user's Telegram language, for the wording. */
  languageCode: string | null;
}

/**
 * The outbox of notices the bot owes users (`notifications`). Ban and unban rows are written by a
 * database trigger when the flag changes and the change commits; this is how they are handed out
 * and settled. No transaction stays open while Telegram is called: a lease is one statement that
 * pushes the row's next attempt two minutes ahead, so a sender that dies mid-round gives its rows
 * back, and several processes can share the work.
 */
export class NotificationService {
  constructor(private readonly db: Db) {}

  /** Leases up to `batch` due notices (SKIP LOCKED: rows another sender holds are passed over), oldest first. */
  async lease(batch = 25): Promise<DueNotice[]> {
    const { rows } = await run<{
      id: number;
      chat_id: number;
      kind: NotificationKind;
      attempts: number;
      language_code: string | null;
    }>(
      this.db,
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
    return rows
      .sort((a, b) => a.id - b.id)
      .map((r) => ({
        id: r.id,
        chatId: r.chat_id,
        kind: r.kind,
        attempts: r.attempts,
        languageCode: r.language_code,
      }));
  }

  async markSent(id: number): Promise<void> {
    await run(
      this.db,
      `UPDATE notifications SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1`,
      [id],
    );
  }

  /** Tries again in `delaySeconds`, keeping the error for staff to read. */
  async retryLater(id: number, delaySeconds: number, error: string): Promise<void> {
    await run(
      this.db,
      `UPDATE notifications SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
      [id, delaySeconds, error],
    );
  }

  /** Ends the notice as failed: it is not tried again. */
  async giveUp(id: number, error: string): Promise<void> {
    await run(this.db, `UPDATE notifications SET status = 'failed', last_error = $2 WHERE id = $1`, [
      id,
      error,
    ]);
  }

  /** The chat has blocked the bot: its user is marked unreachable. */
  async markChatUnreachable(chatId: number): Promise<void> {
    await run(this.db, `UPDATE telegram_users SET is_reachable = false WHERE chat_id = $1`, [chatId]);
  }
}
