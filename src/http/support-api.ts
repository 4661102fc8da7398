import express, { type Request, type Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { isDomainError, SupportService, type ChannelRecord, type Services } from '../services/index.js';
import { safeEqual } from '../services/secrets.js';
import type { SupportDesk } from '../support/desk.js';
import { checkSettings } from '../support/settings.js';

export interface SupportApiDeps {
  config: Config;
  logger: Logger;
  services: Services;
  desk: SupportDesk;
}

function bearer(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

/** One answer for every failed check: it says nothing of which part was wrong, or whether the channel exists. */
function unauthorized(res: Response): void {
  res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unauthorized' });
}

/** The channel as the API shows it: online or offline, the reason when its check failed, secrets hidden. */
export function channelView(c: ChannelRecord) {
  return {
    name: c.name,
    kind: c.kind,
    status: c.status === 'online' ? ('online' as const) : ('offline' as const),
    running: c.running,
    default: c.isDefault,
    ...(c.status === 'failed' && c.lastError ? { reason: c.lastError } : {}),
    settings: SupportService.shownSettings(c.settings),
  };
}

/**
 * The management API after seed 001, on /api/support/channels:
 *   POST   (Bearer SUPPORT_API_TOKEN)  {name, kind, settings} → creates and starts; {name, token, status}, token shown once
 *   GET    /<name> (Bearer the channel's token) → {status: online|offline, …}
 *   PUT    /<name> (the channel's token) {settings} → stops, updates, restarts
 *   DELETE /<name> (the channel's token) → stops
 * Wrong or missing tokens get 401 and nothing else.
 */
export function supportApi(deps: SupportApiDeps): express.Router {
  const { services, desk, logger } = deps;
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  const settled = async (name: string) => {
    await desk.sync();
    return services.support.channel(name);
  };

  router.post('/', (req, res, next) => {
    const token = bearer(req);
    const expected = deps.config.support.apiToken;
    if (!token || !expected || !safeEqual(token, expected)) return unauthorized(res);
    const body = (req.body ?? {}) as {
      name?: unknown;
      kind?: unknown;
      settings?: unknown;
      default?: unknown;
    };
    const problem = checkSettings(body.settings ?? {}, deps.config.panelTimeZone);
    if (typeof body.name !== 'string' || typeof body.kind !== 'string')
      return void res.status(400).json({ error: 'Expected JSON {"name": …, "kind": …, "settings": {…}}.' });
    if (problem) return void res.status(400).json({ error: problem });
    void (async () => {
      const { channel, token: channelToken } = await services.support.createChannel({
        name: body.name as string,
        kind: body.kind as string,
        settings: body.settings as Record<string, unknown> | undefined,
        isDefault: body.default === true,
        running: true,
      });
      logger.info({ channel: channel.name, kind: channel.kind }, 'support channel created through the API');
      const now = (await settled(channel.name)) ?? channel;
      res.status(201).json({ ...channelView(now), token: channelToken });
    })().catch((err: unknown) => {
      if (isDomainError(err)) res.status(err.code === 'conflict' ? 409 : 400).json({ error: err.message });
      else next(err);
    });
  });

  /** The channel whose token the request carries, or a 401 already sent. */
  const authorised = async (req: Request, res: Response): Promise<ChannelRecord | undefined> => {
    const token = bearer(req);
    const channel = token ? await services.support.channelByToken(String(req.params.name), token) : null;
    if (!channel) unauthorized(res);
    return channel ?? undefined;
  };

  router.get('/:name', (req, res, next) => {
    void (async () => {
      const channel = await authorised(req, res);
      if (channel) res.json(channelView(channel));
    })().catch(next);
  });

  router.put('/:name', (req, res, next) => {
    void (async () => {
      const channel = await authorised(req, res);
      if (!channel) return;
      const body = (req.body ?? {}) as { settings?: unknown };
      const settings = body.settings ?? {};
      const problem = checkSettings(settings, deps.config.panelTimeZone);
      if (problem) return void res.status(400).json({ error: problem });
      await services.support.updateChannel(channel.name, { running: false });
      await desk.sync();
      await services.support.updateChannel(channel.name, {
        settings: settings as Record<string, unknown>,
        running: true,
      });
      logger.info({ channel: channel.name }, 'support channel updated through the API');
      res.json(channelView((await settled(channel.name)) ?? channel));
    })().catch(next);
  });

  router.delete('/:name', (req, res, next) => {
    void (async () => {
      const channel = await authorised(req, res);
      if (!channel) return;
      await services.support.updateChannel(channel.name, { running: false });
      logger.info({ channel: channel.name }, 'support channel stopped through the API');
      res.json(channelView((await settled(channel.name)) ?? channel));
    })().catch(next);
  });

  return router;
}
