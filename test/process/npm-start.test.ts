/**
 * The documented commands themselves (`npm start`, `npm run start:prod`), started as a user does, in
 * a process group of their own as in a terminal, and stopped the three ways a user stops them:
 * SIGTERM to npm (`kill <npm pid>`, a service manager), SIGINT to the whole group (Ctrl-C), and
 * SIGKILL to npm. Each time an update is held in flight (the emulator answers the bot once with 429
 * retry_after 2), and the stop must be clean: the app answers it, logs "stopped", exits, and leaves
 * nothing behind listening on the port.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator, type CallRecord, type TestUser } from '../../src/emulator/emulator.js';
import {
  createStore,
  freePort,
  isAlive,
  spawnApp,
  waitUntilReady,
  withOutput,
  type AppProcess,
  type Launch,
  type StartOptions,
  type Store,
} from './support.js';

const HELP_FIRST_LINE = 'Бот управляется в основном кнопками под сообщениями.';
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether something listens on the port (binding it fails). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

describe('stopping the documented start commands', () => {
  let emulator: TelegramEmulator;
  let store: Store;
  let opts: StartOptions;
  const apps: AppProcess[] = [];
  let users = 0;

  beforeAll(async () => {
    // start:prod runs the compiled app: build it, as the README's "without Docker" steps do.
    const build = spawnSync('npm', ['run', 'build'], { encoding: 'utf8', timeout: 240_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
    opts = { emulator, store, timeoutMs: 100_000 };
  }, 300_000);

  afterAll(async () => {
    for (const app of apps) await app.kill();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  /** /help from a new user, its answer refused once with 429 retry_after `seconds`: in flight from then on. */
  function sendHeld(seconds: number): Promise<TestUser> {
    const who = emulator.user({ id: 5_570_000 + ++users, first_name: 'Ира', language_code: 'ru' });
    emulator.failNext(
      'sendMessage',
      { error_code: 429, description: `Too Many Requests: retry after ${seconds}`, retry_after: seconds },
      { chatId: who.chatId },
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        emulator.off('call', onCall);
        reject(new Error('the bot did not try to answer /help within 15 s'));
      }, 15_000);
      const onCall = (c: CallRecord) => {
        if (c.method !== 'sendMessage' || c.ok || Number(c.params.chat_id) !== who.chatId) return;
        clearTimeout(timer);
        emulator.off('call', onCall);
        resolve(who);
      };
      emulator.on('call', onCall);
      who.send('/help');
    });
  }

  const stops: [string, (app: AppProcess) => void][] = [
    ['SIGTERM to npm', (app) => app.signal('SIGTERM')],
    ['Ctrl-C (SIGINT to the process group)', (app) => app.signalGroup('SIGINT')],
    ['SIGKILL to npm', (app) => app.signal('SIGKILL')],
  ];
  const launches: Launch[] = ['npm start', 'npm run start:prod'];

  for (const launch of launches) {
    for (const [how, stop] of stops) {
      test(`${launch}, stopped by ${how}: the update in flight is answered, "stopped", nothing left on the port`, async () => {
        const port = await freePort();
        const app = spawnApp(opts, port, launch);
        apps.push(app);
        await withOutput(
          () => [[launch, app]],
          async () => {
            await waitUntilReady(app, opts);
            const appPid = app.appPid();
            expect(appPid).toBeDefined();
            expect(appPid).not.toBe(app.child.pid);

            const held = await sendHeld(2);
            stop(app);
            const exit = await app.exitWithin(20_000);
            // npm itself: it waits for the app and passes its exit code on (SIGKILL: killed at once).
            if (how.startsWith('SIGKILL')) expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
            else expect(exit).toEqual({ code: 0, signal: null });

            // The app: gone within the held update's wait plus a margin, after a clean stop.
            expect(await gone(appPid!, 20_000)).toBe(true);
            expect(await portInUse(port)).toBe(false);
            expect(held.chat().map((m) => m.text.split('\n')[0])).toEqual([HELP_FIRST_LINE]);
            // (After npm's SIGKILL the app's log still reaches the pipe, which it holds too.)
            const deadline = Date.now() + 5_000;
            while (!app.hasLogged('stopped') && Date.now() < deadline) await delay(100);
            expect(app.hasLogged('stopped')).toBe(true);
            expect(app.hasLogged('second signal: exiting now')).toBe(false);
            expect(app.hasLogged('unclean stop')).toBe(false);
          },
        );
      }, 150_000);
    }
  }
});
