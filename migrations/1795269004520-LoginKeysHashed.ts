import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * login_failures keeps a keyed hash (HMAC) of each key instead of the text, so a password typed into
 * a username field is never stored. app_secrets holds the HMAC key when no SESSION_SECRET is set.
 * The rows written before held the text: they are dropped (they would only have counted for the rest
 * of their 15-minute window, and can't be hashed here without the app's secret).
 */
export class LoginKeysHashed1795269004520 implements MigrationInterface {
  name = 'LoginKeysHashed1795269004520';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "app_secrets" ("name" character varying(64) NOT NULL, "value" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6c785a9da9881929b0d1d780423" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(`DELETE FROM "login_failures"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The hashed rows mean nothing to the older code, which compares text.
    await queryRunner.query(`DELETE FROM "login_failures"`);
    await queryRunner.query(`DROP TABLE "app_secrets"`);
  }
}
