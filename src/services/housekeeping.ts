import type { InboxService } from './inbox.js';
import type { LoginLimiter } from './limiter.js';
import { run, type Db } from './sql.js';

export interface PruneResult {
  /** Bot sessions past their expiry. */
  botSessions: number;
  /** Failed logins older than the limiter's window. */
  loginFailures: number;
  /** Inbox rows: handled ones past the redelivery window, parked ones nobody re-ran. */
  inbox: number;
}

/**
 * Clearing what has lapsed. Expired bot sessions and login failures that left the window are never
 * read again (both are checked against the clock when read), so removing them is only tidying. The
 * inbox's handled rows hold ids only; past the redelivery window they go too.
 */
export class HousekeepingService {
  constructor(
    private readonly db: Db,
    private readonly limiter: Pick<LoginLimiter, 'prune'>,
    private readonly inbox?: Pick<InboxService, 'prune'>,
  ) {}

  async prune(): Promise<PruneResult> {
    const [sessions, loginFailures, inbox] = await Promise.all([
      run(this.db, `DELETE FROM bot_sessions WHERE expires_at <= now()`),
      this.limiter.prune(),
      this.inbox?.prune() ?? 0,
    ]);
    return { botSessions: sessions.count, loginFailures, inbox };
  }
}
