import { Telegram } from 'telegraf';
import { ALLOWED_UPDATES } from '../bot/chat-key.js';
import { webhookHandler, webhookPath } from '../bot/webhook.js';
import type { AmqpConfig, Config } from '../config.js';
import { createHttpApp } from '../http/app.js';
import type { BoundServer } from '../http/listen.js';
import type { Logger } from '../logger.js';
import { errorText, sleep } from './amqp.js';
import { UpdatePublisher } from './publisher.js';

/**
 * ROLE=receiver: the webhook and /healthz, nothing else (no database, no panel). Each update is
 * checked (secret, size, JSON) by the webhook handler, published to its partition and answered 200
 * once RabbitMQ confirmed it; 500 while the broker is away, so Telegram delivers it again. Any
 * number of receivers can run behind a load balancer: they keep no state.
 */
export async function startReceiver(config: Config, logger: Logger, server: BoundServer): Promise<void> {
  const { transport } = config;
  if (transport.mode !== 'webhook') throw new Error('a receiver needs WEBHOOK_URL'); // refused by the config too
  const { app, publisher } = createReceiver(config, logger);
  server.serve(app);
  logger.info({ port: server.port }, 'receiver: serving the webhook');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: answering the requests in flight');
    // Requests in flight finish (their updates are confirmed or answered 500) before the broker goes.
    await server.close().catch(() => undefined);
    await publisher.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // Every receiver sets the same webhook (the call is idempotent); Telegram being away delays
  // nothing here: it is retried until it works.
  void (async () => {
    const telegram = new Telegram(config.botToken ?? '', { apiRoot: config.telegramApiRoot });
    for (let failures = 0; !stopping; failures++) {
      try {
        await telegram.setWebhook(transport.url, {
          secret_token: transport.secret,
          allowed_updates: ALLOWED_UPDATES as never,
          max_connections: 40,
        });
        logger.info('receiving updates by webhook');
        return;
      } catch (err) {
        logger.warn({ err: errorText(err) }, 'receiver: could not set the webhook; will retry');
        await sleep(Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)));
      }
    }
  })();
}

/** The receiver's HTTP app and its publisher (started); the process's wiring is startReceiver's. */
export function createReceiver(config: Config, logger: Logger) {
  const { transport } = config;
  const amqp = config.pipeline.amqp as AmqpConfig; // the config refuses ROLE=receiver without it
  if (transport.mode !== 'webhook') throw new Error('a receiver needs WEBHOOK_URL');
  const publisher = new UpdatePublisher({ amqp, logger, reconnect: { minMs: 250, maxMs: 5000 } });
  publisher.start();
  const app = createHttpApp({
    config,
    logger,
    webhook: {
      path: webhookPath(transport.url),
      handler: webhookHandler((update) => publisher.publish([update]), transport.secret, logger),
    },
    pipeline: () => ({ role: 'receiver', broker: publisher.state, partitions: [], leader: false }),
  });
  return { app, publisher };
}
