import { buildAssets, buildRoutes } from '@adminjs/express';
import AdminJS, { Router as AdminRoutes } from 'adminjs';
import express, { type NextFunction, type Request, type Response } from 'express';
import formidableMiddleware from 'express-formidable';
import session from 'express-session';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger.js';
import {
  CSRF_COOKIE,
  crossOriginReason,
  newCsrfToken,
  readCookie,
  sameOriginGuard,
  setCsrfCookie,
  tokenGuard,
} from './csrf.js';
import { SUPERUSER_RESOURCES } from './resources.js';
import { scrubJson } from './secrets.js';
import type { AdminServices, StaffAdmin } from './types.js';

declare module 'express-session' {
  interface SessionData {
    adminUser?: StaffAdmin;
    csrfToken?: string;
  }
}

export const SESSION_COOKIE = 'mb_admin_sid';
/** Absolute lifetime of a panel session: it is not extended by activity (the store's touch is off). */
export const SESSION_MAX_AGE_MS = 8 * 60 * 60_000;

export interface PanelRouterDeps {
  admin: AdminJS;
  dataSource: DataSource;
  services: AdminServices;
  logger: Logger;
  store: session.Store;
  secret: string;
  secure: boolean;
}

const FORMIDABLE = { maxFileSize: 2 * 1024 * 1024, maxFieldsSize: 1024 * 1024, maxFields: 500 };

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

function destroy(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.destroy(() => resolve()));
}

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;
const wrap =
  (fn: AsyncHandler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res, next).catch(next);
  };

/** "Too many failed attempts, try again in 12 minutes" (no dots or colons: the login page runs it through i18n). */
export function lockoutMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many failed attempts, try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * The panel's express router, assembled from @adminjs/express's building blocks (its assets and its
 * routes) with our own session, login and protection, because its authenticated router keeps
 * sessions in memory, limits logins per IP in memory only, keeps the session id across login and
 * has no CSRF protection.
 *
 * Order: session → same-origin check → login/logout → assets → authentication (re-checked against
 * the database on every request) → CSRF token → superuser gate → body parsing → AdminJS routes.
 */
export function buildPanelRouter(deps: PanelRouterDeps): express.Router {
  const { admin, services, logger } = deps;
  const { rootPath, loginPath, logoutPath } = admin.options;
  const local = (p: string) => {
    const rest = p.startsWith(rootPath) ? p.slice(rootPath.length) : p;
    return rest.startsWith('/') ? rest : `/${rest}`;
  };
  const cookiePath = rootPath;
  const router = express.Router();

  // AdminJS parses its own bodies (multipart forms, JSON): a body parser mounted before it breaks uploads.
  router.use((req: Request & { _body?: unknown }, _res, next) => {
    if (req._body) return next(new Error('Mount the admin router before any body parser'));
    next();
  });
  router.use((_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  router.use(
    session({
      store: deps.store,
      secret: deps.secret,
      name: SESSION_COOKIE,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      proxy: deps.secure ? true : undefined,
      cookie: {
        path: cookiePath,
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.secure,
        maxAge: SESSION_MAX_AGE_MS,
      },
    }),
  );
  router.use(sameOriginGuard);

  const renderLogin = async (res: Response, status: number, errorMessage: string | null) => {
    const html = await admin.renderLogin({ action: loginPath, errorMessage });
    res.status(status).type('html').send(html);
  };

  router.get(
    local(loginPath),
    wrap(async (req, res) => {
      if (req.session.adminUser) return res.redirect(rootPath);
      await renderLogin(res, 200, null);
    }),
  );

  router.post(
    local(loginPath),
    formidableMiddleware(FORMIDABLE),
    wrap(async (req, res) => {
      const fields = (req as Request & { fields?: Record<string, unknown> }).fields ?? {};
      const username = typeof fields.email === 'string' ? fields.email.trim() : '';
      const password = typeof fields.password === 'string' ? fields.password : '';
      const ip = req.ip ?? 'unknown';
      const userKey = username.toLowerCase();

      const [byIp, byUser] = await Promise.all([
        services.limiter.check('panel-ip', ip),
        userKey ? services.limiter.check('panel-user', userKey) : Promise.resolve({ locked: false as const }),
      ]);
      if (byIp.locked || byUser.locked) {
        const wait = Math.max(
          byIp.locked ? byIp.retryAfterSeconds : 0,
          byUser.locked ? byUser.retryAfterSeconds : 0,
        );
        logger.warn({ ip, username }, 'panel login refused: too many failed attempts');
        res.setHeader('Retry-After', String(wait));
        return renderLogin(res, 429, lockoutMessage(wait));
      }

      const user = username && password ? await services.auth.authenticateStaff(username, password) : null;
      if (!user) {
        await Promise.all([
          services.limiter.fail('panel-ip', ip),
          userKey ? services.limiter.fail('panel-user', userKey) : null,
        ]);
        logger.warn({ ip, username }, 'panel login failed');
        return renderLogin(res, 401, 'invalidCredentials');
      }
      await services.limiter.clear('panel-user', userKey);

      // A new session id at login: an id planted before login (session fixation) is worthless.
      await regenerate(req);
      const csrfToken = newCsrfToken();
      req.session.adminUser = {
        id: user.id,
        email: user.username,
        title: user.username,
        isSuperuser: user.isSuperuser,
      };
      req.session.csrfToken = csrfToken;
      await save(req);
      setCsrfCookie(res, csrfToken, { path: cookiePath, secure: deps.secure });
      logger.info({ staffId: user.id, username: user.username, ip }, 'panel login');
      res.redirect(302, rootPath);
    }),
  );

  router.get(
    local(logoutPath),
    wrap(async (req, res) => {
      // A cross-site link must not log people out.
      if (crossOriginReason(req) === 'cross-site request') return res.redirect(rootPath);
      const who = req.session.adminUser;
      await destroy(req);
      res.clearCookie(SESSION_COOKIE, { path: cookiePath });
      res.clearCookie(CSRF_COOKIE, { path: cookiePath });
      if (who) logger.info({ staffId: who.id, username: who.email }, 'panel logout');
      res.redirect(loginPath);
    }),
  );

  const { routes, assets } = AdminRoutes;
  buildAssets({ admin, assets, routes, router });

  // Who is logged in is re-read from the database on every request: a deactivated or demoted
  // account loses access at once, not when its session ends.
  router.use(
    wrap(async (req, res, next) => {
      const current = req.session.adminUser;
      if (!current) return res.redirect(loginPath);
      const rows = (await deps.dataSource.query(
        'SELECT username, is_active, is_staff, is_superuser FROM users WHERE id = $1',
        [current.id],
      )) as { username: string; is_active: boolean; is_staff: boolean; is_superuser: boolean }[];
      const row = rows[0];
      if (!row || !row.is_active || !row.is_staff) {
        logger.info({ staffId: current.id }, 'panel session ended: account no longer active staff');
        await destroy(req);
        return res.redirect(loginPath);
      }
      if (row.is_superuser !== current.isSuperuser || row.username !== current.email) {
        req.session.adminUser = {
          ...current,
          isSuperuser: row.is_superuser,
          email: row.username,
          title: row.username,
        };
      }
      next();
    }),
  );
  router.use(tokenGuard);

  // Staff accounts and groups: superusers only, refused here before AdminJS even parses the body
  // (the resources' isAccessible refuses them too, and hides them from the navigation).
  const superuserOnly = new RegExp(`^/(api/)?resources/(${SUPERUSER_RESOURCES.join('|')})(/|$)`);
  router.use((req, res, next) => {
    if (!superuserOnly.test(req.path) || req.session.adminUser?.isSuperuser) return next();
    if (req.path.startsWith('/api/')) {
      return res.status(403).json({ error: 'forbidden', message: 'Superusers only' });
    }
    res.status(403).type('text').send('Forbidden: superusers only');
  });

  router.use(formidableMiddleware(FORMIDABLE));

  // The cookie axios reads, put back if the browser lost it while the session lives on.
  router.use((req, res, next) => {
    const token = req.session.csrfToken;
    if (req.method === 'GET' && token && readCookie(req, CSRF_COOKIE) !== token) {
      setCsrfCookie(res, token, { path: cookiePath, secure: deps.secure });
    }
    next();
  });

  // Last line of defence: no JSON answer of the panel carries a hash or a typed secret.
  router.use((_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(scrubJson(body));
    next();
  });

  buildRoutes({ admin, routes, router });

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err, method: req.method, path: req.path }, 'panel request failed');
    if (res.headersSent) return;
    if (req.path.startsWith('/api/')) {
      res.status(500).json({ error: 'internal', message: 'Something went wrong; the error was logged.' });
    } else {
      res.status(500).type('text').send('Something went wrong; the error was logged.');
    }
  });

  return router;
}
