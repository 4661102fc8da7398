import { loadConfig, type Config } from '../../src/config.js';
import { createBot, type Bot } from '../../src/bot/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import {
  TelegramEmulator,
  type BotMessageView,
  type EmulatorOptions,
  type InlineKeyboardMarkup,
  type TestUser,
  type TestUserInfo,
} from '../emulator/emulator.js';
import { createTestDatabase, type Database } from './db.js';

export const TOKEN = '123456:TEST-TOKEN';

export interface Harness {
  db: Database;
  emulator: TelegramEmulator;
  bot: Bot;
  services: Services;
  config: Config;
  /** Stops the bot as a process would on SIGTERM and starts a new one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real bot, polling a local Bot API emulator, on a fresh real database: what the end-to-end
 * tests drive. Nothing is mocked; only bcrypt is cheaper and polling answers faster.
 */
export async function startHarness(
  env: Record<string, string> = {},
  emulatorOptions: EmulatorOptions = {},
  opts: { logger?: Logger } = {},
): Promise<Harness> {
  const db = await createTestDatabase();
  const emulator = new TelegramEmulator({ token: TOKEN, ...emulatorOptions });
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
  const build = () =>
    createBot({ config, dataSource: db.dataSource, services, logger }, { pollTimeoutSeconds: 1 });
  const harness: Harness = {
    db,
    emulator,
    bot: build(),
    services,
    config,
    async restart() {
      await harness.bot.stop();
      harness.bot = build();
      await harness.bot.init();
      await harness.bot.startPolling();
    },
    async close() {
      await harness.bot.stop();
      await emulator.stop();
      await db.close();
    },
  };
  await harness.bot.init();
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
export function newUser(
  h: Harness,
  info: Partial<Omit<TestUserInfo, 'id'>> & { id?: number } = {},
): TestUser {
  return h.emulator.user({
    id: info.id ?? newUserId(),
    first_name: info.first_name ?? 'Анна',
    ...(info.last_name !== undefined ? { last_name: info.last_name } : {}),
    ...(info.username !== undefined ? { username: info.username } : {}),
    language_code: info.language_code ?? 'ru',
  });
}

/** Runs SQL on the test database (plain rows back). */
export function sql<T = Record<string, unknown>>(
  h: Harness,
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  return h.db.dataSource.query(query, params) as Promise<T[]>;
}

/** The user's row as the database has it now (null when unregistered). */
export async function userRow(h: Harness, telegramId: number) {
  return h.services.users.findByTelegramId(telegramId);
}

/** A seller logged in through the services (as the bot's login does), linked to every key's shop. */
export async function seedSeller(h: Harness, u: TestUser, ...apiKeys: string[]) {
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
export async function loginSeller(u: TestUser, apiKey: string, lang: 'ru' | 'en' = 'ru'): Promise<void> {
  u.send('/start');
  await u.waitForMessage(lang === 'ru' ? 'Выберите роль' : 'Choose a role');
  u.press(lang === 'ru' ? 'Продавец' : 'Seller');
  await u.waitForMessage(/API key/);
  u.send(apiKey);
  await u.waitForMessage(lang === 'ru' ? 'Вы вошли в систему как Продавец' : 'You are logged in as Seller');
}

/** Logs an admin in through the bot's screens: /start, Admin, username, password. */
export async function loginAdmin(u: TestUser, username: string, password: string): Promise<void> {
  u.send('/start');
  await u.waitForMessage('Выберите роль');
  u.press('Админ');
  await u.waitForMessage('Введите ваш Username');
  u.send(username);
  await u.waitForMessage('Введите пароль');
  u.send(password);
  await u.waitForMessage('Вы вошли в систему как Администратор');
}

/** Bans or unbans by Telegram id, the way staff do (through the service). */
export async function setBanned(h: Harness, telegramId: number, banned: boolean): Promise<void> {
  const row = await userRow(h, telegramId);
  if (!row) throw new Error(`setBanned: user ${telegramId} is not registered`);
  await h.services.users.setBanned([row.id], banned);
}

/** How many times the bot called answerCallbackQuery for each query id (failed calls included). */
export function answerCounts(emulator: TelegramEmulator): Map<string, number> {
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

/** The shop's row as stored now. */
export async function shopRow(
  h: Harness,
  shopId: number,
): Promise<{ isActive: boolean; updatePrices: boolean } | null> {
  const rows: { isActive: boolean; updatePrices: boolean }[] = await h.db.dataSource.query(
    `SELECT is_active AS "isActive", update_prices AS "updatePrices" FROM shops WHERE id = $1`,
    [shopId],
  );
  return rows[0] ?? null;
}

/** Ids of the shops linked to a Telegram user. */
export async function linkedShopIds(h: Harness, telegramId: number): Promise<number[]> {
  const rows: { shop_id: number }[] = await h.db.dataSource.query(
    `SELECT l.shop_id FROM shop_links l JOIN telegram_users tu ON tu.id = l.telegram_user_id
     WHERE tu.telegram_id = $1 ORDER BY l.shop_id`,
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
