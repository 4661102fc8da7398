import { loadConfig, type Config } from '../../src/config.js';
import { createBot, SESSION_TTL_MS, type Bot, type SessionData } from '../../src/bot/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { SessionStore } from '../../src/db/session-store.js';
import { createServices, type Services } from '../../src/services/index.js';
import { Notifier } from '../../src/workers/notifier.js';
import { SupportDesk } from '../../src/support/desk.js';
import type { ChannelFactory, ChannelKind } from '../../src/support/channel.js';
import {
  TelegramEmulator,
  type BotMessageView,
  type EmulatorOptions,
  type InlineKeyboardMarkup,
  type TestUserInfo,
} from '../../src/emulator/emulator.js';
import { createTestDatabase, type Database } from './db.js';
import { sql } from './sql.js';
import { botTexts, type BotUser, type Texts } from './texts.js';

export const TOKEN = '123456:TEST-TOKEN';

/** The system clock plus an offset a test can move forward (and put back). */
export class TestClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
  reset(): void {
    this.offset = 0;
  }
}

export interface Harness {
  db: Database;
  emulator: TelegramEmulator<Texts>;
  bot: Bot;
  services: Services;
  config: Config;
  /** The clock the bot reads: a test moves it instead of editing the times stored in sessions. */
  clock: TestClock;
  /** The ban-notice worker, over the bot's Telegram client; not started (tests run rounds or start it). */
  notifier: Notifier;
  /** The support desk, started with the bot (see `supportIntervals` for how often its workers run). */
  desk: SupportDesk;
  /** Stops the bot as a process would on SIGTERM and starts a new one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Quick support-desk rounds for the support tests (workers every 100 ms, channels re-read every 200 ms). */
export const QUICK_SUPPORT = { intervalMs: 100, syncIntervalMs: 200 };

/**
 * The real bot, polling a local Bot API emulator, on a fresh real database: what the end-to-end
 * tests drive. Nothing is mocked; only bcrypt is cheaper and polling answers faster.
 */
export async function startHarness(
  env: Record<string, string> = {},
  emulatorOptions: EmulatorOptions = {},
  opts: {
    logger?: Logger;
    supportFactories?: Partial<Record<ChannelKind, ChannelFactory>>;
    /**
     * The support desk's worker and channel-sync periods. The desk's own (500 ms, 3 s) unless a
     * support test asks for quicker rounds: polling the database every 100 ms slows every other
     * test's bot (an embedded database serves one query at a time).
     */
    supportIntervals?: { intervalMs: number; syncIntervalMs: number };
  } = {},
): Promise<Harness> {
  const db = await createTestDatabase();
  const fallback = env.DEFAULT_LANGUAGE === 'en' ? 'en' : 'ru';
  const emulator = new TelegramEmulator<Texts>({
    token: TOKEN,
    texts: botTexts(fallback),
    ...emulatorOptions,
  });
  await emulator.start();
  const config = loadConfig({
    NODE_ENV: 'test',
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    LOG_LEVEL: 'silent',
    BOT_AUTO_CUSTOMISE: 'true',
    PAYMENT_PROVIDER_TOKEN: '284685063:TEST:provider',
    HELP_ADMIN_USERNAME: 'market_support',
    ...env,
  });
  const logger = opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });
  const clock = new TestClock();
  const sessions = new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS);
  const buildDesk = () =>
    new SupportDesk({
      services,
      config,
      logger,
      factories: opts.supportFactories,
      now: clock.now,
      intervalMs: opts.supportIntervals?.intervalMs ?? 500,
      syncIntervalMs: opts.supportIntervals?.syncIntervalMs ?? 3000,
    });
  let desk = buildDesk();
  const build = () =>
    createBot(
      { config, services, logger, sessions, now: clock.now, support: desk },
      { pollTimeoutSeconds: 1 },
    );
  const bot = build();
  const notifier = new Notifier({
    services,
    telegram: bot.telegram,
    logger,
    defaultLanguage: config.bot.defaultLanguage,
  });
  const harness: Harness = {
    db,
    emulator,
    bot,
    services,
    config,
    clock,
    notifier,
    desk,
    async restart() {
      await harness.bot.stop();
      await harness.desk.stop();
      harness.desk = desk = buildDesk();
      harness.bot = build();
      await harness.bot.init();
      await harness.desk.start();
      await harness.bot.startPolling();
    },
    async close() {
      await notifier.stop();
      await harness.bot.stop();
      await harness.desk.stop();
      await emulator.stop();
      await db.close();
    },
  };
  await harness.bot.init();
  await harness.desk.start();
  await harness.bot.startPolling();
  return harness;
}

let nextUserId = 1_000_000_001;
/** A fresh Telegram user id (above 2^31, as real ids are now). */
export function newUserId(): number {
  return nextUserId++ * 3;
}

export async function seedShop(
  services: Services,
  name: string,
  opts: { apiKey?: string; isActive?: boolean; updatePrices?: boolean } = {},
) {
  return services.shops.create({
    name,
    clientId: '1001',
    vendorName: 'Сималенд',
    isActive: opts.isActive ?? true,
    updatePrices: opts.updatePrices ?? false,
    apiKey: opts.apiKey,
  });
}

export async function seedAdmin(services: Services, username = 'boss', password = 'correct horse battery') {
  const user = await services.staff.createUser({ username, password, isStaff: true });
  await services.staff.addToGroup(username, 'telegram_admins');
  return { user, username, password };
}

// ------------------------------------------------------------------------------------------------
// Helpers for the end-to-end suites: people, logins and what the database says. Setup may go
// through the services (the same ones the bot uses); assertions look at what the user sees and at
// the tables.
// ------------------------------------------------------------------------------------------------

/** A private chat with a fresh Telegram user; Russian unless told otherwise. */
export function newUser(h: Harness, info: Partial<Omit<TestUserInfo, 'id'>> & { id?: number } = {}): BotUser {
  return h.emulator.user({
    id: info.id ?? newUserId(),
    first_name: info.first_name ?? 'Анна',
    ...(info.last_name !== undefined ? { last_name: info.last_name } : {}),
    ...(info.username !== undefined ? { username: info.username } : {}),
    language_code: info.language_code ?? 'ru',
  });
}

export { sql } from './sql.js';

/** A row of telegram_users, with the entity's field names. */
export interface UserRow {
  id: number;
  telegramId: number;
  chatId: number;
  firstName: string;
  lastName: string;
  username: string;
  languageCode: string | null;
  role: 'admin' | 'seller';
  isBanned: boolean;
  isActive: boolean;
  subscriptionPaidUntil: Date | null;
  isLoggedOut: boolean;
  isReachable: boolean;
  staffUserId: number | null;
}

/** The user's row as the table has it now (null when unregistered). */
export async function userRow(h: Harness, telegramId: number): Promise<UserRow | null> {
  const [row] = await sql<UserRow>(
    h,
    `SELECT id, telegram_id::text AS "telegramId", chat_id::text AS "chatId", first_name AS "firstName",
            last_name AS "lastName", username, language_code AS "languageCode", role, is_banned AS "isBanned",
            is_active AS "isActive", subscription_paid_until AS "subscriptionPaidUntil",
            is_logged_out AS "isLoggedOut", is_reachable AS "isReachable", staff_user_id AS "staffUserId"
     FROM telegram_users WHERE telegram_id = $1`,
    [telegramId],
  );
  return row ? { ...row, telegramId: Number(row.telegramId), chatId: Number(row.chatId) } : null;
}

/** A seller logged in through the services (as the bot's login does), linked to every key's shop. */
export async function seedSeller(h: Harness, u: BotUser, ...apiKeys: string[]) {
  const profile = {
    telegramId: u.id,
    chatId: u.chatId,
    firstName: u.info.first_name,
    lastName: u.info.last_name,
    username: u.info.username,
    languageCode: u.info.language_code,
  };
  for (const key of apiKeys) {
    const result = await h.services.auth.sellerLogin(profile, key);
    if (!result.ok) throw new Error(`seedSeller: login with ${key.slice(0, 4)}… failed: ${result.reason}`);
  }
  return (await userRow(h, u.id))!;
}

/** Logs a seller in through the bot's screens: /start, Seller, the key. */
export async function loginSeller(u: BotUser, apiKey: string): Promise<void> {
  u.send('/start');
  await u.waitForMessage(u.label((t) => t.chooseRole));
  u.pressKey((t) => t.btnSeller);
  await u.waitForMessage(u.label((t) => t.enterApiKey));
  u.send(apiKey);
  await u.waitForMessage(u.label((t) => t.loggedInSeller));
}

/** Logs an admin in through the bot's screens: /start, Admin, username, password. */
export async function loginAdmin(u: BotUser, username: string, password: string): Promise<void> {
  u.send('/start');
  await u.waitForMessage(u.label((t) => t.chooseRole));
  u.pressKey((t) => t.btnAdmin);
  await u.waitForMessage(u.label((t) => t.enterUsername));
  u.send(username);
  await u.waitForMessage(u.label((t) => t.enterPassword));
  u.send(password);
  await u.waitForMessage(u.label((t) => t.loggedInAdmin));
}

/** Bans or unbans by Telegram id, the way staff do (through the service). */
export async function setBanned(h: Harness, telegramId: number, banned: boolean): Promise<void> {
  const row = await userRow(h, telegramId);
  if (!row) throw new Error(`setBanned: user ${telegramId} is not registered`);
  await h.services.users.setBanned([row.id], banned);
}

/** How many times the bot called answerCallbackQuery for each query id (failed calls included). */
export function answerCounts(emulator: TelegramEmulator<unknown>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of emulator.callsOf('answerCallbackQuery')) {
    const id = String(call.params.callback_query_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Every press answered exactly once, once the bot has gone quiet; returns the ids that were not. */
export async function unansweredOrTwice(h: Harness, presses: { queryId: string }[]): Promise<string[]> {
  await h.emulator.settle();
  const counts = answerCounts(h.emulator);
  return presses.map((p) => `${p.queryId}×${counts.get(p.queryId) ?? 0}`).filter((s) => !s.endsWith('×1'));
}

/** The shop's row as the table has it now (null when deleted). */
export async function shopRow(h: Harness, shopId: number) {
  const [row] = await sql<{ id: number; name: string; isActive: boolean; updatePrices: boolean }>(
    h,
    `SELECT id, name, is_active AS "isActive", update_prices AS "updatePrices" FROM shops WHERE id = $1`,
    [shopId],
  );
  return row ?? null;
}

/** Ids of the shops linked to a Telegram user, as shop_links has them. */
export async function linkedShopIds(h: Harness, telegramId: number): Promise<number[]> {
  const rows = await sql<{ shop_id: number }>(
    h,
    `SELECT l.shop_id FROM shop_links l JOIN telegram_users u ON u.id = l.telegram_user_id
     WHERE u.telegram_id = $1 ORDER BY l.shop_id`,
    [telegramId],
  );
  return rows.map((r) => r.shop_id);
}

/** The callback data of a message's buttons, row by row (what a stale press would send again). */
export function keyboardData(m: BotMessageView): string[][] {
  const markup = m.reply_markup as InlineKeyboardMarkup | undefined;
  return (markup?.inline_keyboard ?? []).map((row) => row.map((b) => b.callback_data ?? ''));
}

/** The callback data of the button labelled `label` on message `m`. */
export function dataOf(m: BotMessageView, label: string): string {
  const markup = m.reply_markup as InlineKeyboardMarkup | undefined;
  const button = markup?.inline_keyboard.flat().find((b) => b.text === label);
  if (!button?.callback_data) throw new Error(`dataOf: no button [${label}] on #${m.message_id}`);
  return button.callback_data;
}

/**
 * Reads until `ok` holds or `timeoutMs` passes, then returns the last read. The bot saves a session
 * just after it answers (inside the chat's queue, so the user's next update always sees it), so a
 * test that reads the table right after an answer must wait for the write.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The stored session of a user, once it has been written as `ok` expects. */
export function sessionOf(h: Harness, telegramId: number, ok: (rows: { data: SessionRow }[]) => boolean) {
  return eventually(
    () => sql<{ data: SessionRow }>(h, `SELECT data FROM bot_sessions WHERE key = $1`, [`u:${telegramId}`]),
    ok,
  );
}
type SessionRow = { expect?: { kind: string; at: number; username?: string } };
