import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A seller's phone number, when they shared it with the bot (Telegram's contact request in support):
 * digits only, so a support platform's "first message by phone" (Planfix) finds the seller.
 */
export class SellerPhone1796026920000 implements MigrationInterface {
  name = 'SellerPhone1796026920000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "telegram_users" ADD "phone" character varying(20)`);
    await queryRunner.query(`CREATE INDEX "ix_telegram_users_phone" ON "telegram_users" ("phone")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_telegram_users_phone"`);
    await queryRunner.query(`ALTER TABLE "telegram_users" DROP COLUMN "phone"`);
  }
}
