import type AdminJS from 'adminjs';
import express, { type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import { CSRF_COOKIE, crossOriginReason, newCsrfToken, setCsrfCookie } from './csrf.js';
import { formFields } from './body.js';
import { SESSION_COOKIE, destroy, regenerate, save, wrap } from './session.js';
import type { AdminServices } from './types.js';

export interface LoginDeps {
  admin: AdminJS;
  services: Pick<AdminServices, 'auth' | 'limiter'>;
  logger: Logger;
  secure: boolean;
}

/** "Too many failed attempts, try again in 12 minutes" (no dots or colons: the login page runs it through i18n). */
export function lockoutMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many failed attempts, try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** A path under the panel's root as the panel's router sees it (relative to where it is mounted). */
export function localPath(rootPath: string, p: string): string {
  const rest = p.startsWith(rootPath) ? p.slice(rootPath.length) : p;
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * GET and POST of the login page, and GET of logout. A login is limited per IP and per username
 * (in the database), gets a new session id (no session fixation) and a CSRF token; a logout from
 * another site is ignored.
 */
export function loginRoutes(deps: LoginDeps): express.Router {
  const { admin, services, logger } = deps;
  const { rootPath, loginPath, logoutPath } = admin.options;
  const cookiePath = rootPath;
  const router = express.Router();

  const renderLogin = async (res: Response, status: number, errorMessage: string | null) => {
    const html = await admin.renderLogin({ action: loginPath, errorMessage });
    res.status(status).type('html').send(html);
  };

  router.get(
    localPath(rootPath, loginPath),
    wrap(async (req, res) => {
      if (req.session.adminUser) return res.redirect(rootPath);
      await renderLogin(res, 200, null);
    }),
  );

  router.post(
    localPath(rootPath, loginPath),
    formFields(),
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
    localPath(rootPath, logoutPath),
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

  return router;
}
