import type { Router } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';

/** The part of the services (src/services) the panel uses; `createServices(...)` satisfies it. */
export type AdminServices = Pick<
  Services,
  'auth' | 'limiter' | 'users' | 'shops' | 'staff' | 'audit' | 'dashboard' | 'sync' | 'inbox' | 'support'
>;

export interface AdminDeps {
  config: Config;
  /** The postgres:// URL of the same database: the session store keeps its own small pool on it. */
  dbUrl: string;
  services: AdminServices;
  logger: Logger;
  /** The shop sync's broker connection, for the "Sync" page; absent when the sync is off. */
  syncState?: () => { state: string; since: Date; relayLeader: boolean; lastError?: string };
}

/** What createAdmin returns: an express router to mount at `rootPath`, before any body parser. */
export interface AdminPanel {
  rootPath: string;
  router: Router;
  /** Stops the session store (its pool and its prune timer). */
  close(): Promise<void>;
}

/** The session's view of the logged-in staff member (AdminJS's CurrentAdmin needs `email`). */
export interface StaffAdmin {
  id: number;
  /** AdminJS shows `email` as the user's name; it holds the username. */
  email: string;
  title: string;
  isSuperuser: boolean;
  /** The panel's language for this request: the account's choice, else the browser's. */
  language: 'ru' | 'en';
  /** The IANA time zone dates are shown in: the account's choice, else PANEL_TIME_ZONE. */
  timeZone: string;
  /** What the account chose on "My account" (null: not chosen). */
  chosenLanguage: 'ru' | 'en' | null;
  chosenTimeZone: string | null;
  [key: string]: unknown;
}

declare module 'express-session' {
  interface SessionData {
    adminUser?: StaffAdmin;
    csrfToken?: string;
  }
}
