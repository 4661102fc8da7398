import { loadConfig, type Config } from '../../src/config.js';
import { createBot, type Bot } from '../../src/bot/index.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { TelegramEmulator, type EmulatorOptions } from '../emulator/emulator.js';
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
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });
  const build = () =>
    createBot(
      {
        config,
        dataSource: db.dataSource,
        services,
        logger,
        sessions: new SessionStore<SessionData>(db.dataSource, 86_400_000),
      },
      { pollTimeoutSeconds: 1 },
    );
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
