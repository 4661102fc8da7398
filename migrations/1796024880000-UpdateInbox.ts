import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * tg_inbox: the durable inbox of Telegram updates (src/bot/intake.ts). Rows are written once,
 * updated once when handled and deleted by the maintenance, so the table churns: a lower fillfactor
 * leaves room for the done mark on the same page (a HOT update), and autovacuum visits it early.
 */
export class UpdateInbox1796024880000 implements MigrationInterface {
  name = 'UpdateInbox1796024880000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "tg_inbox" ("update_id" bigint NOT NULL, "chat_key" bigint, "kind" character varying(32) NOT NULL, "payload" jsonb, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "done_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c74487ffeacb10bac11b6774a80" PRIMARY KEY ("update_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_tg_inbox_open" ON "tg_inbox" ("status", "update_id") WHERE "status" <> 'done'`,
    );
    await queryRunner.query(
      `ALTER TABLE "tg_inbox" SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tg_inbox"`);
  }
}
