import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The shop fields the marketplace and the bot keep in step (SQL row constructors over NEW / OLD). */
const SYNCED = (r: string) =>
  `(${r}.name, ${r}.slug, ${r}.client_id, ${r}.vendor_name, ${r}.is_active, ${r}.update_prices, ${r}.external_id)`;

/**
 * The shop sync with the marketplace (README "Shop sync"): the shop's external id, version and last
 * sync time; the outbox a trigger fills in the same transaction as any change of a synced field (bot,
 * panel, CLI or plain SQL: committed together or not at all); the inbound message ids already applied;
 * and the inbound messages that could not be applied (dead letters, kept without their API key).
 *
 * The inbound apply runs with `SET LOCAL market_bot.sync_apply = 'on'`: its change neither bumps the
 * version (it brings its own) nor writes an outbox row, so nothing applied is sent back (no echo).
 */
export class ShopSync1796024820000 implements MigrationInterface {
  name = 'ShopSync1796024820000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "shops" ADD "external_id" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "shops" ADD "version" bigint NOT NULL DEFAULT '1'`);
    await queryRunner.query(`ALTER TABLE "shops" ADD "synced_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_b5dddbea6e09d579fcf6a6f8e7" ON "shops" ("external_id") `,
    );

    await queryRunner.query(`
      CREATE TABLE shop_sync_outbox (
        id bigserial PRIMARY KEY,
        shop_id integer NOT NULL,
        external_id varchar(64),
        operation varchar(8) NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
        version bigint NOT NULL,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        last_error text
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_shop_sync_outbox_pending ON shop_sync_outbox (id) WHERE sent_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX ix_shop_sync_outbox_sent ON shop_sync_outbox (sent_at)`);

    await queryRunner.query(`
      CREATE TABLE shop_sync_seen (
        message_id varchar(255) PRIMARY KEY,
        seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ix_shop_sync_seen_at ON shop_sync_seen (seen_at)`);

    await queryRunner.query(`
      CREATE TABLE shop_sync_dead_letters (
        id serial PRIMARY KEY,
        message_id varchar(255),
        operation varchar(32),
        reason text NOT NULL,
        payload jsonb,
        api_key_hash char(64),
        api_key_prefix varchar(16),
        status varchar(16) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'applied', 'dismissed')),
        received_at timestamptz NOT NULL DEFAULT now(),
        retried_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_shop_sync_dead_letters_open ON shop_sync_dead_letters (id) WHERE status = 'open'`,
    );

    await queryRunner.query(`
      CREATE FUNCTION shop_sync_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('market_bot.sync_apply', true) IS DISTINCT FROM 'on'
           AND ${SYNCED('NEW')} IS DISTINCT FROM ${SYNCED('OLD')} THEN
          NEW.version := OLD.version + 1;
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER shops_sync_version BEFORE UPDATE ON shops
      FOR EACH ROW EXECUTE FUNCTION shop_sync_version()`);

    await queryRunner.query(`
      CREATE FUNCTION shop_sync_outbox_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('market_bot.sync_apply', true) IS NOT DISTINCT FROM 'on' THEN
          RETURN NULL;
        END IF;
        IF TG_OP = 'DELETE' THEN
          INSERT INTO shop_sync_outbox (shop_id, external_id, operation, version, body)
          VALUES (OLD.id, OLD.external_id, 'delete', OLD.version + 1, jsonb_build_object(
            'id', OLD.external_id, 'bot_id', OLD.id, 'version', OLD.version + 1));
          RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' AND ${SYNCED('NEW')} IS NOT DISTINCT FROM ${SYNCED('OLD')} THEN
          RETURN NULL;
        END IF;
        INSERT INTO shop_sync_outbox (shop_id, external_id, operation, version, body)
        VALUES (NEW.id, NEW.external_id, CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END, NEW.version, jsonb_build_object(
          'id', NEW.external_id, 'bot_id', NEW.id, 'name', NEW.name, 'slug', NEW.slug,
          'client_id', NEW.client_id, 'vendor_name', NEW.vendor_name, 'is_active', NEW.is_active,
          'price_updating', NEW.update_prices, 'version', NEW.version,
          'updated_at', to_char(NEW.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER shops_sync_outbox AFTER INSERT OR UPDATE OR DELETE ON shops
      FOR EACH ROW EXECUTE FUNCTION shop_sync_outbox_row()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER shops_sync_outbox ON shops`);
    await queryRunner.query(`DROP FUNCTION shop_sync_outbox_row()`);
    await queryRunner.query(`DROP TRIGGER shops_sync_version ON shops`);
    await queryRunner.query(`DROP FUNCTION shop_sync_version()`);
    await queryRunner.query(`DROP TABLE shop_sync_dead_letters`);
    await queryRunner.query(`DROP TABLE shop_sync_seen`);
    await queryRunner.query(`DROP TABLE shop_sync_outbox`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b5dddbea6e09d579fcf6a6f8e7"`);
    await queryRunner.query(`ALTER TABLE "shops" DROP COLUMN "synced_at"`);
    await queryRunner.query(`ALTER TABLE "shops" DROP COLUMN "version"`);
    await queryRunner.query(`ALTER TABLE "shops" DROP COLUMN "external_id"`);
  }
}
