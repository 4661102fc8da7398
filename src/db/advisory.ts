import type { DataSource, QueryRunner } from 'typeorm';

/**
 * PostgreSQL advisory locks held on a connection of their own (a QueryRunner kept out of the pool):
 * a lock lives exactly as long as that connection, so when the process dies (kill -9, OOM, a lost
 * network) the server frees its locks at once and another process can take them. The shop sync's
 * relay elects its leader the same way (SyncService.lead). Locks use the two-key form: `space`
 * names what is locked (the leader, a partition, a worker slot), `key` which one.
 *
 * On the embedded database every connection is one session, so every lock is granted: there is only
 * one process anyway.
 */
export class AdvisorySession {
  /** The last statement sent: the next one waits for it (one connection runs one query at a time). */
  private last: Promise<unknown> = Promise.resolve();

  private constructor(private readonly runner: QueryRunner) {}

  /**
   * Runs a statement after the ones sent before it. A worker's round, a partition given back and a
   * health check can ask at the same moment; pg would queue them with a deprecation warning (and
   * pg 9 refuses a query on a busy client), so they are queued here.
   */
  private query(sql: string, params?: unknown[]): Promise<unknown> {
    const next = this.last.then(
      () => this.runner.query(sql, params),
      () => this.runner.query(sql, params),
    );
    this.last = next.catch(() => undefined);
    return next;
  }

  static async open(dataSource: DataSource): Promise<AdvisorySession> {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    return new AdvisorySession(runner);
  }

  /** Takes the locks it can without waiting; answers the keys it got. */
  async tryLock(space: number, keys: number[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const rows = (await this.query(
      `SELECT k FROM unnest($2::int[]) AS k WHERE pg_try_advisory_lock($1::int, k)`,
      [space, keys],
    )) as { k: number }[];
    return rows.map((r) => Number(r.k));
  }

  /** Waits for the lock. */
  async lock(space: number, key: number): Promise<void> {
    await this.query(`SELECT pg_advisory_lock($1::int, $2::int)`, [space, key]);
  }

  async unlock(space: number, keys: number[]): Promise<void> {
    if (keys.length === 0) return;
    await this.query(`SELECT pg_advisory_unlock($1::int, k) FROM unnest($2::int[]) AS k`, [space, keys]);
  }

  /** The keys of `space` held by any session of this database, ascending. */
  async held(space: number): Promise<number[]> {
    const rows = (await this.query(
      `SELECT DISTINCT objid::bigint AS k FROM pg_locks
        WHERE locktype = 'advisory' AND classid = ($1::int)::oid AND objsubid = 2 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY 1`,
      [space],
    )) as { k: number | string }[];
    return rows.map((r) => Number(r.k));
  }

  /** True while the connection answers (a dropped connection has lost its locks). */
  async alive(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** The server's process id of this connection (tests end it to play a dead process). */
  async backendPid(): Promise<number> {
    const rows = (await this.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
    return Number(rows[0]?.pid);
  }

  /** Gives every lock back and the connection to the pool. */
  async close(): Promise<void> {
    await this.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await this.runner.release().catch(() => undefined);
  }
}

/** Lock spaces (the first key). Distinct constants: "mbld", "mbpt", "mbsw", "mbmg". */
export const LOCK_SPACE = {
  leader: 0x6d626c64,
  partition: 0x6d627074,
  workerSlot: 0x6d627377,
  migrations: 0x6d626d67,
} as const;
