import 'reflect-metadata';
import { ConfigError, loadConfig, type Config } from './config.js';
import { bindPort } from './http/listen.js';
import { createLogger, type Logger } from './logger.js';
import { portError, StartupError } from './startup.js';

/**
 * The process. The HTTP port is taken first, with nothing else loaded yet, so "port in use" is
 * known within a second; then the rest (src/start.ts) is loaded and started: database, bot, panel,
 * workers. A failure a setting can fix stops the process with one sentence (the stack at debug level).
 */
async function main(config: Config, logger: Logger): Promise<void> {
  if (!config.botToken)
    throw new ConfigError('Invalid configuration:\n  BOT_TOKEN: required to start the bot');
  const server = await bindPort(config.port).catch((err: unknown) => {
    throw portError(err, config.port);
  });
  try {
    if (config.pipeline.role === 'receiver') {
      // A receiver needs no database: the rest of the app is not even loaded.
      const { startReceiver } = await import('./pipeline/receiver.js');
      await startReceiver(config, logger, server);
      return;
    }
    const { startApp } = await import('./start.js');
    await startApp(config, logger, server);
  } catch (err) {
    await server.close().catch(() => undefined);
    throw err;
  }
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // A bad setting is the operator's to fix: say which, without a stack trace.
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);
main(config, logger).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof StartupError) {
    logger.debug({ err }, 'start-up failed');
    process.stderr.write(`market-bot can't start: ${err.message}\n`);
  } else logger.fatal({ err }, 'start-up failed');
  process.exit(1);
});
