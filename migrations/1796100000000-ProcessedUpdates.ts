import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * tg_processed: the ids of updates workers have handled when updates come through RabbitMQ (ROLE=
 * worker, src/pipeline/worker.ts). The broker redelivers what a dead worker had not acknowledged,
 * and a receiver that died before answering makes Telegram send an update twice: a worker skips an
 * id found here. Ids only, deleted by the maintenance after two days; like tg_inbox it churns.
 */
export class ProcessedUpdates1796100000000 implements MigrationInterface {
  name = 'ProcessedUpdates1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "tg_processed" ("update_id" bigint NOT NULL, "done_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_tg_processed" PRIMARY KEY ("update_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_tg_processed_done_at" ON "tg_processed" ("done_at")`);
    await queryRunner.query(
      `ALTER TABLE "tg_processed" SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tg_processed"`);
  }
}
