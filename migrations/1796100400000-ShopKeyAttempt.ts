import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * shop_key_attempt(): a shop key's whole attempt in one statement (src/services/limiter.ts,
 * attemptShopKey): the key looked up and the login limits applied, where login_failures_reserve()
 * and a look-up after it took two statements, a third to release a right key's reservation, and a
 * retry whenever right keys still being compared filled the wrong-key budget.
 *
 * A right key is counted nowhere, so it needs no lock: it is refused while a limit is reached (the
 * caller's own failures, or the global budget), as every attempt is, and otherwise answers its shop.
 * A wrong key is reserved as login_failures_reserve() does it: under the per-key locks, with counts
 * taken after the locks were ours, recorded only when no limit is reached. So wrong keys are counted
 * exactly, whatever the concurrency, and right keys never take a place in the budget or wait on its
 * lock. (A right key's counts are read without the lock: one arriving while wrong ones fill the
 * budget may still get in. That costs no wrong comparison, which is what the budget bounds.)
 *
 * A refused attempt answers no shop, whatever the key: a locked caller learns nothing about it.
 */
export class ShopKeyAttempt1796100400000 implements MigrationInterface {
  name = 'ShopKeyAttempt1796100400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The counts of login_failures_reserve(), on their own: one row per limit, in the caller's order.
    await queryRunner.query(`
      CREATE FUNCTION login_failures_counts(scopes varchar[], keys varchar[], secs int[], maxes int[])
      RETURNS TABLE (i int, max int, n int, retry_after int)
      LANGUAGE sql STABLE AS $$
        SELECT lim.i::int, lim.max, count(f.id)::int,
               ceil(extract(epoch FROM (array_agg(f.created_at ORDER BY f.created_at DESC))[lim.max]
                                       + make_interval(secs => lim.secs) - now()))::int
        FROM unnest(scopes, keys, secs, maxes) WITH ORDINALITY AS lim(scope, key, secs, max, i)
        LEFT JOIN login_failures f
          ON f.scope = lim.scope AND f.key = lim.key AND f.created_at > now() - make_interval(secs => lim.secs)
        GROUP BY lim.i, lim.max, lim.secs
        ORDER BY lim.i
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION shop_key_attempt(
        key_hash bpchar, lock_class int, lock_names text[],
        scopes varchar[], keys varchar[], secs int[], maxes int[],
        new_scopes varchar[], new_keys varchar[])
      RETURNS TABLE (i int, n int, retry_after int, shop_id int, shop_name varchar)
      LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      DECLARE
        found_id int;
        found_name varchar;
      BEGIN
        SELECT s.id, s.name INTO found_id, found_name FROM shops s WHERE s.api_key_hash = key_hash;
        IF found_id IS NOT NULL THEN
          RETURN QUERY
            SELECT c.i, c.n, c.retry_after,
                   CASE WHEN bool_or(c.n >= c.max) OVER () THEN NULL ELSE found_id END,
                   CASE WHEN bool_or(c.n >= c.max) OVER () THEN NULL ELSE found_name END
            FROM login_failures_counts(scopes, keys, secs, maxes) AS c ORDER BY c.i;
          RETURN;
        END IF;
        -- A wrong key: as login_failures_reserve(), committed without waiting for the disk, locks
        -- always in the caller's order, and the counts in a new statement (a snapshot taken after
        -- the locks were ours).
        PERFORM set_config('synchronous_commit', 'off', true);
        PERFORM pg_advisory_xact_lock(lock_class, hashtext(k)) FROM unnest(lock_names) AS t(k);
        RETURN QUERY
          WITH c AS (
            SELECT * FROM login_failures_counts(scopes, keys, secs, maxes)
          ), ins AS (
            INSERT INTO login_failures (scope, key)
            SELECT * FROM unnest(new_scopes, new_keys)
            WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.n >= c.max)
          )
          SELECT c.i, c.n, c.retry_after, NULL::int, NULL::varchar FROM c ORDER BY c.i;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION shop_key_attempt(bpchar, int, text[], varchar[], varchar[], int[], int[], varchar[], varchar[])`,
    );
    await queryRunner.query(`DROP FUNCTION login_failures_counts(varchar[], varchar[], int[], int[])`);
  }
}
