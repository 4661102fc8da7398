import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795269004493 implements MigrationInterface {
  name = 'Initial1795269004493';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" SERIAL NOT NULL, "actor_id" integer, "actor_username" character varying(150) NOT NULL, "action" character varying(64) NOT NULL, "resource" character varying(64) NOT NULL, "record_id" character varying(64), "before" jsonb, "after" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_15a6f5aad57db494c17986ed2e" ON "audit_log" ("actor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_2ad7930a7c2af80585c8c1b770" ON "audit_log" ("created_at") `);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_log_resource_record" ON "audit_log" ("resource", "record_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "bot_sessions" ("key" character varying(64) NOT NULL, "data" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_f6403f23c92f6af59d2c0f7c8e1" PRIMARY KEY ("key"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_28b641943db78c6c7ac024c4e9" ON "bot_sessions" ("expires_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "groups" ("id" SERIAL NOT NULL, "name" character varying(150) NOT NULL, CONSTRAINT "PK_659d1483316afb28afd3a90646e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_664ea405ae2a10c264d582ee56" ON "groups" ("name") `);
    await queryRunner.query(
      `CREATE TABLE "login_failures" ("id" SERIAL NOT NULL, "scope" character varying(32) NOT NULL, "key" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8211e8ec810fd7f976b98ce97a0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_login_failures_scope_key_at" ON "login_failures" ("scope", "key", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "notifications" ("id" SERIAL NOT NULL, "telegram_user_id" integer NOT NULL, "chat_id" bigint NOT NULL, "kind" character varying(16) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "sent_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_6a72c3c0f683f6462415e653c3a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_notifications_due" ON "notifications" ("status", "next_attempt_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "payments" ("id" SERIAL NOT NULL, "telegram_charge_id" character varying(255) NOT NULL, "provider_charge_id" character varying(255) NOT NULL, "amount" integer NOT NULL, "currency" character(3) NOT NULL, "payer_telegram_id" bigint NOT NULL, "telegram_user_id" integer, "paid_until" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_197ab7af18c93fbb0c9b28b4a59" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_4bd3d4b730894e21da0a4bf1e2" ON "payments" ("telegram_charge_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_6335cf9c5113f6784cdb347937" ON "payments" ("payer_telegram_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_1c810445cb53074e14ed2ae140" ON "payments" ("telegram_user_id") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_1237daf748b7653a6ebb9492fe" ON "payments" ("created_at") `);
    await queryRunner.query(`CREATE TYPE "public"."shop_link_source" AS ENUM('login', 'add', 'admin')`);
    await queryRunner.query(
      `CREATE TABLE "shop_links" ("id" SERIAL NOT NULL, "telegram_user_id" integer NOT NULL, "shop_id" integer NOT NULL, "source" "public"."shop_link_source" NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_shop_links_user_shop" UNIQUE ("telegram_user_id", "shop_id"), CONSTRAINT "PK_86c2538ad1bfd38cecead7fe0dd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_7d6cf1ccc4851886c331b511f0" ON "shop_links" ("shop_id") `);
    await queryRunner.query(
      `CREATE TABLE "shops" ("id" SERIAL NOT NULL, "name" character varying(1024) NOT NULL, "slug" character varying(100) NOT NULL, "api_key_hash" character(64) NOT NULL, "api_key_prefix" character varying(16) NOT NULL, "client_id" character varying(255) NOT NULL, "vendor_name" character varying(1024) NOT NULL, "is_active" boolean NOT NULL DEFAULT true, "update_prices" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3c6aaa6607d287de99815e60b96" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_2d52eee86e0f4815cdc79df54a" ON "shops" ("name") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_8c28ec876676eeb1dcb65c01b7" ON "shops" ("slug") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_e488102a9e23052cd8dc41cb36" ON "shops" ("api_key_hash") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_74056945f3500de22e87801127" ON "shops" ("is_active") `);
    await queryRunner.query(
      `CREATE TABLE "storages" ("id" SERIAL NOT NULL, "name" character varying(1024) NOT NULL, "ozon_id" character varying(255) NOT NULL, "shop_id" integer NOT NULL, CONSTRAINT "PK_2f2d2fae6dc214f7f3ec52189ce" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_2037820e0286fdd72191c44e4e" ON "storages" ("shop_id") `);
    await queryRunner.query(`CREATE TYPE "public"."telegram_user_role" AS ENUM('admin', 'seller')`);
    await queryRunner.query(
      `CREATE TABLE "telegram_users" ("id" SERIAL NOT NULL, "telegram_id" bigint NOT NULL, "chat_id" bigint NOT NULL, "first_name" character varying(255) NOT NULL DEFAULT '', "last_name" character varying(255) NOT NULL DEFAULT '', "username" character varying(255) NOT NULL DEFAULT '', "language_code" character varying(16), "role" "public"."telegram_user_role" NOT NULL, "is_banned" boolean NOT NULL DEFAULT false, "is_active" boolean NOT NULL DEFAULT true, "subscription_paid_until" TIMESTAMP WITH TIME ZONE, "is_logged_out" boolean NOT NULL DEFAULT false, "is_reachable" boolean NOT NULL DEFAULT true, "staff_user_id" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_dcba80e97f84ad7f9bc8f19f472" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_88256a651008c00c1eea23e0b6" ON "telegram_users" ("telegram_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_bccfd1487db94e70d0ce17abca" ON "telegram_users" ("username") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_470f85b9bc7e72e34856596699" ON "telegram_users" ("role") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_1cfbb2a0f96e48246824d80e47" ON "telegram_users" ("is_banned") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_03dedca16583c8f32940855793" ON "telegram_users" ("is_active") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_b9eb06eb3aefeee0985ba66798" ON "telegram_users" ("staff_user_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_b53b50190f608748d72002053b" ON "telegram_users" ("created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "user_groups" ("id" SERIAL NOT NULL, "user_id" integer NOT NULL, "group_id" integer NOT NULL, CONSTRAINT "uq_user_groups_user_group" UNIQUE ("user_id", "group_id"), CONSTRAINT "PK_ea7760dc75ee1bf0b09ab9b3289" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_4c5f2c23c34f3921fbad2cd394" ON "user_groups" ("group_id") `);
    await queryRunner.query(
      `CREATE TABLE "users" ("id" SERIAL NOT NULL, "username" character varying(150) NOT NULL, "email" character varying(254) NOT NULL DEFAULT '', "password_hash" character varying(100) NOT NULL, "is_active" boolean NOT NULL DEFAULT true, "is_staff" boolean NOT NULL DEFAULT false, "is_superuser" boolean NOT NULL DEFAULT false, "last_login" TIMESTAMP WITH TIME ZONE, "date_joined" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_fe0bb3f6520ee0469504521e71" ON "users" ("username") `);
    await queryRunner.query(
      `ALTER TABLE "payments" ADD CONSTRAINT "FK_1c810445cb53074e14ed2ae1407" FOREIGN KEY ("telegram_user_id") REFERENCES "telegram_users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "shop_links" ADD CONSTRAINT "FK_9e8b2b3767e26faad439b0e4533" FOREIGN KEY ("telegram_user_id") REFERENCES "telegram_users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "shop_links" ADD CONSTRAINT "FK_7d6cf1ccc4851886c331b511f09" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "storages" ADD CONSTRAINT "FK_2037820e0286fdd72191c44e4e6" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "telegram_users" ADD CONSTRAINT "FK_b9eb06eb3aefeee0985ba667986" FOREIGN KEY ("staff_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_groups" ADD CONSTRAINT "FK_95bf94c61795df25a5154350102" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_groups" ADD CONSTRAINT "FK_4c5f2c23c34f3921fbad2cd3940" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user_groups" DROP CONSTRAINT "FK_4c5f2c23c34f3921fbad2cd3940"`);
    await queryRunner.query(`ALTER TABLE "user_groups" DROP CONSTRAINT "FK_95bf94c61795df25a5154350102"`);
    await queryRunner.query(`ALTER TABLE "telegram_users" DROP CONSTRAINT "FK_b9eb06eb3aefeee0985ba667986"`);
    await queryRunner.query(`ALTER TABLE "storages" DROP CONSTRAINT "FK_2037820e0286fdd72191c44e4e6"`);
    await queryRunner.query(`ALTER TABLE "shop_links" DROP CONSTRAINT "FK_7d6cf1ccc4851886c331b511f09"`);
    await queryRunner.query(`ALTER TABLE "shop_links" DROP CONSTRAINT "FK_9e8b2b3767e26faad439b0e4533"`);
    await queryRunner.query(`ALTER TABLE "payments" DROP CONSTRAINT "FK_1c810445cb53074e14ed2ae1407"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_fe0bb3f6520ee0469504521e71"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4c5f2c23c34f3921fbad2cd394"`);
    await queryRunner.query(`DROP TABLE "user_groups"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b53b50190f608748d72002053b"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b9eb06eb3aefeee0985ba66798"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_03dedca16583c8f32940855793"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1cfbb2a0f96e48246824d80e47"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_470f85b9bc7e72e34856596699"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bccfd1487db94e70d0ce17abca"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_88256a651008c00c1eea23e0b6"`);
    await queryRunner.query(`DROP TABLE "telegram_users"`);
    await queryRunner.query(`DROP TYPE "public"."telegram_user_role"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2037820e0286fdd72191c44e4e"`);
    await queryRunner.query(`DROP TABLE "storages"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_74056945f3500de22e87801127"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e488102a9e23052cd8dc41cb36"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_8c28ec876676eeb1dcb65c01b7"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2d52eee86e0f4815cdc79df54a"`);
    await queryRunner.query(`DROP TABLE "shops"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_7d6cf1ccc4851886c331b511f0"`);
    await queryRunner.query(`DROP TABLE "shop_links"`);
    await queryRunner.query(`DROP TYPE "public"."shop_link_source"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1237daf748b7653a6ebb9492fe"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1c810445cb53074e14ed2ae140"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6335cf9c5113f6784cdb347937"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4bd3d4b730894e21da0a4bf1e2"`);
    await queryRunner.query(`DROP TABLE "payments"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notifications_due"`);
    await queryRunner.query(`DROP TABLE "notifications"`);
    await queryRunner.query(`DROP INDEX "public"."ix_login_failures_scope_key_at"`);
    await queryRunner.query(`DROP TABLE "login_failures"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_664ea405ae2a10c264d582ee56"`);
    await queryRunner.query(`DROP TABLE "groups"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_28b641943db78c6c7ac024c4e9"`);
    await queryRunner.query(`DROP TABLE "bot_sessions"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_log_resource_record"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2ad7930a7c2af80585c8c1b770"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_15a6f5aad57db494c17986ed2e"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
