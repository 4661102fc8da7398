import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { safeEqual } from '../services/secrets.js';

/**
 * CSRF protection that works with AdminJS's prebuilt frontend, in two layers.
 *
 * 1. Same-origin check on every state-changing request (POST, PUT, PATCH, DELETE), login included:
 *    a browser always sends Origin on a cross-site POST (and Sec-Fetch-Site); if Origin is absent,
 *    Referer is checked instead. `Origin: null` and `Sec-Fetch-Site: cross-site` are refused.
 *    A request with neither header does not come from a browser, so it can't be a forged one.
 * 2. Synchronizer token: at login a random token is stored in the session and mirrored into the
 *    readable cookie XSRF-TOKEN. AdminJS talks to its API with axios, which copies that cookie into
 *    the X-XSRF-TOKEN header of every same-origin request by itself. Every API call (GET as well:
 *    a few AdminJS actions run on GET) and every other state-changing request of a logged-in
 *    session must carry the header, equal to the session's token. Another site can neither read
 *    the cookie nor set the header.
 */

export const CSRF_COOKIE = 'XSRF-TOKEN';
export const CSRF_HEADER = 'x-xsrf-token';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isUnsafe(req: Request): boolean {
  return UNSAFE.has(req.method);
}

function expectedOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? ''}`;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Why a request fails the same-origin check, or null when it passes. */
export function crossOriginReason(req: Request): string | null {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite === 'cross-site') return 'cross-site request';
  const origin = req.get('origin');
  const expected = expectedOrigin(req);
  if (origin !== undefined) {
    return origin === expected ? null : `foreign origin ${origin}`;
  }
  const referer = req.get('referer');
  if (referer !== undefined) {
    return originOf(referer) === expected ? null : 'foreign referer';
  }
  return null;
}

function refuse(res: Response, reason: string): void {
  res.status(403).json({ error: 'forbidden', message: `CSRF check failed: ${reason}` });
}

/** Layer 1, for every route of the panel. */
export function sameOriginGuard(req: Request, res: Response, next: NextFunction): void {
  if (!isUnsafe(req)) return next();
  const reason = crossOriginReason(req);
  if (reason) return refuse(res, reason);
  next();
}

/** Layer 2, for the routes behind the login. */
export function tokenGuard(req: Request, res: Response, next: NextFunction): void {
  const needsToken = isUnsafe(req) || req.path.startsWith('/api/');
  if (!needsToken) return next();
  const expected = req.session?.csrfToken;
  const sent = req.get(CSRF_HEADER);
  if (!expected || !sent || !safeEqual(sent, expected))
    return refuse(res, 'missing or wrong X-XSRF-TOKEN header');
  next();
}

/** The cookie axios reads; not HttpOnly on purpose (the page's script must read it), SameSite strict. */
export function setCsrfCookie(res: Response, token: string, opts: { path: string; secure: boolean }): void {
  res.cookie(CSRF_COOKIE, token, {
    path: opts.path,
    sameSite: 'strict',
    secure: opts.secure,
    httpOnly: false,
  });
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
