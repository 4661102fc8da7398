import type { DataSource } from 'typeorm';
import { SessionStore } from '../db/session-store.js';
import type { LoginLimiter } from './limiter.js';

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
  private readonly sessions: SessionStore<object>;

  constructor(
    dataSource: DataSource,
    private readonly limiter: Pick<LoginLimiter, 'prune'>,
  ) {
    this.sessions = new SessionStore(dataSource, 0);
  }

  async prune(): Promise<PruneResult> {
    const [botSessions, loginFailures] = await Promise.all([this.sessions.prune(), this.limiter.prune()]);
    return { botSessions, loginFailures };
  }
}
