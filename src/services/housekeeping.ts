import type { InboxService } from './inbox.js';
import type { LoginLimiter } from './limiter.js';
import type { ProcessedUpdatesService } from './processed.js';
import { run, type Db } from './sql.js';

export interface PruneResult {
  /** Bot sessions past their expiry. */
  botSessions: number;
  /** Failed logins older than the limiter's window. */
  loginFailures: number;
  /** Inbox rows: handled ones past the redelivery window, parked ones nobody re-ran. */
  inbox: number;
  /** Ids of updates handled through the broker, past their retention. */
  processed: number;
}

/**
 * Clearing what has lapsed. Expired bot sessions and login failures that left the window are never
 * read again (both are checked against the clock when read), so removing them is only tidying. The
 * inbox's handled rows and the broker's processed ids are ids only; past their windows they go too.
 */
export class HousekeepingService {
  constructor(
    private readonly db: Db,
    private readonly limiter: Pick<LoginLimiter, 'prune'>,
    private readonly inbox?: Pick<InboxService, 'prune'>,
    private readonly processed?: Pick<ProcessedUpdatesService, 'prune'>,
  ) {}

  async prune(): Promise<PruneResult> {
    const [sessions, loginFailures, inbox, processed] = await Promise.all([
      run(this.db, `DELETE FROM bot_sessions WHERE expires_at <= now()`),
      this.limiter.prune(),
      this.inbox?.prune() ?? 0,
      this.processed?.prune() ?? 0,
      // The dashboard's count deltas into their totals (migration PanelCounters): a view sums what is left.
      run(this.db, `SELECT panel_counts_fold()`),
    ]);
    return { botSessions: sessions.count, loginFailures, inbox, processed };
  }

  /**
   * What autovacuum does on a server, for the embedded database: PGlite runs PostgreSQL in
   * single-user mode, which has no autovacuum, so without this the churn of the inbox, the sessions
   * and the outboxes would leave dead rows for ever (the tables only grow) and the planner's
   * statistics would never follow the data. One table at a time, so the bot's statements get their
   * turns in between (the embedded database runs one statement at a time). Answers the tables done.
   */
  async vacuum(): Promise<number> {
    const { rows } = await run<{ name: string }>(
      this.db,
      `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
    );
    for (const { name } of rows) await run(this.db, `VACUUM (ANALYZE) ${name}`);
    return rows.length;
  }
}
