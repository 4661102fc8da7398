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
import { supportApi } from './http/support-api.js';
import { supportHooks } from './http/support-hooks.js';
import { applyWebimEnvironment } from './support/channels/webim.js';
import { SupportDesk } from './support/desk.js';
import { checkDataDir, databaseError } from './startup.js';
import { resolveSecretKey } from './support/secret-key.js';
import { Notifier } from './workers/notifier.js';
import { createMaintenanceWorker } from './workers/maintenance.js';
import { SyncWorker } from './workers/sync.js';
import { ALLOWED_UPDATES } from './bot/chat-key.js';
import { Poller } from './bot/polling.js';
import { AdvisorySession, LOCK_SPACE } from './db/advisory.js';
import { DeadWatch } from './pipeline/dead-watch.js';
import { Leadership } from './pipeline/leader.js';
import { deadQueue } from './pipeline/partition.js';
import { UpdatePublisher } from './pipeline/publisher.js';
import { PipelineWorker } from './pipeline/worker.js';

/** Signals within this long of the first are the same stop delivered twice (see shutdown). */
const REPEATED_SIGNAL_MS = 1000;

/**
 * Everything after the port is taken (main.ts): the database (migrated), the bot, the panel on the
 * bound server, the workers, and one shutdown path. SIGINT/SIGTERM let in-flight updates finish and
 * confirm the polling offset; a second signal (a second later or more) exits at once.
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
  // Several processes starting at once (workers of a compose file) migrate one after the other.
  const migrationLock = db.embedded ? undefined : await AdvisorySession.open(db.dataSource);
  await migrationLock?.lock(LOCK_SPACE.migrations, 0);
  const applied = await runMigrations(db.dataSource).finally(() => migrationLock?.close());
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const secretKey = await resolveSecretKey(config);
  const services = createServices(db.dataSource, { ...config, secretKey });
  const botSessions = new SessionStore<SessionData>(db.dataSource, SESSION_TTL_MS);
  const desk = new SupportDesk({ services, config, logger, secretKey });
  const bot = createBot({ config, services, logger, sessions: botSessions, now: Date.now, support: desk });
  await bot.init();
  logger.info({ bot: bot.bot.botInfo?.username }, 'bot ready');

  // From here on a signal takes the one shutdown path, whatever has started by then.
  const parts: {
    notifier?: Notifier;
    maintenance?: ReturnType<typeof createMaintenanceWorker>;
    sync?: SyncWorker;
    leadership?: Leadership;
    worker?: PipelineWorker;
    publisher?: UpdatePublisher;
  } = {};
  let stoppingSince: number | undefined;
  const shutdown = async (signal: string) => {
    if (stoppingSince !== undefined) {
      // Ctrl-C reaches every process of the terminal's group, and npm forwards what it gets to the
      // app: one stop arrives twice within milliseconds. Only a later signal means "exit now".
      if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
      logger.warn('second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    clearInterval(orphanWatch);
    logger.info({ signal }, 'stopping: finishing updates in flight');
    try {
      await server.close();
      // With a broker: the singletons (and the poller) stop, the partitions finish what they started.
      await parts.leadership?.stop();
      await parts.worker?.stop();
      await parts.publisher?.stop();
      await bot.stop();
      await desk.stop();
      await parts.notifier?.stop();
      await parts.maintenance?.stop();
      await parts.sync?.stop();
      await (await adminBuild.catch(() => undefined))?.close();
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
  // Started by npm (`npm start`, `npm run start:prod`): if npm dies without passing a signal on
  // (SIGKILL), the app would be left serving with nobody to stop it, so it stops itself.
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.env.npm_lifecycle_event && process.ppid !== parent) void shutdown('parent exited');
  }, 500);
  orphanWatch.unref();

  // The shop sync (off unless SYNC_AMQP_URL is set) connects in the background once the app runs: a
  // broker that is away delays nothing, and changes wait in the outbox meanwhile.
  const sync = config.sync ? new SyncWorker({ config: config.sync, sync: services.sync, logger }) : undefined;
  const syncState = sync ? () => sync.status() : undefined;

  // The panel takes a moment to build. With long polling the bot takes updates meanwhile: after a
  // restart, presses queued during the downtime are answered within Telegram's 15 s.
  const adminBuild = createAdmin({ config, dbUrl: db.url, services, logger, syncState });
  // (Its failure is reported where it is awaited below, not as an unhandled rejection meanwhile.)
  adminBuild.catch(() => undefined);
  const { pipeline } = config;
  if (pipeline.amqp) {
    await startWithBroker(pipeline.amqp);
    return;
  }
  // The support channels run before updates arrive: a forum's messages are theirs from the first one.
  await applyWebimEnvironment(services, config, logger);
  await desk.start();
  const { transport } = config;
  if (transport.mode === 'polling') {
    await bot.startPolling();
    logger.info('receiving updates by long polling');
  }
  const admin = await adminBuild;
  if (stoppingSince !== undefined) return;
  const webhook =
    transport.mode === 'webhook'
      ? {
          path: webhookPath(transport.url),
          handler: webhookHandler(bot.receive, transport.secret, logger),
        }
      : undefined;
  const ping = () => pingDatabase(db.dataSource);
  const support = {
    api: supportApi({ config, logger, services, desk }),
    files: desk.files.handler(desk.telegramClient, logger),
    hooks: supportHooks(desk, logger),
  };
  const health = () => ({ role: pipeline.role, partitions: [], leader: true });
  server.serve(createHttpApp({ config, logger, admin, ping, webhook, syncState, support, pipeline: health }));
  logger.info({ port: server.port }, `panel at http://localhost:${server.port}/admin`);

  if (transport.mode === 'webhook') {
    await bot.setWebhook(transport.url, transport.secret);
    logger.info('receiving updates by webhook');
  }
  const notifier = new Notifier({
    services,
    telegram: bot.telegram,
    logger,
    defaultLanguage: config.bot.defaultLanguage,
  });
  notifier.start();
  parts.notifier = notifier;
  const maintenance = createMaintenanceWorker({ services, logger, vacuum: db.embedded });
  maintenance.start();
  parts.maintenance = maintenance;
  if (sync) {
    sync.start();
    parts.sync = sync;
  }
  logger.info('market-bot is running');

  /**
   * With AMQP_URL (ROLE=worker, or ROLE=all with a broker): updates come from the partition queues;
   * this process's webhook (ROLE=all) or poller (the leader's) publishes to them. The singletons run
   * in the leader only, whichever process holds the lock (README "Running more than one process").
   */
  async function startWithBroker(amqp: NonNullable<typeof pipeline.amqp>): Promise<void> {
    const { transport } = config;
    await applyWebimEnvironment(services, config, logger);
    const openLocks = () => AdvisorySession.open(db.dataSource);
    const worker = new PipelineWorker({
      amqp,
      logger,
      openLocks,
      processed: services.processed,
      // Straight to the bot: the broker, not tg_inbox, holds the update until it is acknowledged.
      handle: (update) => bot.bot.handleUpdate(update),
    });
    parts.worker = worker;
    // ROLE=all receives too: its webhook or its poller publishes (a worker leaves the webhook to receivers).
    const receives = pipeline.role === 'all' || transport.mode === 'polling';
    const publisher = receives ? new UpdatePublisher({ amqp, logger }) : undefined;
    parts.publisher = publisher;
    publisher?.start();
    const poller =
      publisher && transport.mode === 'polling'
        ? new Poller({
            telegram: bot.telegram,
            logger,
            // A batch is confirmed to Telegram (the next getUpdates) only once the broker confirmed it.
            receive: (updates) => publisher.publish(updates),
            drain: async () => undefined,
            backlog: () => 0,
            allowedUpdates: ALLOWED_UPDATES,
          })
        : undefined;
    const notifier = new Notifier({
      services,
      telegram: bot.telegram,
      logger,
      defaultLanguage: config.bot.defaultLanguage,
    });
    const maintenance = createMaintenanceWorker({ services, logger, vacuum: db.embedded });
    const deadWatch = new DeadWatch({
      queue: deadQueue(amqp.queuePrefix),
      count: () => worker.deadUpdates(),
      logger,
    });
    const leadership = new Leadership({
      openLocks,
      botToken: config.botToken ?? '',
      logger,
      lead: async () => {
        await desk.start();
        // The forums' updates (the desk queue) are this process's now that it runs their channels.
        await worker.consumeDesk(true);
        notifier.start();
        maintenance.start();
        deadWatch.start();
        sync?.start();
        if (poller) {
          // One poller per bot token: the leader's.
          await bot.telegram.deleteWebhook({ drop_pending_updates: false });
          poller.start();
          logger.info('receiving updates by long polling, through the broker');
        }
      },
      stepDown: async () => {
        await poller?.stop();
        // The forum updates started finish while the channels still run; the rest wait for the next leader.
        await worker.consumeDesk(false);
        await desk.stop();
        if (stoppingSince === undefined) await desk.follow();
        await notifier.stop();
        await maintenance.stop();
        await deadWatch.stop();
        await sync?.stop();
      },
    });
    parts.leadership = leadership;
    // Until (unless) this process leads, its desk reads the channels' registry: sellers can write to
    // support from whichever worker has their chat.
    await desk.follow();
    worker.start();
    leadership.start();

    const admin = await adminBuild;
    if (stoppingSince !== undefined) return;
    const webhook =
      publisher && transport.mode === 'webhook'
        ? {
            path: webhookPath(transport.url),
            handler: webhookHandler((update) => publisher.publish([update]), transport.secret, logger),
          }
        : undefined;
    const health = () => ({
      role: pipeline.role,
      broker: worker.brokerState,
      partitions: worker.partitions(),
      leader: leadership.leader,
      ...(deadWatch.count === undefined ? {} : { deadUpdates: deadWatch.count }),
    });
    const support = {
      api: supportApi({ config, logger, services, desk }),
      files: desk.files.handler(desk.telegramClient, logger),
      hooks: supportHooks(desk, logger),
    };
    const ping = () => pingDatabase(db.dataSource);
    server.serve(
      createHttpApp({ config, logger, admin, ping, webhook, syncState, support, pipeline: health }),
    );
    logger.info({ port: server.port }, `panel at http://localhost:${server.port}/admin`);
    if (webhook && transport.mode === 'webhook') {
      await bot.setWebhook(transport.url, transport.secret);
      logger.info('receiving updates by webhook, through the broker');
    }
    logger.info(
      { role: pipeline.role, partitions: amqp.partitions, worker: amqp.worker },
      'market-bot is running',
    );
  }
}
