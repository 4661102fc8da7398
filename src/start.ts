import { createAdmin, loadPanel } from './admin/index.js';
import { createBot, SESSION_TTL_MS, type SessionData } from './bot/index.js';
import { webhookHandler, webhookPath } from './bot/webhook.js';
import type { Config } from './config.js';
import { openDatabase, runMigrations } from './db/data-source.js';
import { pingDatabase } from './db/health.js';
import { SessionStore } from './db/session-store.js';
import { createHttpApp } from './http/app.js';
import type { BoundServer } from './http/listen.js';
import type { Logger } from './logger.js';
import { createServices } from './services/index.js';
import { checkDataDir, databaseError } from './startup.js';
import { Notifier } from './workers/notifier.js';
import { createMaintenanceWorker } from './workers/maintenance.js';

/**
 * Everything after the port is taken (main.ts): the database (migrated), the bot, the panel on the
 * bound server, the workers, and one shutdown path. SIGINT/SIGTERM let in-flight updates finish and
 * confirm the polling offset; a second signal exits at once.
 */
export async function startApp(config: Config, logger: Logger, server: BoundServer): Promise<void> {
  // AdminJS takes seconds to load: it loads while the database starts.
  void loadPanel(config.adminBundleDir);
  if (!config.databaseUrl) await checkDataDir(config.dataDir);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }).catch(
    (err: unknown) => {
      throw config.databaseUrl ? databaseError(err, config.databaseUrl) : err;
    },
  );
  logger.info({ embedded: db.embedded }, db.embedded ? 'embedded database ready' : 'database connected');
  const applied = await runMigrations(db.dataSource);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const services = createServices(db.dataSource, config);
  const botSessions = new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS);
  const bot = createBot({ config, services, logger, sessions: botSessions, now: Date.now });
  await bot.init();
  logger.info({ bot: bot.bot.botInfo?.username }, 'bot ready');

  const admin = await createAdmin({ config, dbUrl: db.url, services, logger });
  const { transport } = config;
  const webhook =
    transport.mode === 'webhook'
      ? {
          path: webhookPath(transport.url),
          handler: webhookHandler(bot.handleUpdate, transport.secret, logger),
        }
      : undefined;
  const ping = () => pingDatabase(db.dataSource);
  const app = createHttpApp({ config, logger, admin, ping, webhook });
  server.serve(app);
  logger.info({ port: server.port }, `panel at http://localhost:${server.port}/admin`);

  if (transport.mode === 'webhook') {
    await bot.setWebhook(transport.url, transport.secret);
    logger.info('receiving updates by webhook');
  } else {
    await bot.startPolling();
    logger.info('receiving updates by long polling');
  }
  const notifier = new Notifier({
    services,
    telegram: bot.telegram,
    logger,
    defaultLanguage: config.bot.defaultLanguage,
  });
  notifier.start();
  const maintenance = createMaintenanceWorker({ services, logger });
  maintenance.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: finishing updates in flight');
    try {
      await server.close();
      await bot.stop();
      await notifier.stop();
      await maintenance.stop();
      await admin.close();
      await db.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'unclean stop');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  logger.info('market-bot is running');
}
