import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What entities can't express: the ban/unban outbox trigger, the append-only audit log, the panel's
 * session table (connect-pg-simple's layout) and the `telegram_admins` group.
 */
export class NotificationsSessionsSeed1795269004494 implements MigrationInterface {
  name = 'NotificationsSessionsSeed1795269004494';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Any change of is_banned, by the panel, the CLI, the bot or plain SQL, queues a notice in the
    // same transaction: committed together, or not at all.
    await queryRunner.query(`
      CREATE FUNCTION queue_ban_notification() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.is_banned IS DISTINCT FROM OLD.is_banned THEN
          INSERT INTO notifications (telegram_user_id, chat_id, kind)
          VALUES (NEW.id, NEW.chat_id, CASE WHEN NEW.is_banned THEN 'ban' ELSE 'unban' END);
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER telegram_users_ban_notification
      AFTER UPDATE OF is_banned ON telegram_users
      FOR EACH ROW EXECUTE FUNCTION queue_ban_notification()`);

    await queryRunner.query(`
      CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()`);

    await queryRunner.query(`
      CREATE TABLE admin_sessions (
        sid varchar NOT NULL PRIMARY KEY,
        sess json NOT NULL,
        expire timestamp(6) NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX ix_admin_sessions_expire ON admin_sessions (expire)`);

    await queryRunner.query(`INSERT INTO groups (name) VALUES ('telegram_admins') ON CONFLICT DO NOTHING`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM groups WHERE name = 'telegram_admins'`);
    await queryRunner.query(`DROP TABLE admin_sessions`);
    await queryRunner.query(`DROP TRIGGER audit_log_append_only ON audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_is_append_only()`);
    await queryRunner.query(`DROP TRIGGER telegram_users_ban_notification ON telegram_users`);
    await queryRunner.query(`DROP FUNCTION queue_ban_notification()`);
  }
}
