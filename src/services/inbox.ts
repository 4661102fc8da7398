import { run, runPrepared, transaction, type Db } from './sql.js';

/** An update as the inbox stores it: its id, the chat it is ordered in, its kind and the update itself. */
export interface InboxEntry {
  updateId: number;
  /** The chat whose updates run in order; null for an update without one. */
  chatKey: number | null;
  kind: string;
  payload: object;
}

/** A stored update due to run (a replay at start, or one staff asked to run again). */
export interface DueUpdate {
  updateId: number;
  payload: object;
}

export interface Recovery {
  /** Updates set aside: they were in flight during `maxAttempts` crashes in a row. */
  parked: number[];
  /** Updates stored but not handled to the end, oldest first: they run again. */
  replay: DueUpdate[];
}

/**
 * How long handled rows (ids only) stay to drop redeliveries. A stored update comes again only when
 * Telegram missed its confirmation: a batch fetched again at the next start (before the first
 * housekeeping run, an hour after it), or a webhook retry after a lost 200 (Telegram retries within
 * minutes). An hour covers both and keeps the table to an hour or two of ids.
 */
export const INBOX_DONE_RETENTION_MINUTES = 60;
/** How long a parked update (with its payload) waits for staff before it is deleted. */
export const INBOX_PARKED_RETENTION_DAYS = 7;

/** What marking an update done writes: its status, when, and its payload dropped. */
const MARK_DONE = `status = 'done', done_at = now(), payload = NULL`;

/**
 * The durable inbox of Telegram updates (tg_inbox). An update is stored before Telegram is told it
 * arrived, handled through the chat queue, then marked done, which drops its payload: only the id
 * and the times stay, to drop a redelivery, until the maintenance deletes them.
 */
export class InboxService {
  constructor(private readonly db: Db) {}

  /**
   * Stores a batch in one statement; answers with the ids that were new. An id stored before (a
   * redelivery, or a batch fetched again after a crash) is left as it is and is not in the answer.
   * `done`: handled updates to mark done in the same statement (as markDone does), so the marks
   * waiting for their batch ride along with the next store instead of taking a statement of their own.
   */
  async store(entries: InboxEntry[], done: number[] = []): Promise<Set<number>> {
    if (entries.length === 0) {
      if (done.length) await this.markDone(done);
      return new Set();
    }
    const rows = entries.map((e) => ({
      update_id: e.updateId,
      chat_key: e.chatKey,
      kind: e.kind.slice(0, 32),
      payload: e.payload,
    }));
    // Prepared, as is the done mark: every update goes through both (planning the recordset cost
    // about what executing it did).
    const { rows: inserted } = await runPrepared<{ update_id: number | string }>(
      this.db,
      `WITH marked AS (
         UPDATE tg_inbox AS d SET ${MARK_DONE}
          WHERE d.update_id = ANY($2::bigint[]) AND d.status = 'pending'
       )
       INSERT INTO tg_inbox (update_id, chat_key, kind, payload)
       SELECT x.update_id, x.chat_key, x.kind, x.payload
         FROM jsonb_to_recordset($1::jsonb) AS x(update_id bigint, chat_key bigint, kind varchar, payload jsonb)
       ON CONFLICT (update_id) DO NOTHING
       RETURNING update_id`,
      [JSON.stringify(rows), done],
    );
    return new Set(inserted.map((r) => Number(r.update_id)));
  }

  /**
   * Marks handled updates done and drops their payloads. Committed without waiting for the disk
   * (synchronous_commit off, this transaction only): a done mark lost in a database crash only
   * makes the update run again, it never loses one.
   */
  async markDone(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { count } = await runPrepared(
      this.db,
      `UPDATE tg_inbox SET ${MARK_DONE}
        WHERE update_id = ANY($1::bigint[]) AND status = 'pending'
          AND (SELECT set_config('synchronous_commit', 'off', true)) = 'off'`,
      [ids],
    );
    return count;
  }

  /**
   * At start, before any new update: the updates a crash left unfinished. The oldest pending update
   * of each chat (every pending one without a chat) was possibly running when the process died:
   * its attempts go up, and at `maxAttempts` it is parked instead of replayed, so an update that
   * kills the process can't crash it forever. The rest are replayed, oldest first.
   */
  async recover(maxAttempts = 3): Promise<Recovery> {
    return transaction(this.db, async (em) => {
      await run(
        em,
        `UPDATE tg_inbox SET attempts = attempts + 1
          WHERE status = 'pending'
            AND (chat_key IS NULL OR update_id IN (
                  SELECT min(update_id) FROM tg_inbox
                   WHERE status = 'pending' AND chat_key IS NOT NULL GROUP BY chat_key))`,
      );
      const parked = await run<{ update_id: number | string }>(
        em,
        `UPDATE tg_inbox SET status = 'parked' WHERE status = 'pending' AND attempts >= $1 RETURNING update_id`,
        [maxAttempts],
      );
      const replay = await run<{ update_id: number | string; payload: object }>(
        em,
        `SELECT update_id, payload FROM tg_inbox WHERE status = 'pending' ORDER BY update_id`,
      );
      return {
        parked: parked.rows.map((r) => Number(r.update_id)).sort((a, b) => a - b),
        replay: replay.rows.map((r) => ({ updateId: Number(r.update_id), payload: r.payload })),
      };
    });
  }

  /** Parked updates staff asked to run again (see rerun): taken once, back to pending, oldest first. */
  async takeReruns(): Promise<DueUpdate[]> {
    const { rows } = await run<{ update_id: number | string; payload: object }>(
      this.db,
      `UPDATE tg_inbox SET status = 'pending', attempts = 0 WHERE status = 'rerun' RETURNING update_id, payload`,
    );
    return rows
      .map((r) => ({ updateId: Number(r.update_id), payload: r.payload }))
      .sort((a, b) => a.updateId - b.updateId);
  }

  /** Asks for parked updates to run again (the panel's action); answers how many were parked. */
  async rerun(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { count } = await run(
      this.db,
      `UPDATE tg_inbox SET status = 'rerun' WHERE update_id = ANY($1::bigint[]) AND status = 'parked'`,
      [ids],
    );
    return count;
  }

  /** Deletes handled rows past the redelivery window and parked ones nobody re-ran within a week. */
  async prune(): Promise<number> {
    const { count } = await run(
      this.db,
      `DELETE FROM tg_inbox
        WHERE (status = 'done' AND done_at < now() - make_interval(mins => $1))
           OR (status = 'parked' AND received_at < now() - make_interval(days => $2))`,
      [INBOX_DONE_RETENTION_MINUTES, INBOX_PARKED_RETENTION_DAYS],
    );
    return count;
  }
}
