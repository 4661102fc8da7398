import type { RequestHandler } from 'express';
import type { Update } from 'telegraf/types';
import type { Logger } from '../logger.js';
import { safeEqual } from '../services/secrets.js';

/**
 * The webhook endpoint: only Telegram knows the secret it sends back in a header. The update is
 * handled before the answer, so a crash or a restart mid-update makes Telegram deliver it again
 * (handlers are safe to run twice); a 2xx goes back even when the handler failed, because the
 * error boundary has already told the user and a retry would only repeat the failure.
 */
export function webhookHandler(
  handleUpdate: (update: Update) => Promise<void>,
  secret: string,
  logger: Logger,
): RequestHandler {
  return (req, res, next) => {
    const given = req.get('X-Telegram-Bot-Api-Secret-Token') ?? '';
    if (!safeEqual(given, secret)) {
      logger.warn({ ip: req.ip }, 'webhook call without the right secret');
      res.status(401).end();
      return;
    }
    const update = req.body as Update;
    if (!update || typeof update.update_id !== 'number') {
      res.status(400).end();
      return;
    }
    // Express 4 doesn't await handlers: a failure goes to its error handler, not nowhere.
    handleUpdate(update).then(() => res.status(200).end(), next);
  };
}

/** The path part of WEBHOOK_URL, where the HTTP app mounts the handler. */
export function webhookPath(url: string): string {
  return new URL(url).pathname || '/';
}
