import { createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { run, transaction, type Db } from './sql.js';

export interface LoginLimiterOptions {
  /** Failures within the window that lock the key (LOGIN_MAX_FAILURES). */
  maxFailures: number;
  /** The sliding window, in minutes (LOGIN_WINDOW_MINUTES). */
  windowMinutes: number;
  /** Wrong shop keys a minute, across all accounts (WRONG_KEYS_PER_MINUTE). */
  wrongKeysPerMinute: number;
  /** Wrong shop keys an hour, across all accounts (WRONG_KEYS_PER_HOUR). */
  wrongKeysPerHour: number;
}

/** Which limiter a failure counts against: 'bot' (key: Telegram id), 'panel-ip', 'panel-user'… */
export type LimiterScope = 'bot' | 'bot-admin' | 'panel-ip' | 'panel-user' | (string & {});

/** The global budget's two windows. */
export type BudgetWindow = 'minute' | 'hour';

/** At most `max` failures of (scope, key) in the last `windowSeconds`. */
export interface Limit {
  scope: LimiterScope;
  key: string | number;
  max: number;
  windowSeconds: number;
  /** Set on the global budget's limits: which of its windows this is. */
  budget?: BudgetWindow;
}

export type LimiterState = { locked: false } | { locked: true; retryAfterSeconds: number };

/** An attempt that was let through: its rows count as failures until it is released. */
export interface Reservation {
  ids: number[];
  /** The budget windows this attempt used up (it took their last place). */
  filled: BudgetWindow[];
}

export type Attempt =
  { ok: true; reservation: Reservation } | { ok: false; retryAfterSeconds: number; limit: Limit };

/** The scope of the global budget for wrong shop keys (one key: all accounts). */
export const SHOP_KEYS_SCOPE = 'shop-keys';
const ALL = 'all';

/** The advisory-lock class of the limiter's per-key locks (the second number is the key's hash). */
const LOCK_CLASS = 0x4c4f47; // "LOG"

/** The name of the generated key in app_secrets, used when no SESSION_SECRET is configured. */
const SECRET_NAME = 'login-failures-hmac';

/**
 * Failed logins per (scope, key) in a sliding window, kept in the database so a restart forgets
 * nothing and the bot and the panel share it. Times are the database's clock throughout.
 *
 * An attempt is reserved before the secret is compared: `attempt()` takes a per-key lock, checks
 * every limit and records one failure per key, in one transaction. The caller compares, and on
 * success `release()`s the reservation; on failure the row simply stays. So a burst of parallel
 * attempts is counted as a sequence would be: no more than `max` comparisons in a window, whatever
 * the concurrency. A success releases only its own row: earlier failures age out of the window.
 *
 * Keys are stored as an HMAC (SHA-256, hex): enough to count per key, and a password typed into a
 * username field is never kept as text. The HMAC key comes from SESSION_SECRET when it is set,
 * otherwise from a random key made once and kept in the table app_secrets.
 */
export class LoginLimiter {
  private hmacKey: Promise<Buffer> | undefined;

  constructor(
    private readonly ds: Db,
    private readonly options: LoginLimiterOptions,
    /** SESSION_SECRET, when configured. */
    private readonly secret?: string,
  ) {
    if (secret) this.hmacKey = Promise.resolve(derive(secret));
  }

  /** The login limit for one key: LOGIN_MAX_FAILURES in LOGIN_WINDOW_MINUTES. */
  limit(scope: LimiterScope, key: string | number): Limit {
    return { scope, key, max: this.options.maxFailures, windowSeconds: this.options.windowMinutes * 60 };
  }

  /** The global budget for wrong shop keys: one limit a minute, one an hour, across all accounts. */
  shopKeyBudget(): Limit[] {
    const { wrongKeysPerMinute, wrongKeysPerHour } = this.options;
    return [
      { scope: SHOP_KEYS_SCOPE, key: ALL, max: wrongKeysPerMinute, windowSeconds: 60, budget: 'minute' },
      { scope: SHOP_KEYS_SCOPE, key: ALL, max: wrongKeysPerHour, windowSeconds: 3600, budget: 'hour' },
    ];
  }

  /**
   * Reserves one attempt against every limit, atomically: under a lock per (scope, key), refuses if
   * any limit is reached (recording nothing), otherwise records one failure per key. Locked, the
   * answer is the longest wait among the limits reached.
   */
  async attempt(limits: Limit[]): Promise<Attempt> {
    const hmac = await this.hmac();
    const hashed = limits.map((l) => ({ ...l, hash: hmac(l.scope, l.key) }));
    const keys = [...new Map(hashed.map((l) => [`${l.scope}\n${l.hash}`, l])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([lockName, l]) => ({ lockName, scope: l.scope, hash: l.hash }));
    return transaction(this.ds, async (em) => {
      // Always in the same order, so two attempts sharing keys can't wait on each other.
      for (const k of keys) {
        await run(em, `SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, [LOCK_CLASS, k.lockName]);
      }
      let worst: { retryAfterSeconds: number; limit: Limit } | undefined;
      const filled: BudgetWindow[] = [];
      for (const [i, l] of hashed.entries()) {
        const { rows } = await run<{ n: number; retry_after: number | null }>(
          em,
          `SELECT count(*)::int AS n,
                  ceil(extract(epoch FROM (array_agg(created_at ORDER BY created_at DESC))[$4]
                                          + make_interval(secs => $3) - now()))::int AS retry_after
           FROM login_failures
           WHERE scope = $1 AND key = $2 AND created_at > now() - make_interval(secs => $3)`,
          [l.scope, l.hash, l.windowSeconds, l.max],
        );
        const { n, retry_after } = rows[0] ?? { n: 0, retry_after: null };
        if (n >= l.max) {
          const retryAfterSeconds = Math.max(1, retry_after ?? 1);
          if (!worst || retryAfterSeconds > worst.retryAfterSeconds) {
            worst = { retryAfterSeconds, limit: limits[i]! };
          }
        } else if (n + 1 === l.max && l.budget) {
          filled.push(l.budget);
        }
      }
      if (worst) return { ok: false as const, ...worst };
      const { rows } = await run<{ id: number }>(
        em,
        `INSERT INTO login_failures (scope, key)
         SELECT * FROM unnest($1::varchar[], $2::varchar[]) RETURNING id`,
        [keys.map((k) => k.scope), keys.map((k) => k.hash)],
      );
      return { ok: true as const, reservation: { ids: rows.map((r) => r.id), filled } };
    });
  }

  /** The attempt succeeded: it is no failure. Pass `em` inside a transaction. */
  async release(reservation: Reservation, em?: EntityManager): Promise<void> {
    if (!reservation.ids.length) return;
    await run(em ?? this.ds, `DELETE FROM login_failures WHERE id = ANY($1::int[])`, [reservation.ids]);
  }

  /**
   * Whether the key is locked now (read only; `attempt()` is what guards a comparison). Locked while
   * at least maxFailures failures are in the window; the lock lifts when the maxFailures-th newest
   * one leaves it.
   */
  async check(scope: LimiterScope, key: string | number): Promise<LimiterState> {
    const l = this.limit(scope, key);
    const { rows } = await run<{ retry_after: number }>(
      this.ds,
      `SELECT ceil(extract(epoch FROM created_at + make_interval(secs => $3) - now()))::int AS retry_after
       FROM login_failures
       WHERE scope = $1 AND key = $2 AND created_at > now() - make_interval(secs => $3)
       ORDER BY created_at DESC
       OFFSET $4 LIMIT 1`,
      [scope, (await this.hmac())(scope, key), l.windowSeconds, l.max - 1],
    );
    const row = rows[0];
    if (!row) return { locked: false };
    return { locked: true, retryAfterSeconds: Math.max(1, row.retry_after) };
  }

  /** How many failures of (scope, key) are in the window. */
  async failures(scope: LimiterScope, key: string | number): Promise<number> {
    const { rows } = await run<{ n: number }>(
      this.ds,
      `SELECT count(*)::int AS n FROM login_failures
       WHERE scope = $1 AND key = $2 AND created_at > now() - make_interval(mins => $3)`,
      [scope, (await this.hmac())(scope, key), this.options.windowMinutes],
    );
    return rows[0]?.n ?? 0;
  }

  /** Deletes failures that have left their window (the budget's: an hour); returns how many. */
  async prune(): Promise<number> {
    const { count } = await run(
      this.ds,
      `DELETE FROM login_failures
       WHERE created_at <= now() - CASE WHEN scope = $2 THEN interval '1 hour'
                                        ELSE make_interval(mins => $1) END`,
      [this.options.windowMinutes, SHOP_KEYS_SCOPE],
    );
    return count;
  }

  /** The keyed hash of (scope, key), as stored in login_failures.key. */
  async keyHash(scope: LimiterScope, key: string | number): Promise<string> {
    return (await this.hmac())(scope, key);
  }

  private async hmac(): Promise<(scope: string, key: string | number) => string> {
    this.hmacKey ??= this.storedKey().catch((err: unknown) => {
      this.hmacKey = undefined; // try again next time
      throw err;
    });
    const secret = await this.hmacKey;
    return (scope, key) =>
      createHmac('sha256', secret)
        .update(`${scope}\n${String(key)}`)
        .digest('hex');
  }

  /** The generated key: made by whichever process needs it first, then the same for every process. */
  private async storedKey(): Promise<Buffer> {
    await run(
      this.ds,
      `INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
      [SECRET_NAME, randomBytes(32).toString('hex')],
    );
    const { rows } = await run<{ value: string }>(this.ds, `SELECT value FROM app_secrets WHERE name = $1`, [
      SECRET_NAME,
    ]);
    const value = rows[0]?.value;
    if (!value) throw new Error('app_secrets: no login-failures key');
    return Buffer.from(value, 'hex');
  }
}

/** The HMAC key derived from SESSION_SECRET, so the secret itself is used for one thing only. */
function derive(secret: string): Buffer {
  return createHmac('sha256', secret).update('market-bot login_failures key').digest();
}
