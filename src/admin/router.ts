import { buildRoutes } from '@adminjs/express';
import AdminJS, { Router as AdminRoutes } from 'adminjs';
import express from 'express';
import type session from 'express-session';
import type { Logger } from '../logger.js';
import { panelAssetList, panelAssets } from './assets.js';
import { formFields } from './body.js';
import { sameOriginGuard, tokenGuard } from './csrf.js';
import { loginRoutes } from './login.js';
import {
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

export interface PanelRouterDeps {
  admin: AdminJS;
  services: Pick<AdminServices, 'auth' | 'limiter' | 'staff'>;
  logger: Logger;
  store: session.Store;
  secret: string;
  secure: boolean;
  /** PANEL_TIME_ZONE: the time zone of staff who haven't chosen one. */
  timeZone: string;
  /** The components' bundle file, and where `npm run build` put precompressed copies (if it did). */
  assets: { componentsBundle: string; precompressedDir?: string };
}

/**
 * The panel's express router: AdminJS's routes through @adminjs/express's `buildRoutes`, with our own
 * assets, session, login, body parsing and protection, because its authenticated router keeps
 * sessions in memory, limits logins per IP in memory only, keeps the session id across login, has no
 * CSRF protection and parses forms with the deprecated formidable 1 (body.ts sets `req.fields` as
 * that did, which is what `buildRoutes` reads).
 *
 * Order: local fonts, asset URLs versioned in pages → session → same-origin check → login/logout →
 * assets (compressed, cached: assets.ts) → staff session (re-checked against the database on every
 * request) → CSRF token → superuser gate → unknown resources, actions and malformed list parameters
 * refused → body parsing → AdminJS routes.
 */
export function buildPanelRouter(deps: PanelRouterDeps): express.Router {
  const { admin, services, logger, secure, timeZone } = deps;
  const { rootPath, loginPath } = admin.options;
  const cookie = { path: rootPath, secure };
  const router = express.Router();
  const { routes, assets } = AdminRoutes;
  const files = panelAssets(panelAssetList(assets, deps.assets.componentsBundle), {
    rootPath,
    logger,
    precompressedDir: deps.assets.precompressedDir,
  });

  router.use(refuseParsedBodies);
  router.use(securityHeaders);
  router.use(localFonts);
  router.use(files.versionUrls);
  router.use(panelSession({ store: deps.store, secret: deps.secret, secure, cookiePath: rootPath }));
  router.use(sameOriginGuard);
  router.use(loginRoutes({ admin, services, logger, secure, timeZone }));

  router.use(files.handler);

  router.use(staffSession({ services, logger, loginPath, timeZone }));
  router.use(tokenGuard);
  router.use(superuserGate());
  router.use(panelRequestGuard(admin));
  router.use(formFields());
  router.use(restoreCsrfCookie(cookie));
  router.use(scrubResponses);

  buildRoutes({ admin, routes, router });

  router.use(panelErrors(logger));
  return router;
}
