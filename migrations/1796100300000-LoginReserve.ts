import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * login_failures_reserve(): the login limiter's reservation (src/services/limiter.ts) in one statement.
 *
 * Every seller login takes the global shop-key budget's lock. Taken by a statement of its own, in a
 * transaction the bot drove (BEGIN, the locks, the counts with the insert, COMMIT), the lock was held
 * across three round trips to the bot and back; with the bot's event loop busy under load each one
 * waited there for milliseconds, so logins queued on the lock (28 ms each on average in the
 * benchmark, and the rate of logins capped by it). In a function the lock is held for the statement
 * and its commit only, and the commit does not wait for the disk (see below).
 *
 * PL/pgSQL and VOLATILE because the counts must be read with a snapshot taken after the locks were
 * ours (READ COMMITTED takes a new one per statement inside such a function): one plain SQL statement
 * would count with a snapshot from before it waited, and miss the failures its predecessor recorded.
 */
export class LoginReserve1796100300000 implements MigrationInterface {
  name = 'LoginReserve1796100300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION login_failures_reserve(
        lock_class int, lock_names text[],
        scopes varchar[], keys varchar[], secs int[], maxes int[],
        new_scopes varchar[], new_keys varchar[])
      RETURNS TABLE (i int, n int, retry_after int, ids int[])
      LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      BEGIN
        -- Always in the same order (the caller's), so two attempts sharing keys can't wait on each other.
        -- Committed without waiting for the disk (this transaction only): the locks are held until
        -- the commit, and waiting for the flush there was most of the time logins queued on the
        -- budget's lock (9.6 ms a login under the benchmark's load, 1.1 ms without). A database crash
        -- can forget the failures of its last fraction of a second, never more.
        PERFORM set_config('synchronous_commit', 'off', true);
        PERFORM pg_advisory_xact_lock(lock_class, hashtext(k)) FROM unnest(lock_names) AS t(k);
        -- A new statement, so a new snapshot: it sees every failure committed before the locks were
        -- ours. The failures are recorded only when no limit is reached, in the same statement.
        RETURN QUERY
          WITH lim AS (
            SELECT * FROM unnest(scopes, keys, secs, maxes) WITH ORDINALITY AS t(scope, key, secs, max, i)
          ), c AS (
            SELECT lim.i, lim.max, count(f.id)::int AS n,
                   ceil(extract(epoch FROM (array_agg(f.created_at ORDER BY f.created_at DESC))[lim.max]
                                           + make_interval(secs => lim.secs) - now()))::int AS retry_after
            FROM lim
            LEFT JOIN login_failures f
              ON f.scope = lim.scope AND f.key = lim.key AND f.created_at > now() - make_interval(secs => lim.secs)
            GROUP BY lim.i, lim.max, lim.secs
          ), ins AS (
            INSERT INTO login_failures (scope, key)
            SELECT * FROM unnest(new_scopes, new_keys)
            WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.n >= c.max)
            RETURNING id
          )
          SELECT c.i::int, c.n, c.retry_after, (SELECT array_agg(id ORDER BY id) FROM ins)
          FROM c ORDER BY c.i;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION login_failures_reserve(int, text[], varchar[], varchar[], int[], int[], varchar[], varchar[])`,
    );
  }
}
