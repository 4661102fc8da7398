import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { AdminPanel } from '../admin/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { bindPort, type BoundServer } from './listen.js';

export interface HttpAppDeps {
  config: Config;
  logger: Logger;
  /** The back office, mounted at its rootPath (/admin). */
  admin?: AdminPanel;
  /** The database check /healthz waits for (up to 2 s); without one, /healthz answers ok. */
  ping?: () => Promise<unknown>;
  /** The Telegram webhook, mounted at `path`; it reads its own body (after checking the secret). */
  webhook?: { path: string; handler: express.RequestHandler };
  /**
   * The shop sync's broker connection, when the sync is on: /healthz shows it (`sync`) but does not
   * fail on it, since the bot works on while the broker is away.
   */
  syncState?: () => { state: string; since: Date; relayLeader: boolean };
  /**
   * The update pipeline's part in this process (README "Running more than one process"): /healthz
   * shows the role, the broker, the partitions consumed and the leadership. A receiver whose broker
   * is not connected answers 503: it can't take updates, so the load balancer should skip it.
   */
  pipeline?: () => PipelineHealth;
  /** The support desk: its management API (/api/support/channels) and signed file links (/support/files). */
  support?: { api: express.Router; files: express.RequestHandler; hooks?: express.Router };
}

export interface PipelineHealth {
  role: 'all' | 'receiver' | 'worker';
  /** Absent without AMQP_URL. */
  broker?: 'connected' | 'connecting' | 'down';
  /** The partitions this process is the active consumer of, ascending. */
  partitions: number[];
  /** Whether this process runs the singletons (notifier, outboxes, maintenance, shop sync). */
  leader: boolean;
  /**
   * The leader's last count of the updates in the dead queue (every worker that took them died):
   * above 0, someone has to look (README "Dead updates"). Absent elsewhere, or before the first look.
   */
  deadUpdates?: number;
}

const HEALTH_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The process's one HTTP app: the panel at /admin, GET /healthz, and the bot's webhook when given.
 * The panel's router comes first and no body parser runs before it (AdminJS parses its own bodies);
 * the webhook reads its own body, once the secret is right.
 */
export function createHttpApp(deps: HttpAppDeps): Express {
  const { config, logger, admin, ping, webhook, syncState, support, pipeline } = deps;
  const app = express();
  app.disable('x-powered-by');
  // The client's address (the per-IP login limit) comes from X-Forwarded-For only when a proxy
  // TRUSTED_PROXIES names sent it; by default nobody's is believed. (Secure cookies behind a
  // TLS-terminating proxy don't depend on it: the session reads X-Forwarded-Proto itself.)
  app.set('trust proxy', config.trustedProxies);

  if (admin) app.use(admin.rootPath, admin.router);

  app.get('/healthz', (_req, res) => {
    const sync = syncState?.();
    const extra = {
      ...pipeline?.(),
      ...(sync
        ? { sync: { state: sync.state, since: sync.since.toISOString(), relayLeader: sync.relayLeader } }
        : {}),
    };
    if (extra.role === 'receiver' && extra.broker !== 'connected')
      return res.status(503).json({ status: 'unavailable', ...extra });
    if (!ping) return res.json({ status: 'ok', ...extra });
    withTimeout(ping(), HEALTH_TIMEOUT_MS).then(
      () => res.json({ status: 'ok', ...extra }),
      (err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'health check: database unavailable');
        res.status(503).json({ status: 'unavailable', database: 'down', ...extra });
      },
    );
  });

  if (webhook) app.post(webhook.path, webhook.handler);

  if (support) {
    app.use('/api/support/channels', support.api);
    app.get('/support/files/:signed', support.files);
    if (support.hooks) app.use(support.hooks);
  }

  app.get('/', (_req, res) => (admin ? res.redirect(admin.rootPath) : res.status(404).end()));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err, method: req.method, path: req.path }, 'http request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal' });
  });
  return app;
}

export type RunningServer = Pick<BoundServer, 'port' | 'close'>;

/** Listens on `port` (0: any free port) with the app (the tests' and benchmarks' way; main binds first). */
export async function startHttpServer(app: Express, port: number, host?: string): Promise<RunningServer> {
  const server = await bindPort(port, host);
  server.serve(app);
  return server;
}
