import type AdminJS from 'adminjs';
import express, { type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import { CSRF_COOKIE, crossOriginReason, newCsrfToken, setCsrfCookie } from './csrf.js';
import { formFields } from './body.js';
import { catalogues, languageFromHeader, panelLocale, type PanelLanguage } from './locale/index.js';
import { SESSION_COOKIE, destroy, regenerate, save, wrap } from './session.js';
import type { AdminServices } from './types.js';

export interface LoginDeps {
  admin: AdminJS;
  services: Pick<AdminServices, 'auth'>;
  logger: Logger;
  secure: boolean;
  /** PANEL_TIME_ZONE (the account's own choice is read on the next request). */
  timeZone: string;
}

/** "Too many failed attempts, try again in 12 minutes", in the page's language. */
export function lockoutMessage(retryAfterSeconds: number, language: PanelLanguage = 'en'): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return catalogues[language].server.lockout(minutes);
}

/**
 * AdminJS renders the login page with its locale, and knows no request: the page is rendered by a
 * stand-in whose locale is the browser's language (Accept-Language), everything else the panel's.
 */
function inLanguage(admin: AdminJS, language: PanelLanguage): AdminJS {
  const options = { ...admin.options, locale: panelLocale(language) };
  return Object.create(admin, { options: { value: options } }) as AdminJS;
}

/** A path under the panel's root as the panel's router sees it (relative to where it is mounted). */
export function localPath(rootPath: string, p: string): string {
  const rest = p.startsWith(rootPath) ? p.slice(rootPath.length) : p;
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * GET and POST of the login page, and GET of logout. A login is limited per IP and per username
 * (in the database, by services.auth.staffLogin), gets a new session id (no session fixation) and a CSRF token; a logout from
 * another site is ignored.
 */
export function loginRoutes(deps: LoginDeps): express.Router {
  const { admin, services, logger } = deps;
  const { rootPath, loginPath, logoutPath } = admin.options;
  const cookiePath = rootPath;
  const router = express.Router();

  const renderLogin = async (
    req: Request,
    res: Response,
    status: number,
    errorMessage: ((language: PanelLanguage) => string) | null,
  ) => {
    const language = languageFromHeader(req.get('accept-language'));
    const html = await inLanguage(admin, language).renderLogin({
      action: loginPath,
      errorMessage: errorMessage ? errorMessage(language) : null,
    });
    res
      .status(status)
      .type('html')
      .set('Content-Language', language)
      .set('Vary', 'Accept-Language')
      .send(html);
  };

  router.get(
    localPath(rootPath, loginPath),
    wrap(async (req, res) => {
      if (req.session.adminUser) return res.redirect(rootPath);
      await renderLogin(req, res, 200, null);
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

      // The typed username is never logged: it may be a password typed into the wrong field.
      const result = await services.auth.staffLogin(ip, username, password);
      if (!result.ok && result.reason === 'locked') {
        logger.warn({ ip }, 'panel login refused: too many failed attempts');
        res.setHeader('Retry-After', String(result.retryAfterSeconds));
        const wait = result.retryAfterSeconds;
        return renderLogin(req, res, 429, (language) => lockoutMessage(wait, language));
      }
      if (!result.ok) {
        logger.warn({ ip }, 'panel login failed');
        return renderLogin(req, res, 401, () => 'invalidCredentials');
      }
      const user = result.user;

      // A new session id at login: an id planted before login (session fixation) is worthless.
      await regenerate(req);
      const csrfToken = newCsrfToken();
      req.session.adminUser = {
        id: user.id,
        email: user.username,
        title: user.username,
        isSuperuser: user.isSuperuser,
        // Until the next request reads the account's choices (middleware.ts, staffSession).
        language: languageFromHeader(req.get('accept-language')),
        timeZone: deps.timeZone,
        chosenLanguage: null,
        chosenTimeZone: null,
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
