import {
  TELEGRAM_ADMINS_GROUP,
  type Shop,
  type TelegramUser,
  type User,
} from '../../src/db/entities/index.js';
import {
  createServices,
  type Services,
  type ServicesOptions,
  type TelegramProfile,
} from '../../src/services/index.js';
import { createTestDatabase, truncateAll, type Database } from '../support/db.js';
import { sql, sqlOne } from '../support/sql.js';

/** The services' configuration in tests: a small login limit and cheap bcrypt. */
export const testOptions: ServicesOptions = {
  subscription: { price: 10000, currency: 'RUB', periodDays: 30, newUsersActive: true },
  login: { maxFailures: 3, windowMinutes: 15, wrongKeysPerMinute: 1000, wrongKeysPerHour: 10_000 },
  bcryptRounds: 4,
};

export interface Ctx {
  db: Database;
  s: Services;
}

export async function openCtx(options: ServicesOptions = testOptions): Promise<Ctx> {
  const db = await createTestDatabase();
  return { db, s: createServices(db.dataSource, options) };
}

export const reset = (ctx: Ctx) => truncateAll(ctx.db);

/** Telegram ids past 2^32, as real ones are today: they must come back as exact JS numbers. */
let nextTelegramId = 7_000_000_000;
export function profile(extra: Partial<TelegramProfile> = {}): TelegramProfile {
  const telegramId = extra.telegramId ?? ++nextTelegramId;
  return {
    telegramId,
    chatId: telegramId,
    firstName: 'Ivan',
    lastName: 'Petrov',
    username: 'ivan',
    ...extra,
  };
}

export async function makeShop(
  ctx: Ctx,
  name = 'Shop',
  extra: { isActive?: boolean; updatePrices?: boolean; apiKey?: string } = {},
): Promise<{ shop: Shop; apiKey: string }> {
  return ctx.s.shops.create({ name, clientId: 'client', vendorName: 'Vendor', ...extra });
}

/** A registered seller linked to these shops. */
export async function makeSeller(ctx: Ctx, shops: Shop[] = [], p = profile()): Promise<TelegramUser> {
  const user = await ctx.s.users.upsertFromLogin(undefined, p, 'seller', null);
  for (const shop of shops) await ctx.s.links.link(undefined, user.id, shop.id, 'admin');
  return user;
}

/** A staff account; in telegram_admins unless told otherwise. */
export async function makeStaff(
  ctx: Ctx,
  username: string,
  opts: {
    password?: string;
    telegramAdmin?: boolean;
    isActive?: boolean;
    isStaff?: boolean;
    isSuperuser?: boolean;
  } = {},
): Promise<User> {
  const user = await ctx.s.staff.createUser({
    username,
    password: opts.password ?? 'correct horse',
    isActive: opts.isActive,
    isStaff: opts.isStaff,
    isSuperuser: opts.isSuperuser,
  });
  if (opts.telegramAdmin ?? true) await ctx.s.staff.addToGroup(username, TELEGRAM_ADMINS_GROUP);
  return user;
}

/** A Telegram admin backed by a staff account in telegram_admins. */
export async function makeAdmin(
  ctx: Ctx,
  username = 'boss',
  p = profile(),
): Promise<{ user: TelegramUser; staff: User }> {
  const staff = await makeStaff(ctx, username);
  const user = await ctx.s.users.upsertFromLogin(undefined, p, 'admin', staff.id);
  return { user, staff };
}

/** Ids of the shops linked to a TelegramUser (by TelegramUser.id), in id order, read from the table. */
export async function linkedShopIds(ctx: Ctx, telegramUserId: number): Promise<number[]> {
  const rows = await sql<{ shop_id: number }>(
    ctx,
    `SELECT shop_id FROM shop_links WHERE telegram_user_id = $1 ORDER BY shop_id`,
    [telegramUserId],
  );
  return rows.map((r) => r.shop_id);
}

/** `n` bot sessions that stay valid for an hour, keyed `<prefix><i>`. */
export async function addSessions(ctx: Ctx, n: number, prefix: string): Promise<void> {
  await sql(
    ctx,
    `INSERT INTO bot_sessions (key, data, expires_at)
     SELECT $2 || g, '{}', now() + interval '1 hour' FROM generate_series(1, $1::int) g`,
    [n, prefix],
  );
}

/** How many rows the planner believes a table holds (what ANALYZE last counted). */
export async function rowEstimate(ctx: Ctx, table: string): Promise<number> {
  return (
    await sqlOne<{ n: number }>(ctx, `SELECT reltuples::int AS n FROM pg_class WHERE relname = $1`, [table])
  ).n;
}
