import { createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { hashApiKey } from './secrets.js';
import { run, runPrepared, type Db } from './sql.js';

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

/** Refused before any comparison: a limit is reached (the one with the longest wait). */
export type Refusal = { ok: false; retryAfterSeconds: number; limit: Limit };

export type Attempt = { ok: true; reservation: Reservation } | Refusal;

/** What a shop key's attempt found: the shop, or a wrong key (recorded), or a refusal. */
export type ShopKeyAttempt =
  | { ok: true; shop: { id: number; name: string } }
  | { ok: false; wrongKey: true; filled: BudgetWindow[] }
  | (Refusal & { wrongKey?: false });

/** The scope of the global budget for wrong shop keys (one key: all accounts). */
export const SHOP_KEYS_SCOPE = 'shop-keys';
const ALL = 'all';

/** The advisory-lock class of the limiter's per-key locks (the second number is the key's hash). */
const LOCK_CLASS = 0x4c4f47; // "LOG"

/** The name of the generated key in app_secrets, used when no SESSION_SECRET is configured. */
const SECRET_NAME = 'login-failures-hmac';
/** How many keyed hashes of ids the limiter keeps before it starts over (each ~200 bytes). */
const HASHES_KEPT = 10_000;

/**
 * Failed logins per (scope, key) in a sliding window, kept in the database so a restart forgets
 * nothing and the bot and the panel share it. Times are the database's clock throughout.
 *
 * An attempt is reserved before the secret is compared: `attempt()` takes a per-key lock, checks
 * every limit and records one failure per key, in one statement. The caller compares, and on
 * success `release()`s the reservation; on failure the row simply stays. So a burst of parallel
 * attempts is counted as a sequence would be: no more than `max` comparisons in a window, whatever
 * the concurrency. A success releases only its own row: earlier failures age out of the window.
 * A shop key is compared inside the database (a look-up by its hash), so `attemptShopKey()` does the
 * comparison in the same statement: only a wrong key is recorded, and a right one never holds a
 * place in the global budget (see ShopKeyAttempt1796100400000).
 *
 * Keys are stored as an HMAC (SHA-256, hex): enough to count per key, and a password typed into a
 * username field is never kept as text. The HMAC key comes from SESSION_SECRET when it is set,
 * otherwise from a random key made once and kept in the table app_secrets.
 */
export class LoginLimiter {
  private hmacKey: Promise<Buffer> | undefined;
  /** Keyed hashes computed so far, by their input (see hmac). */
  private readonly hashes = new Map<string, string>();

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
   * answer is the longest wait among the limits reached. (Shop keys go through attemptShopKey.)
   */
  async attempt(limits: Limit[]): Promise<Attempt> {
    const { hashed, keys } = await this.keysOf(limits);
    // One round trip whatever the number of limits: the locks, the counts and the insert run in one
    // function (migration LoginReserve1796100300000), so a key's lock is held for that statement and
    // its commit, not across round trips to a busy event loop. Always its own transaction (the
    // limiter is built on the DataSource): the function commits it without waiting for the disk,
    // which must not spill onto a caller's.
    const { rows } = await runPrepared<CountRow & { ids: number[] | null }>(
      this.ds,
      `SELECT i, n, retry_after, ids FROM login_failures_reserve($1, $2, $3, $4, $5, $6, $7, $8)`,
      [LOCK_CLASS, ...lockAndLimitParams(hashed, keys)],
    );
    const judged = judge(rows, hashed, limits);
    if (!judged.ok) return judged;
    return { ok: true, reservation: { ids: rows[0]?.ids ?? [], filled: judged.filled } };
  }

  /**
   * A shop key's attempt, in one statement (migration ShopKeyAttempt1796100400000): the key looked
   * up and the limits applied. A right key answers its shop and is recorded nowhere (it needs no
   * release); a wrong one is reserved as `attempt` reserves, under the locks, and stays a failure.
   * Both are refused while any limit is reached, and a refusal answers no shop, whatever the key.
   */
  async attemptShopKey(apiKey: string, limits: Limit[]): Promise<ShopKeyAttempt> {
    const { hashed, keys } = await this.keysOf(limits);
    const { rows } = await runPrepared<CountRow & { shop_id: number | null; shop_name: string | null }>(
      this.ds,
      `SELECT i, n, retry_after, shop_id, shop_name FROM shop_key_attempt($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [hashApiKey(apiKey), LOCK_CLASS, ...lockAndLimitParams(hashed, keys)],
    );
    const judged = judge(rows, hashed, limits);
    if (!judged.ok) return judged;
    const shop = rows[0];
    if (shop?.shop_id != null) return { ok: true, shop: { id: shop.shop_id, name: shop.shop_name! } };
    return { ok: false, wrongKey: true, filled: judged.filled };
  }

  /** The limits with their keys hashed, and the distinct keys to lock, in a fixed order. */
  private async keysOf(limits: Limit[]) {
    const hmac = await this.hmac();
    const hashed = limits.map((l) => ({ ...l, hash: hmac(l.scope, l.key) }));
    const keys = [...new Map(hashed.map((l) => [`${l.scope}\n${l.hash}`, l])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([lockName, l]) => ({ lockName, scope: l.scope, hash: l.hash }));
    return { hashed, keys };
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
    return (scope, key) => {
      const input = `${scope}\n${String(key)}`;
      // Every shop key typed goes through the budget's keys and the user's Telegram id, so their
      // hashes are kept (a bounded map, emptied when full) instead of computed on every attempt.
      // Only those: a username typed may be a password, and is not kept as text, even in memory.
      const kept = typeof key === 'number' || key === ALL;
      let hash = kept ? this.hashes.get(input) : undefined;
      if (hash === undefined) {
        hash = createHmac('sha256', secret).update(input).digest('hex');
        if (kept) {
          if (this.hashes.size >= HASHES_KEPT) this.hashes.clear();
          this.hashes.set(input, hash);
        }
      }
      return hash;
    };
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

/** One row per limit, as login_failures_reserve() and shop_key_attempt() answer them. */
interface CountRow {
  i: number;
  n: number;
  retry_after: number | null;
}

type HashedLimit = Limit & { hash: string };

/** The parameters after the lock class: the keys to lock, the limits, and the failures to record. */
function lockAndLimitParams(
  hashed: HashedLimit[],
  keys: { lockName: string; scope: string; hash: string }[],
): unknown[] {
  return [
    keys.map((k) => k.lockName),
    hashed.map((l) => l.scope),
    hashed.map((l) => l.hash),
    hashed.map((l) => l.windowSeconds),
    hashed.map((l) => l.max),
    keys.map((k) => k.scope),
    keys.map((k) => k.hash),
  ];
}

/**
 * The counts against the limits: refused with the longest wait when any is reached, else let
 * through, with the budget windows this attempt takes the last place of.
 */
function judge(
  rows: CountRow[],
  hashed: HashedLimit[],
  limits: Limit[],
): Refusal | { ok: true; filled: BudgetWindow[] } {
  let worst: { retryAfterSeconds: number; limit: Limit } | undefined;
  const filled: BudgetWindow[] = [];
  for (const { i, n, retry_after } of rows) {
    const l = hashed[i - 1]!;
    if (n >= l.max) {
      const retryAfterSeconds = Math.max(1, retry_after ?? 1);
      if (!worst || retryAfterSeconds > worst.retryAfterSeconds) {
        worst = { retryAfterSeconds, limit: limits[i - 1]! };
      }
    } else if (n + 1 === l.max && l.budget) {
      filled.push(l.budget);
    }
  }
  return worst ? { ok: false, ...worst } : { ok: true, filled };
}
