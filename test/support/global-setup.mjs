import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/**
 * For the embedded database, migrate one PGlite once and save its data dir: each test file then
 * starts its own database from that dump in about a second instead of three or four. Against
 * PostgreSQL (TEST_DATABASE_URL) every test file creates a database of its own instead.
 * (Jest loads this file outside its ESM transform, so the TypeScript part runs in a child process.)
 */
export default function globalSetup() {
  if (process.env.TEST_DATABASE_URL) return;
  const target = path.join(os.tmpdir(), `market-bot-test-template-${process.pid}.tar`);
  execFileSync(process.execPath, ['--import', 'tsx', 'test/support/make-template.ts', target], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  process.env.MARKET_BOT_TEST_TEMPLATE = target;
}
