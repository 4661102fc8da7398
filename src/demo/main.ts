import 'reflect-metadata';
import fs from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { runningServer } from '../db/embedded.js';
import { TelegramEmulator } from '../emulator/emulator.js';
import { bindPort, type BoundServer } from '../http/listen.js';
import express from 'express';
import { createLogger } from '../logger.js';
import { portError, StartupError } from '../startup.js';
import { buildWebAssets } from './assets.js';
import { createChatServer } from './chat-server.js';
import { STAFF, SUPPORT_FORUM } from './personas.js';
import { seed } from './seed.js';

/**
 * `npm run demo`: the sandbox. One process, no token, no network: the Bot API emulator plays
 * Telegram, the real app (src/start.ts) runs against it on an embedded database of its own
 * (DATA_DIR/demo, wiped by --reset) with the demo fixture loaded, and the web chat at /demo stands in
 * for the Telegram client. Only for trying: the production entry (src/main.ts) loads none of this.
 */

const USAGE = `Usage: npm run demo [-- --reset]

  Starts the sandbox: the bot against a Telegram stand-in, the panel, and a web chat at /demo.
  --reset   start from an empty demo database (DATA_DIR/demo is deleted first)

  PORT (3000), DATA_DIR (./data; the sandbox uses DATA_DIR/demo), DEMO_HOST (127.0.0.1: only this
  machine can open it; 0.0.0.0 opens it to the network), LOG_LEVEL (warn).`;

/** The sandbox's own settings, over whatever .env or the environment say. */
function demoEnvironment(env: NodeJS.ProcessEnv, emulator: TelegramEmulator): NodeJS.ProcessEnv {
  const dataDir = path.join(env.DATA_DIR?.trim() || './data', 'demo');
  return {
    ...env,
    NODE_ENV: 'development',
    BOT_TOKEN: emulator.token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    // Always the embedded database, in a folder of its own: never the one DATABASE_URL names.
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    WEBHOOK_URL: '',
    WEBHOOK_SECRET: '',
    REPORT_CHAT_ID: '',
    LOG_LEVEL: env.LOG_LEVEL?.trim() || 'warn',
    // A fake provider, and new users pay first, so that paying can be tried.
    PAYMENT_PROVIDER_TOKEN: 'sandbox:fake-provider',
    NEW_USERS_ACTIVE: 'false',
    // Public, like the fixture's passwords: panel logins survive a restart of the sandbox.
    SESSION_SECRET: 'market-bot-sandbox-session-secret-public',
    HELP_ADMIN_USERNAME: env.HELP_ADMIN_USERNAME?.trim() || 'olga_admin',
  };
}

function demoHost(env: NodeJS.ProcessEnv): string {
  const host = env.DEMO_HOST?.trim() || '127.0.0.1';
  if (host !== 'localhost' && !isIP(host)) {
    throw new ConfigError(
      `Invalid configuration:\n  DEMO_HOST: expected an IP address or localhost, got "${host}"`,
    );
  }
  return host;
}

/**
 * Ten ids a second since 2026 began: past whatever a run that ended earlier handed out in a chat
 * (unless that chat got more than ten messages a second for the whole run), and within a 32-bit id
 * until 2032.
 */
function firstMessageId(now = Date.now()): number {
  return Math.max(1, Math.floor((now - Date.UTC(2026, 0, 1)) / 100));
}

/** Deletes DATA_DIR/demo, unless a running sandbox uses it. */
async function reset(dataDir: string): Promise<void> {
  const dir = path.resolve(dataDir);
  if (path.basename(dir) !== 'demo') throw new Error(`refusing to delete ${dir}: not a demo folder`);
  const running = await runningServer(dir);
  if (running) {
    throw new StartupError(`a sandbox (process ${running.pid}) is using ${dir}; stop it before --reset`);
  }
  await fs.rm(dir, { recursive: true, force: true });
}

/** The app's server, with /demo (the web chat) in front of whatever the app serves. */
function withChat(
  server: BoundServer,
  chat: (req: IncomingMessage, res: ServerResponse) => void,
  beforeClose: () => void,
): BoundServer {
  return {
    port: server.port,
    close: () => {
      beforeClose();
      return server.close();
    },
    serve(handler) {
      server.serve((req, res) => {
        const url = req.url ?? '/';
        if (url === '/' || url.startsWith('/?')) {
          res.writeHead(302, { location: '/demo' }).end();
        } else if (url === '/demo' || url.startsWith('/demo/') || url.startsWith('/demo?')) {
          chat(req, res);
        } else handler(req, res);
      });
    },
  };
}

function banner(config: Config, host: string, port: number, seconds: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const base = `http://${shown}:${port}`;
  return [
    '',
    `  market-bot sandbox is running (started in ${seconds.toFixed(1)} s)`,
    '',
    '  THIS IS A SANDBOX: the bot talks to a Telegram stand-in on this machine, not to Telegram;',
    '  the data is the public demo fixture; payments go to a fake provider (no money moves).',
    '',
    `  Web chat   ${base}/demo`,
    `  Panel      ${base}/admin   login ${STAFF.username}, password ${STAFF.password}`,
    '  Sellers    keys are shown beside the chat (fixtures/README.md lists them all)',
    '  Cards      4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined',
    '',
    `  Data       ${path.resolve(config.dataDir)} (npm run demo -- --reset starts from scratch)`,
    '  Stop       Ctrl-C',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const started = performance.now();
  const unknown = argv.filter((a) => a !== '--reset');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (unknown.length) throw new ConfigError(`Unknown argument ${unknown[0]}.\n\n${USAGE}`);
  const host = demoHost(process.env);

  // The stand-in forgets every chat when the sandbox stops, while the demo database keeps what the
  // bot and the desk stored about them (message ids the desk keys what it has seen by, the topics of
  // open conversations): its message ids start past any an earlier run handed out, so an old message
  // or topic is one Telegram calls gone (the desk makes a new topic) and never a new one's namesake.
  const emulator = new TelegramEmulator({
    botUser: { id: 100000, is_bot: true, first_name: 'Market Bot', username: 'market_sandbox_bot' },
    firstMessageId: firstMessageId(),
  });
  await emulator.start();
  // The support desk's forum, the bot an administrator with Manage topics.
  const forum = emulator.forum({
    id: SUPPORT_FORUM.chatId,
    title: SUPPORT_FORUM.title,
    bot: { status: 'administrator', rights: { can_manage_topics: true } },
  });
  const operator = forum.operator({ ...SUPPORT_FORUM.operator });
  const config = loadConfig(demoEnvironment(process.env, emulator));
  const log = createLogger(config.logLevel);
  const server = await bindPort(config.port, host).catch((err: unknown) => {
    throw portError(err, config.port);
  });
  try {
    if (argv.includes('--reset')) await reset(config.dataDir);
    const assets = await buildWebAssets();
    const chat = express();
    chat.disable('x-powered-by');
    const chatServer = createChatServer({
      emulator,
      assets,
      logger: log,
      panelPath: '/admin',
      forum: { chat: forum, operator, title: SUPPORT_FORUM.title },
    });
    chat.use('/demo', chatServer.router);
    const { startApp } = await import('../start.js');
    let ready = false;
    const gated = withChat(
      server,
      (req, res) => {
        if (!ready) {
          res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' });
          res.end('The sandbox is starting; reload in a moment.');
          return;
        }
        chat(req, res);
      },
      () => chatServer.endStreams(),
    );
    await seed(config);
    await startApp(config, log, gated);
    ready = true;
    process.stdout.write(`${banner(config, host, server.port, (performance.now() - started) / 1000)}\n`);
  } catch (err) {
    await server.close().catch(() => undefined);
    await emulator.stop();
    throw err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof StartupError)
    process.stderr.write(`market-bot sandbox can't start: ${err.message}\n`);
  else createLogger('fatal').fatal({ err }, 'sandbox start-up failed');
  process.exit(1);
});
