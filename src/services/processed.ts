import { run, type Db } from './sql.js';

/** How long handled ids stay: past a broker backlog drained after an outage, and Telegram's retries. */
export const PROCESSED_RETENTION_HOURS = 48;

/**
 * The ids of updates handled through the broker (tg_processed). A worker checks an update's id
 * before running it and records it after: a redelivery (the worker that had it died before its ack)
 * or a second copy (Telegram retried after a receiver died) is then skipped.
 */
export class ProcessedUpdatesService {
  constructor(private readonly db: Db) {}

  /** Whether the update was handled before. */
  async seen(updateId: number): Promise<boolean> {
    const { rows } = await run(this.db, `SELECT 1 FROM tg_processed WHERE update_id = $1`, [updateId]);
    return rows.length > 0;
  }

  /**
   * Records handled updates. Committed without waiting for the disk (synchronous_commit off, this
   * transaction only): a record lost in a database crash only lets a redelivery run again.
   */
  async record(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await run(
      this.db,
      `INSERT INTO tg_processed (update_id)
       SELECT unnest($1::bigint[]) WHERE (SELECT set_config('synchronous_commit', 'off', true)) = 'off'
       ON CONFLICT (update_id) DO NOTHING`,
      [ids],
    );
  }

  async prune(): Promise<number> {
    const { count } = await run(
      this.db,
      `DELETE FROM tg_processed WHERE done_at < now() - make_interval(hours => $1)`,
      [PROCESSED_RETENTION_HOURS],
    );
    return count;
  }
}
