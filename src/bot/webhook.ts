import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Update } from 'telegraf/types';
import type { Logger } from '../logger.js';

/** The largest update body read; Telegram's are far smaller. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** At most one warning of a kind per this many ms; the next one says how many were left out. */
const WARN_EVERY_MS = 60_000;

/** Compares the given secret with ours in time that depends on neither's content nor length. */
function secretMatches(given: string, secret: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret)) && given === secret;
}

/** A warning logged at most once per interval, with the count of those left out since. */
function rateLimitedWarning(logger: Logger, msg: string, everyMs = WARN_EVERY_MS) {
  let last = -Infinity;
  let skipped = 0;
  return (fields: Record<string, unknown> = {}) => {
    const now = Date.now();
    if (now - last < everyMs) {
      skipped++;
      return;
    }
    logger.warn({ ...fields, ...(skipped ? { alsoSinceLastWarning: skipped } : {}) }, msg);
    last = now;
    skipped = 0;
  };
}

/** Ends the exchange without reading the rest of the body: the connection closes after the answer. */
function refuseUnread(req: Request, res: Response, status: number): void {
  res.setHeader('Connection', 'close');
  res.status(status).end();
  res.on('finish', () => req.socket.destroySoon());
}

type Body = { ok: true; text: string } | { ok: false; status: 413 | 400 };

/** Reads the body up to the limit; past it, stops reading at once. */
function readBody(req: Request, limit: number): Promise<Body> {
  const declared = Number(req.get('content-length') ?? NaN);
  if (declared > limit) return Promise.resolve({ ok: false, status: 413 });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve({ ok: false, status: 413 });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.once('error', () => resolve({ ok: false, status: 400 }));
  });
}

/** The update in a body, or undefined when it is not JSON or not an update. */
function parseUpdate(text: string): Update | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const id = (value as { update_id?: unknown }).update_id;
  return Number.isSafeInteger(id) && (id as number) >= 0 ? (value as Update) : undefined;
}

/**
 * The webhook endpoint, with its own body reading (mount it with no body parser before it). In
 * order: the secret, which only Telegram knows, compared in constant time before a byte of the
 * body is read (a stranger gets 401 and the body is never parsed); the size (over 1 MB: 413, and
 * the rest is not read); the JSON (bad: 400). Refusals log one warning a minute at most, so a flood
 * of bad requests can't flood the log.
 *
 * `receive` stores the update in the durable inbox (src/bot/intake.ts) and queues it; the 200
 * goes back once it is stored, not handled, so Telegram sends the chat's next update without
 * waiting for the handler, and a crash after the answer loses nothing (the update is replayed at
 * the next start). If it can't be stored (the database is away) the answer is 500 and Telegram
 * delivers it again; a delivery of an id stored before is dropped, across restarts.
 */
export function webhookHandler(
  receive: (update: Update) => Promise<void>,
  secret: string,
  logger: Logger,
): RequestHandler {
  const warnSecret = rateLimitedWarning(logger, 'webhook call without the right secret');
  const warnSize = rateLimitedWarning(logger, 'webhook call with a body over 1 MB');
  const warnBody = rateLimitedWarning(logger, 'webhook call whose body is not an update');
  return (req, res, next) => {
    const given = req.get('X-Telegram-Bot-Api-Secret-Token') ?? '';
    if (!secretMatches(given, secret)) {
      warnSecret({ ip: req.ip });
      refuseUnread(req, res, 401);
      return;
    }
    readBody(req, WEBHOOK_BODY_LIMIT)
      .then((body) => {
        if (!body.ok) {
          if (body.status === 413) warnSize({ ip: req.ip });
          refuseUnread(req, res, body.status);
          return;
        }
        const update = parseUpdate(body.text);
        if (!update) {
          warnBody({ ip: req.ip });
          res.status(400).end();
          return;
        }
        // Express 4 doesn't await handlers: a failure goes to its error handler, not nowhere.
        return receive(update).then(() => res.status(200).end());
      }, next)
      .catch(next);
  };
}

/** The path part of WEBHOOK_URL, where the HTTP app mounts the handler. */
export function webhookPath(url: string): string {
  return new URL(url).pathname || '/';
}
