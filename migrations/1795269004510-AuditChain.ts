import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit log can't be emptied and its rows can't be forged unnoticed: TRUNCATE is refused like
 * UPDATE and DELETE (a statement trigger), and every new row carries `hash`, an HMAC chained over the
 * previous row's (computed by the audit service with AUDIT_KEY, which the database never sees), so a
 * row inserted, edited or removed behind the service's back breaks the chain (`npm run cli --
 * auditverify`). Rows written before this migration have no hash and stay outside the chain.
 */
export class AuditChain1795269004510 implements MigrationInterface {
  name = 'AuditChain1795269004510';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()`);
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "hash" character varying(64)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_log_requires_hash() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.hash IS NULL OR NEW.hash !~ '^[0-9a-f]{64}$' THEN
          RAISE EXCEPTION 'audit_log rows carry a chain hash: write them through the audit service';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_hash_required
      BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_requires_hash()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER audit_log_hash_required ON audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_requires_hash()`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "hash"`);
    await queryRunner.query(`DROP TRIGGER audit_log_no_truncate ON audit_log`);
  }
}
