/**
 * The support desk in the real process: a forum channel created with the CLI while the app runs,
 * checked through the management API; a seller's message waiting in the outbox (the forum refused
 * the bot) survives SIGKILL and reaches the forum after the next start.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import {
  createStore,
  freePort,
  runCli,
  spawnApp,
  waitUntilReady,
  withOutput,
  type AppProcess,
  type StartOptions,
  type Store,
} from './support.js';

const FORUM = -1001900000001;
const MANAGEMENT = 't'.repeat(32);

describe('the support desk in the process', () => {
  let emulator: TelegramEmulator;
  let store: Store;
  let opts: StartOptions;
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
    store.env.SUPPORT_API_TOKEN = MANAGEMENT;
    opts = { emulator, store, timeoutMs: 100_000 };
  }, 60_000);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  test(
    'a channel added by the CLI; a message waiting for the forum survives SIGKILL and arrives after the restart',
    () =>
      withOutput(
        () => [
          ['first app', first],
          ['second app', second],
        ],
        async () => {
          // The forum has not made the bot an administrator yet.
          const forum = emulator.forum({ id: FORUM, title: 'Support', bot: { status: 'member' } });
          first = spawnApp(opts, await freePort());
          await waitUntilReady(first, opts);

          const shop = await runCli(
            ['createshop', '--name', 'Teashop', '--vendor', 'V', '--client-id', '1'],
            store.env,
          );
          expect(shop.code).toBe(0);
          const apiKey = /(mk_\S+)/.exec(shop.stdout)![1]!;
          const add = await runCli(
            [
              'supportchannel',
              'add',
              'forum',
              '--kind',
              'topics',
              '--set',
              `forumChatId=${FORUM}`,
              '--set',
              'language=en',
            ],
            store.env,
          );
          expect(add.code).toBe(0);
          const token = /token \(shown once\): (\S+)/.exec(add.stdout)![1]!;

          // The running app picks the channel up; its check fails and says why.
          const status = async () => {
            const res = await fetch(`${first!.base}/api/support/channels/forum`, {
              headers: { Authorization: `Bearer ${token}` },
            });
            return (await res.json()) as { status: string; reason?: string };
          };
          let seen = await status();
          for (let i = 0; i < 100 && !seen.reason; i++) {
            await new Promise((r) => setTimeout(r, 100));
            seen = await status();
          }
          expect(seen.status).toBe('offline');
          expect(seen.reason).toMatch(/administrator/i);

          const u = emulator.user({ id: 7_100_000_001, first_name: 'Ann', language_code: 'en' });
          u.send('/start');
          await u.waitForMessage('Choose a role', 30_000);
          u.press('Seller');
          await u.waitForMessage('API key', 30_000);
          u.send(apiKey);
          await u.waitForMessage('logged in', 30_000);
          u.send('/support');
          await u.waitForMessage('You are writing to support', 30_000);
          u.send('waiting through a crash');
          // Queued: the log says so (the bot answers nothing for a relayed message).
          await first.waitForLog('support message queued', 30_000);

          first.signal('SIGKILL');
          expect(await first.exitWithin(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
          forum.setBot({ status: 'administrator' });

          second = spawnApp(opts, await freePort());
          await waitUntilReady(second, opts);
          const copy = await forum.waitForMessage('waiting through a crash', 30_000);
          expect(copy.is_topic_message).toBe(true);
          second.signal('SIGTERM');
          expect(await second.exitWithin(30_000)).toEqual({ code: 0, signal: null });
        },
      ),
    240_000,
  );
});
