import { buildAssets, buildRoutes } from '@adminjs/express';
import AdminJS, { Router as AdminRoutes } from 'adminjs';
import express from 'express';
import formidableMiddleware from 'express-formidable';
import type session from 'express-session';
import type { Logger } from '../logger.js';
import { sameOriginGuard, tokenGuard } from './csrf.js';
import { loginRoutes } from './login.js';
import {
  FORMIDABLE,
  localFonts,
  panelErrors,
  refuseParsedBodies,
  restoreCsrfCookie,
  scrubResponses,
  securityHeaders,
  staffSession,
  superuserGate,
} from './middleware.js';
import { panelRequestGuard } from './requests.js';
import { panelSession } from './session.js';
import type { AdminServices } from './types.js';

export { lockoutMessage } from './login.js';
export { SESSION_COOKIE, SESSION_MAX_AGE_MS } from './session.js';

export interface PanelRouterDeps {
  admin: AdminJS;
  services: Pick<AdminServices, 'auth' | 'limiter' | 'staff'>;
  logger: Logger;
  store: session.Store;
  secret: string;
  secure: boolean;
  /** PANEL_TIME_ZONE: the time zone of staff who haven't chosen one. */
  timeZone: string;
}

/**
 * The panel's express router, assembled from @adminjs/express's building blocks (its assets and its
 * routes) with our own session, login and protection, because its authenticated router keeps
 * sessions in memory, limits logins per IP in memory only, keeps the session id across login and
 * has no CSRF protection.
 *
 * Order: local fonts → session → same-origin check → login/logout → assets → staff session
 * (re-checked against the database on every request) → CSRF token → superuser gate → unknown
 * resources, actions and malformed list parameters refused → body parsing → AdminJS routes.
 */
export function buildPanelRouter(deps: PanelRouterDeps): express.Router {
  const { admin, services, logger, secure } = deps;
  const { rootPath, loginPath } = admin.options;
  const cookie = { path: rootPath, secure };
  const router = express.Router();

  router.use(refuseParsedBodies);
  router.use(securityHeaders);
  router.use(localFonts);
  router.use(panelSession({ store: deps.store, secret: deps.secret, secure, cookiePath: rootPath }));
  router.use(sameOriginGuard);
  router.use(loginRoutes({ admin, services, logger, secure, timeZone: deps.timeZone }));

  const { routes, assets } = AdminRoutes;
  buildAssets({ admin, assets, routes, router });

  router.use(staffSession({ services, logger, loginPath, timeZone: deps.timeZone }));
  router.use(tokenGuard);
  router.use(superuserGate());
  router.use(panelRequestGuard(admin));
  router.use(formidableMiddleware(FORMIDABLE));
  router.use(restoreCsrfCookie(cookie));
  router.use(scrubResponses);

  buildRoutes({ admin, routes, router });

  router.use(panelErrors(logger));
  return router;
}
