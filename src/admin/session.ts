import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';

export const SESSION_COOKIE = 'mb_admin_sid';
/** Absolute lifetime of a panel session: it is not extended by activity (the store's touch is off). */
export const SESSION_MAX_AGE_MS = 8 * 60 * 60_000;

export interface SessionOptions {
  store: session.Store;
  secret: string;
  /** Production: Secure cookies (X-Forwarded-Proto tells a TLS-terminating proxy's https). */
  secure: boolean;
  /** The panel's root path: the cookie is sent there only. */
  cookiePath: string;
}

/** Panel sessions in the database, in an HttpOnly cookie on the panel's path. */
export function panelSession(opts: SessionOptions): RequestHandler {
  return session({
    store: opts.store,
    secret: opts.secret,
    name: SESSION_COOKIE,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    proxy: opts.secure ? true : undefined,
    cookie: {
      path: opts.cookiePath,
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secure,
      maxAge: SESSION_MAX_AGE_MS,
    },
  });
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function destroy(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.destroy(() => resolve()));
}

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;

/** An async handler whose rejection reaches express's error handler. */
export const wrap =
  (fn: AsyncHandler) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res, next).catch(next);
  };
