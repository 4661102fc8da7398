import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The support desk: channels (the platforms operators work on, settings with sealed secrets), a
 * seller's conversations (one open at a time: a partial unique index), message id pairs (ids only,
 * never a text), the inbound de-duplication, the sealed two-way outbox, a per-day relayed counter,
 * and the support ban (a flag of its own, apart from the bot ban).
 */
export class SupportDesk1796024400000 implements MigrationInterface {
  name = 'SupportDesk1796024400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "support_channels" ("id" SERIAL NOT NULL, "name" character varying(64) NOT NULL, "kind" character varying(16) NOT NULL, "settings" jsonb NOT NULL DEFAULT '{}', "running" boolean NOT NULL DEFAULT false, "is_default" boolean NOT NULL DEFAULT false, "status" character varying(16) NOT NULL DEFAULT 'offline', "last_error" text, "api_token_hash" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_478f701462e35688217175cc1a4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_44f95c4bc32dbbb345a536ab77" ON "support_channels" ("name")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_d2534f4a52b92bc8ec37255dda" ON "support_channels" ("api_token_hash")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_support_channels_default" ON "support_channels" ("is_default") WHERE "is_default"`,
    );
    await queryRunner.query(
      `CREATE TABLE "support_conversations" ("id" SERIAL NOT NULL, "telegram_user_id" integer NOT NULL, "channel_id" integer NOT NULL, "external_id" character varying(255), "status" character varying(8) NOT NULL DEFAULT 'open', "needs_open" boolean NOT NULL DEFAULT true, "opened_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "closed_at" TIMESTAMP WITH TIME ZONE, "operator_name" character varying(255), "state" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_6647be672020591c574a98089e1" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_17c6edd04cdcf986a168a4ecaa" ON "support_conversations" ("telegram_user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_48492a2d8bf207fe9cec0eaed9" ON "support_conversations" ("status")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_8a82288708def094d2e3c6dd89" ON "support_conversations" ("last_activity_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_support_conversations_channel_external" ON "support_conversations" ("channel_id", "external_id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_support_conversations_open" ON "support_conversations" ("telegram_user_id") WHERE "status" = 'open'`,
    );
    await queryRunner.query(
      `CREATE TABLE "support_message_pairs" ("id" SERIAL NOT NULL, "conversation_id" integer NOT NULL, "chat_id" bigint NOT NULL, "message_id" integer NOT NULL, "external_id" character varying(255) NOT NULL, "direction" character varying(12) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_22016bebc1e70e8df697408ef8e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_0b614d3fbcca0ef8eadc6a271f" ON "support_message_pairs" ("created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_support_message_pairs_external" ON "support_message_pairs" ("conversation_id", "external_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_support_message_pairs_tg" ON "support_message_pairs" ("chat_id", "message_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "support_inbound_seen" ("channel_id" integer NOT NULL, "external_message_id" character varying(255) NOT NULL, "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0f6ce25ed63318da5715ed35cd6" PRIMARY KEY ("channel_id", "external_message_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_02dbf1c5d1f50404e34d1a2566" ON "support_inbound_seen" ("seen_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "support_outbox" ("id" SERIAL NOT NULL, "direction" character varying(12) NOT NULL, "conversation_id" integer NOT NULL, "media_group_id" character varying(64), "payload" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7a7db55985512b294b2171d5b9c" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_support_outbox_conversation" ON "support_outbox" ("conversation_id", "direction", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_support_outbox_due" ON "support_outbox" ("direction", "next_attempt_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "support_daily_counts" ("day" date NOT NULL, "to_operator" integer NOT NULL DEFAULT '0', "to_seller" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_fc8658e2a8410532ba80d319fdc" PRIMARY KEY ("day"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "telegram_users" ADD "support_banned" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "telegram_users" ADD "support_ban_told" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "support_conversations" ADD CONSTRAINT "FK_17c6edd04cdcf986a168a4ecaa9" FOREIGN KEY ("telegram_user_id") REFERENCES "telegram_users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "support_conversations" ADD CONSTRAINT "FK_5de0369f2f99c2fd0cfade86610" FOREIGN KEY ("channel_id") REFERENCES "support_channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "support_message_pairs" ADD CONSTRAINT "FK_ae92053cb0c892d7b12eb9b7b27" FOREIGN KEY ("conversation_id") REFERENCES "support_conversations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "support_outbox" ADD CONSTRAINT "FK_68106d6e2bbf383bf1c666e15f4" FOREIGN KEY ("conversation_id") REFERENCES "support_conversations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "telegram_users" DROP COLUMN "support_ban_told"`);
    await queryRunner.query(`ALTER TABLE "telegram_users" DROP COLUMN "support_banned"`);
    await queryRunner.query(`DROP TABLE "support_daily_counts"`);
    await queryRunner.query(`DROP TABLE "support_outbox"`);
    await queryRunner.query(`DROP TABLE "support_inbound_seen"`);
    await queryRunner.query(`DROP TABLE "support_message_pairs"`);
    await queryRunner.query(`DROP TABLE "support_conversations"`);
    await queryRunner.query(`DROP TABLE "support_channels"`);
  }
}
