import express, { type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { ChannelKind, InboundRequest } from '../support/channel.js';
import { inboundPaths } from '../support/channels/index.js';
import type { SupportDesk } from '../support/desk.js';

/** The largest body a platform may send us (a message with its metadata; files come by URL). */
const BODY_LIMIT = '1mb';

function headersOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function queryOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The paths support platforms call us on (channels/index.ts inboundPaths): POST <path>[/<channel
 * name>[/…]] with any body up to 1 MB, handed raw to the channel, which checks its own token or
 * signature. A larger body is 413, before the channel sees it.
 */
export function supportHooks(desk: SupportDesk, logger: Logger): express.Router {
  const router = express.Router();
  const parse = express.raw({ type: () => true, limit: BODY_LIMIT });
  // A body over the limit is answered 413 here (the app's error handler would say 500).
  const raw: express.RequestHandler = (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      if ((err as { status?: number } | undefined)?.status === 413)
        res.status(413).json({ error: 'payload too large' });
      else next(err);
    });
  for (const [kind, path] of Object.entries(inboundPaths) as [ChannelKind, string][]) {
    const handle = async (req: Request, res: Response) => {
      const name = typeof req.params.name === 'string' ? req.params.name : undefined;
      const rest = typeof req.params[0] === 'string' && req.params[0] ? `/${req.params[0]}` : '';
      const request: InboundRequest = {
        method: req.method,
        path: rest,
        headers: headersOf(req),
        query: queryOf(req),
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      };
      const answer = await desk.inbound(kind, name, request);
      if (answer.status >= 400)
        logger.warn({ kind, name, status: answer.status }, 'support inbound request refused');
      if (answer.text !== undefined) res.status(answer.status).type('text/plain').send(answer.text);
      else res.status(answer.status).json(answer.json ?? {});
    };
    const run = (req: Request, res: Response, next: express.NextFunction) => {
      handle(req, res).catch(next);
    };
    router.post(path, raw, run);
    router.post(`${path}/:name`, raw, run);
    router.post(`${path}/:name/*`, raw, run);
  }
  return router;
}
