import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { CSRF_COOKIE, readCookie, setCsrfCookie } from './csrf.js';
import { canonicalPath } from './requests.js';
import { SUPERUSER_RESOURCES } from './resources/access.js';
import { scrubJson } from './secrets.js';
import { destroy, wrap } from './session.js';
import { languageFromHeader } from './locale/index.js';
import type { AdminServices, StaffAdmin } from './types.js';

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
 * The fonts the panel's pages use, all installed on the machine that shows them: no page asks another
 * site for anything (AdminJS's page templates link Google Fonts, which tells Google who opens the
 * panel and when, and stalls the page offline). Roboto is used where installed.
 */
export const SYSTEM_FONTS =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', 'DejaVu Sans', Arial, sans-serif";

const GOOGLE_FONTS_LINK = /<link\b[^>]*\bhref="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>/g;

/** Takes the Google Fonts link out of every HTML page the panel sends (the theme uses SYSTEM_FONTS). */
export function localFonts(_req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) =>
    send(
      typeof body === 'string' && body.includes('fonts.googleapis.com')
        ? body.replace(GOOGLE_FONTS_LINK, '')
        : body,
    );
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
  /** PANEL_TIME_ZONE: for accounts that haven't chosen one. */
  timeZone: string;
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
    const fresh: StaffAdmin = {
      ...current,
      isSuperuser: account.isSuperuser,
      email: account.username,
      title: account.username,
      // The account's choice, else the browser's language and the configured time zone.
      language: account.panelLanguage ?? languageFromHeader(req.get('accept-language')),
      timeZone: account.panelTimeZone ?? deps.timeZone,
      chosenLanguage: account.panelLanguage,
      chosenTimeZone: account.panelTimeZone,
    };
    // Written back only when something changed (a session write costs a query).
    const keys = Object.keys(fresh) as (keyof StaffAdmin)[];
    if (keys.some((k) => fresh[k] !== current[k])) req.session.adminUser = fresh;
    next();
  });
}

/**
 * Staff accounts and groups: superusers only, refused here before AdminJS even parses the body
 * (the resources' isAccessible refuses them too, and hides them from the navigation). The path is
 * compared in its canonical form (escapes decoded, `..` and slashes resolved, any case), so no
 * spelling the router would still route to `User` gets past; a malformed escape is a 400.
 */
export function superuserGate(): RequestHandler {
  const names = SUPERUSER_RESOURCES.map((n) => n.toLowerCase()).join('|');
  const superuserOnly = new RegExp(`^/(api/)?resources/(${names})(/|$)`);
  return (req, res, next) => {
    const path = canonicalPath(req.path);
    if (path === undefined) {
      return res.status(400).json({ error: 'bad request', message: 'The address has a malformed escape' });
    }
    if (!superuserOnly.test(path) || req.session.adminUser?.isSuperuser) return next();
    if (path.startsWith('/api/'))
      return res.status(403).json({ error: 'forbidden', message: 'Superusers only' });
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
