import type { Router } from 'express';
import type { DataSource } from 'typeorm';
import type { Config } from '../config.js';
import type { User } from '../db/entities/index.js';
import type { Logger } from '../logger.js';

/**
 * The part of the services (src/services) the panel uses. Declared here structurally so that the panel
 * depends on behaviour, not on how the services are built; `createServices(...)` satisfies it.
 */
export interface AdminServices {
  auth: {
    authenticateStaff(username: string, password: string): Promise<User | null>;
  };
  limiter: {
    check(
      scope: string,
      key: string,
    ): Promise<{ locked: false } | { locked: true; retryAfterSeconds: number }>;
    fail(scope: string, key: string): Promise<unknown>;
    clear(scope: string, key: string): Promise<unknown>;
  };
  users: {
    setBanned(telegramUserIds: number[], banned: boolean): Promise<number>;
    setActive(telegramUserIds: number[], active: boolean): Promise<number>;
  };
  shops: {
    create(input: {
      name: string;
      slug?: string;
      apiKey?: string;
      clientId: string;
      vendorName: string;
      isActive?: boolean;
      updatePrices?: boolean;
    }): Promise<{ shop: { id: number }; apiKey: string }>;
    setApiKey(shopId: number, apiKey?: string): Promise<string>;
    delete(shopId: number): Promise<unknown>;
  };
}

export interface AdminDeps {
  config: Config;
  dataSource: DataSource;
  /** The postgres:// URL of the same database: the session store keeps its own small pool on it. */
  dbUrl: string;
  services: AdminServices;
  logger: Logger;
}

/** What createAdmin returns: an express router to mount at `rootPath`, before any body parser. */
export interface AdminPanel {
  rootPath: string;
  router: Router;
  /** For the health check: the panel's database. */
  dataSource: DataSource;
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
  [key: string]: unknown;
}
