import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { CSRF_COOKIE, readCookie, setCsrfCookie } from './csrf.js';
import { SUPERUSER_RESOURCES } from './resources/access.js';
import { scrubJson } from './secrets.js';
import { destroy, wrap } from './session.js';
import type { AdminServices } from './types.js';

/** AdminJS parses its own bodies (multipart forms, JSON): a body parser mounted before it breaks uploads. */
export function refuseParsedBodies(req: Request & { _body?: unknown }, _res: Response, next: NextFunction) {
  if (req._body) return next(new Error('Mount the admin router before any body parser'));
  next();
}

/** No framing, no MIME sniffing, no referrer outside the site. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
}

/**
 * Who is logged in is re-read from the database on every request: a deactivated or demoted account
 * loses access at once, not when its session ends. Without a session, to the login page.
 */
export function staffSession(deps: {
  services: Pick<AdminServices, 'staff'>;
  logger: Logger;
  loginPath: string;
}): RequestHandler {
  return wrap(async (req, res, next) => {
    const current = req.session.adminUser;
    if (!current) return res.redirect(deps.loginPath);
    const account = await deps.services.staff.accountStatus(current.id);
    if (!account || !account.isActive || !account.isStaff) {
      deps.logger.info({ staffId: current.id }, 'panel session ended: account no longer active staff');
      await destroy(req);
      return res.redirect(deps.loginPath);
    }
    if (account.isSuperuser !== current.isSuperuser || account.username !== current.email) {
      req.session.adminUser = {
        ...current,
        isSuperuser: account.isSuperuser,
        email: account.username,
        title: account.username,
      };
    }
    next();
  });
}

/**
 * Staff accounts and groups: superusers only, refused here before AdminJS even parses the body
 * (the resources' isAccessible refuses them too, and hides them from the navigation).
 */
export function superuserGate(): RequestHandler {
  const superuserOnly = new RegExp(`^/(api/)?resources/(${SUPERUSER_RESOURCES.join('|')})(/|$)`);
  return (req, res, next) => {
    if (!superuserOnly.test(req.path) || req.session.adminUser?.isSuperuser) return next();
    if (req.path.startsWith('/api/')) {
      return res.status(403).json({ error: 'forbidden', message: 'Superusers only' });
    }
    res.status(403).type('text').send('Forbidden: superusers only');
  };
}

/** The cookie axios reads, put back if the browser lost it while the session lives on. */
export function restoreCsrfCookie(opts: { path: string; secure: boolean }): RequestHandler {
  return (req, res, next) => {
    const token = req.session.csrfToken;
    if (req.method === 'GET' && token && readCookie(req, CSRF_COOKIE) !== token) {
      setCsrfCookie(res, token, opts);
    }
    next();
  };
}

/** Last line of defence: no JSON answer of the panel carries a hash or a typed secret. */
export function scrubResponses(_req: Request, res: Response, next: NextFunction): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => json(scrubJson(body));
  next();
}

/** An error is logged; the answer says only that something went wrong (JSON for the API). */
export function panelErrors(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err, method: req.method, path: req.path }, 'panel request failed');
    if (res.headersSent) return;
    if (req.path.startsWith('/api/')) {
      res.status(500).json({ error: 'internal', message: 'Something went wrong; the error was logged.' });
    } else {
      res.status(500).type('text').send('Something went wrong; the error was logged.');
    }
  };
}
