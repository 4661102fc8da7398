import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A staff member's panel language and time zone, chosen on the panel's "My account" page. NULL means
 * not chosen: the browser's Accept-Language and PANEL_TIME_ZONE apply.
 */
export class PanelPreferences1795269004496 implements MigrationInterface {
  name = 'PanelPreferences1795269004496';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "users" ADD "panel_language" character varying(2), ADD "panel_time_zone" character varying(64)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "users" DROP COLUMN "panel_time_zone", DROP COLUMN "panel_language"`,
    );
  }
}
