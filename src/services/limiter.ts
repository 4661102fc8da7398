import type { EntityManager } from 'typeorm';
import { run, type Db } from './sql.js';

export interface LoginLimiterOptions {
  /** Failures within the window that lock the key (LOGIN_MAX_FAILURES). */
  maxFailures: number;
  /** The sliding window, in minutes (LOGIN_WINDOW_MINUTES). */
  windowMinutes: number;
}

export type LimiterState = { locked: false } | { locked: true; retryAfterSeconds: number };

/** Which limiter a failure counts against: 'bot' (key: Telegram id), 'panel-ip', 'panel-user'. */
export type LimiterScope = 'bot' | 'panel-ip' | 'panel-user' | (string & {});

/**
 * Failed logins per (scope, key) in a sliding window, kept in the database so a restart forgets
 * nothing and the bot and the panel share it. Times are the database's clock throughout.
 * check-then-fail is not atomic: a burst of parallel attempts may record a few more failures than
 * the maximum before the lock shows, which only makes the lock last a little longer.
 */
export class LoginLimiter {
  constructor(
    private readonly ds: Db,
    private readonly options: LoginLimiterOptions,
  ) {}

  /**
   * Locked while at least maxFailures failures are in the window. The lock lifts when enough of them
   * have aged out to leave fewer than maxFailures: when the maxFailures-th newest one leaves the
   * window (with exactly maxFailures failures, that is the oldest).
   */
  async check(scope: LimiterScope, key: string | number): Promise<LimiterState> {
    const { rows } = await run<{ retry_after: number }>(
      this.ds,
      `SELECT ceil(extract(epoch FROM created_at + make_interval(mins => $3) - now()))::int AS retry_after
       FROM login_failures
       WHERE scope = $1 AND key = $2 AND created_at > now() - make_interval(mins => $3)
       ORDER BY created_at DESC
       OFFSET $4 LIMIT 1`,
      [scope, keyOf(key), this.options.windowMinutes, this.options.maxFailures - 1],
    );
    const row = rows[0];
    if (!row) return { locked: false };
    return { locked: true, retryAfterSeconds: Math.max(1, row.retry_after) };
  }

  async fail(scope: LimiterScope, key: string | number, em?: EntityManager): Promise<void> {
    await run(em ?? this.ds, `INSERT INTO login_failures (scope, key) VALUES ($1, $2)`, [scope, keyOf(key)]);
  }

  /** Forgets the key's failures (after a successful login). Pass `em` inside a transaction. */
  async clear(scope: LimiterScope, key: string | number, em?: EntityManager): Promise<void> {
    await run(em ?? this.ds, `DELETE FROM login_failures WHERE scope = $1 AND key = $2`, [scope, keyOf(key)]);
  }

  /** Deletes failures that have left the window; returns how many. Run it now and then. */
  async prune(): Promise<number> {
    const { count } = await run(
      this.ds,
      `DELETE FROM login_failures WHERE created_at <= now() - make_interval(mins => $1)`,
      [this.options.windowMinutes],
    );
    return count;
  }
}

function keyOf(key: string | number): string {
  return String(key).slice(0, 255);
}
