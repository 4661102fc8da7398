import path from 'node:path';
import AdminJS, { Router as AdminRoutes } from 'adminjs';
import express, { type NextFunction, type Request, type Response } from 'express';
import type session from 'express-session';
import type { Logger } from '../logger.js';
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

type AdminRoute = (typeof AdminRoutes.routes)[number];

/** AdminJS's `{recordId}` path parameters in express's `:recordId` form. */
const expressPath = (adminPath: string): string => adminPath.replace(/{/g, ':').replace(/}/g, '');

/**
 * One AdminJS route: its controller gets the request with `payload` (the parsed form fields) and the
 * logged-in staff member, as AdminJS expects (what @adminjs/express's route handler does).
 */
function mount(router: express.Router, admin: AdminJS, route: AdminRoute): void {
  const handler = async (
    req: Request & { fields?: Record<string, unknown> },
    res: Response,
    next: NextFunction,
  ) => {
    try {
      const controller = new route.Controller({ admin }, req.session?.adminUser);
      const request = {
        ...req,
        params: req.params,
        query: req.query,
        payload: { ...req.fields },
        method: req.method.toLowerCase(),
      };
      const action = (controller as unknown as Record<string, (r: unknown, s: Response) => Promise<unknown>>)[
        route.action
      ]!;
      const html = await action.call(controller, request, res);
      if (route.contentType) res.set({ 'Content-Type': route.contentType });
      if (html) res.send(html);
    } catch (err) {
      next(err);
    }
  };
  if (route.method === 'GET')
    router.get(expressPath(route.path), (req, res, next) => void handler(req, res, next));
  if (route.method === 'POST')
    router.post(expressPath(route.path), (req, res, next) => void handler(req, res, next));
}

/**
 * The panel's express router: AdminJS's own routes and assets, with our own session, login, body
 * parsing and protection (AdminJS's express plugin keeps sessions in memory, limits logins per IP
 * in memory only, keeps the session id across login, has no CSRF protection and parses forms with
 * the deprecated formidable 1; the few lines of it we need are here).
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
  // The components bundle (served as a route outside production) and the static assets: before the
  // staff check, as the login page needs them.
  const bundle = routes.find((r) => r.action === 'bundleComponents');
  if (bundle) mount(router, admin, bundle);
  for (const asset of assets) router.get(asset.path, (_req, res) => res.sendFile(path.resolve(asset.src)));

  router.use(staffSession({ services, logger, loginPath, timeZone: deps.timeZone }));
  router.use(tokenGuard);
  router.use(superuserGate());
  router.use(panelRequestGuard(admin));
  router.use(formFields());
  router.use(restoreCsrfCookie(cookie));
  router.use(scrubResponses);

  for (const route of routes) mount(router, admin, route);

  router.use(panelErrors(logger));
  return router;
}
