import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAdmin, type AdminPanel } from '../../src/admin/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { pingDatabase } from '../../src/db/health.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { createHttpApp, startHttpServer, type RunningServer } from '../../src/http/app.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { HttpClient, PASSWORD } from '../support/http-client.js';
import { sql } from '../support/sql.js';

export { HttpClient, PASSWORD, type Reply } from '../support/http-client.js';

/** A folder of its own per test file for the components bundle, so parallel test files don't share one. */
export function useOwnBundleDir(): string {
  const dir = path.join(os.tmpdir(), `adminjs-bundle-${process.pid}-${randomBytes(3).toString('hex')}`);
  process.env.ADMIN_JS_TMP_DIR = dir;
  return dir;
}

export interface Harness {
  db: Database;
  services: Services;
  config: Config;
  admin: AdminPanel;
  server: RunningServer;
  base: string;
  /** Stops the HTTP server and the panel (not the database). */
  stopApp(): Promise<void>;
  /** Starts the app again on the same database (a "restart"). */
  restartApp(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: { db?: Database; logger?: Logger } = {}): Promise<Harness> {
  const bundleDir = useOwnBundleDir();
  const db = opts.db ?? (await createTestDatabase());
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_JS_TMP_DIR: bundleDir });
  const logger = opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });

  const h = { db, services, config } as Harness;
  const start = async () => {
    h.admin = await createAdmin({ config, dbUrl: db.url, services, logger });
    h.server = await startHttpServer(
      createHttpApp({ config, logger, admin: h.admin, ping: () => pingDatabase(db.dataSource) }),
      0,
      '127.0.0.1',
    );
    h.base = `http://127.0.0.1:${h.server.port}`;
  };
  await start();
  h.stopApp = async () => {
    await h.server.close();
    await h.admin.close();
  };
  h.restartApp = async () => {
    await h.stopApp();
    await start();
  };
  h.close = async () => {
    await h.stopApp();
    if (!opts.db) await db.close();
    await fs.rm(bundleDir, { recursive: true, force: true });
  };
  return h;
}

export interface StaffInput {
  username: string;
  isSuperuser?: boolean;
  isStaff?: boolean;
  isActive?: boolean;
}

export async function createStaff(h: Harness, input: StaffInput) {
  return h.services.staff.createUser({
    username: input.username,
    password: PASSWORD,
    isStaff: input.isStaff ?? true,
    isSuperuser: input.isSuperuser ?? false,
    isActive: input.isActive ?? true,
  });
}

let nextTelegramId = 7_000_000_000;

export async function createTelegramUser(
  h: Harness,
  fields: Partial<{ username: string; role: 'admin' | 'seller'; isBanned: boolean; isActive: boolean }> = {},
): Promise<{ id: number; telegramId: number }> {
  const telegramId = nextTelegramId++;
  const rows = (await sql(
    h,
    `INSERT INTO telegram_users (telegram_id, chat_id, username, first_name, role, is_banned, is_active)
     VALUES ($1, $1, $2, 'Test', $3, $4, $5) RETURNING id`,
    [
      telegramId,
      fields.username ?? `user${telegramId}`,
      fields.role ?? 'seller',
      fields.isBanned ?? false,
      fields.isActive ?? true,
    ],
  )) as { id: number }[];
  return { id: rows[0]!.id, telegramId };
}

export async function loggedIn(h: Harness, username: string): Promise<HttpClient> {
  const client = new HttpClient(h.base);
  const reply = await client.login(username);
  if (reply.status !== 302 || reply.location !== '/admin') {
    throw new Error(`login of ${username} failed: ${reply.status} ${reply.text.slice(0, 200)}`);
  }
  return client;
}

export async function auditRows(h: Harness, action?: string) {
  return (await sql(
    h,
    `SELECT actor_id, actor_username, action, resource, record_id, before, after
     FROM audit_log ${action ? 'WHERE action = $1' : ''} ORDER BY id`,
    action ? [action] : [],
  )) as {
    actor_id: number;
    actor_username: string;
    action: string;
    resource: string;
    record_id: string | null;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  }[];
}
