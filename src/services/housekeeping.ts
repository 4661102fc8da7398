import type { LoginLimiter } from './limiter.js';
import { run, type Db } from './sql.js';

export interface PruneResult {
  /** Bot sessions past their expiry. */
  botSessions: number;
  /** Failed logins older than the limiter's window. */
  loginFailures: number;
}

/**
 * Clearing what has lapsed. Expired bot sessions and login failures that left the window are never
 * read again (both are checked against the clock when read), so removing them is only tidying.
 */
export class HousekeepingService {
  constructor(
    private readonly db: Db,
    private readonly limiter: Pick<LoginLimiter, 'prune'>,
  ) {}

  async prune(): Promise<PruneResult> {
    const [sessions, loginFailures] = await Promise.all([
      run(this.db, `DELETE FROM bot_sessions WHERE expires_at <= now()`),
      this.limiter.prune(),
    ]);
    return { botSessions: sessions.count, loginFailures };
  }
}
