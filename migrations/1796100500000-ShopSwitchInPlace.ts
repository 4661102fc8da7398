import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A shop's switches (activity, price updating) are rewritten in place: PostgreSQL's HOT update, which
 * adds no entry to any index, applies when no indexed column changes and the row's page has room.
 *
 * - The index on shops.is_active goes. Nothing reads through it: the panel's counts come from the
 *   counters kept by triggers (PanelCounters), and a filter on a boolean over a few thousand shops
 *   scans them anyway. Every switch wrote a new entry into all seven of the table's indexes, the two
 *   trigram GIN indexes on the name and the vendor among them, because that one column was indexed.
 * - fillfactor 85 leaves each page room for the new version of its rows (a full page makes the
 *   update move the row to another page, which is not HOT either). Pages written from now on keep
 *   it; existing pages get it at the next VACUUM FULL or rewrite, and free room as rows move.
 *
 * Measured (pgbench, 4 clients, one switch per transaction, with the table's triggers): 5,592 → 6,929
 * switches/s; the bot's switch statement 0.39 → 0.22–0.27 ms and 17 → 8 WAL records. The panel's
 * "inactive" filter now scans for its capped count: 5.1 → 14.1 ms at 100,000 shops (bench:admin).
 * Any index on the column, a partial one too, would make a switch a non-HOT update again.
 */
export class ShopSwitchInPlace1796100500000 implements MigrationInterface {
  name = 'ShopSwitchInPlace1796100500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_74056945f3500de22e87801127"`);
    await queryRunner.query(`ALTER TABLE "shops" SET (fillfactor = 85)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "shops" RESET (fillfactor)`);
    await queryRunner.query(`CREATE INDEX "IDX_74056945f3500de22e87801127" ON "shops" ("is_active") `);
  }
}
