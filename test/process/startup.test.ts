/**
 * What the operator sees when the process can't start: one sentence naming the setting and what to
 * do, exit code 1, no JSON stack trace. The HTTP port is taken first, so a port in use is reported
 * before the database or the bot start.
 */
import fs from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { AppProcess, freePort } from './support.js';

const PG = process.env.TEST_DATABASE_URL;

describe('a start that cannot succeed says why in one sentence', () => {
  let emulator: TelegramEmulator;
  let scratch: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'market-bot-startup-'));
  });
  afterAll(async () => {
    for (const app of apps) await app.kill();
    await emulator?.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  /** Starts the app with `env`, waits for it to exit; returns what it printed and how long it took. */
  async function failedStart(env: Record<string, string>, port?: number) {
    const p = port ?? (await freePort());
    const started = Date.now();
    const app = new AppProcess(p, {
      BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      PORT: String(p),
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      BOT_AUTO_CUSTOMISE: 'false',
      DATABASE_URL: '',
      DATA_DIR: path.join(scratch, `data-${p}`),
      ADMIN_JS_TMP_DIR: path.join(scratch, 'adminjs-bundle'),
      ...env,
    });
    apps.push(app);
    const exit = await app.exitWithin(60_000);
    const output = app.output();
    // One sentence, no stack trace and no fatal JSON log line.
    expect(output).not.toMatch(/"stack"|\n\s+at /);
    expect(app.logs().filter((l) => (l.level ?? 0) >= 50)).toEqual([]);
    return { exit, output, ms: Date.now() - started };
  }

  test('a port in use: said at once, before the database or the bot start', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = path.join(scratch, 'port-taken');
    const getMeBefore = emulator.callsOf('getMe').length;
    try {
      const { exit, output, ms } = await failedStart({ DATA_DIR: dataDir }, port);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(output).toContain(`port ${port} is already in use; set PORT`);
      // Nothing else was started: no data folder made, no call to the Bot API.
      await expect(fs.stat(dataDir)).rejects.toThrow(/ENOENT/);
      expect(emulator.callsOf('getMe')).toHaveLength(getMeBefore);
      // Node and tsx start in well under a second on an idle machine; this bound leaves room for a busy one.
      expect(ms).toBeLessThan(10_000);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 70_000);

  test('a data folder that cannot be written names DATA_DIR', async () => {
    // A folder under a regular file can't be made, whoever runs the test (root included).
    const file = path.join(scratch, 'a-file');
    await fs.writeFile(file, '');
    const { exit, output } = await failedStart({ DATA_DIR: path.join(file, 'data') });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(output).toMatch(
      /DATA_DIR .*a-file\/data can't be written \(ENOTDIR\); make it writable .* or set DATA_DIR/,
    );
  }, 70_000);

  test('a database server that cannot be reached names DATABASE_URL', async () => {
    const nobody = await freePort();
    const { exit, output } = await failedStart({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${nobody}/market`,
    });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(output).toContain(
      `the database server in DATABASE_URL (127.0.0.1:${nobody}) can't be reached (ECONNREFUSED); start PostgreSQL there or correct DATABASE_URL`,
    );
  }, 70_000);

  (PG ? test : test.skip)(
    'a database that does not exist names DATABASE_URL and says how to create it',
    async () => {
      const url = new URL(PG!);
      url.pathname = '/mbtest_no_such_database';
      const { exit, output } = await failedStart({ DATABASE_URL: url.toString() });
      expect(exit).toEqual({ code: 1, signal: null });
      expect(output).toMatch(
        /the database "mbtest_no_such_database" in DATABASE_URL does not exist on .*; create it \(createdb mbtest_no_such_database\) or correct DATABASE_URL/,
      );
    },
    70_000,
  );
});
