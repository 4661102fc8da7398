/**
 * A restart under load: the real process is stopped (SIGTERM), users press and type while it is
 * down, their updates queue at the emulator, and a new process starts on the same database. Every
 * queued press must be answered (answerCallbackQuery) within Telegram's window (15 s from the
 * press: the emulator refuses later answers as "query is too old"), and every queued message too.
 * The figures (restart start → first answer, → all answered) are printed; the README's "Restarts"
 * paragraph quotes them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TelegramEmulator, type CallRecord, type TestUser } from '../../src/emulator/emulator.js';
import {
  createStore,
  freePort,
  spawnApp,
  waitUntilReady,
  withOutput,
  type AppProcess,
  type StartOptions,
  type Store,
} from './support.js';

const CHOOSE_ROLE = 'Выберите роль:';
const SELLER = 'Продавец';
/** Users whose press waits through the restart, and as many whose /start does. */
const PRESSES = 40;
const CALLBACK_WINDOW_MS = 15_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a restart under load', () => {
  let emulator: TelegramEmulator;
  let store: Store;
  let opts: StartOptions;
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
    opts = { emulator, store, timeoutMs: 100_000 };
  }, 60_000);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  test(
    'presses and messages queued while the bot restarts are all answered, each press within 15 s',
    () =>
      withOutput(
        () => [
          ['first app', first],
          ['second app', second],
        ],
        async () => {
          first = spawnApp(opts, await freePort());
          await waitUntilReady(first, opts);

          // Users on the role screen, each about to press "Seller".
          const pressers: TestUser[] = [];
          for (let i = 0; i < PRESSES; i++) {
            const user = emulator.user({ id: 5_580_000 + i, first_name: `P${i}`, language_code: 'ru' });
            user.send('/start');
            pressers.push(user);
          }
          await Promise.all(pressers.map((u) => u.waitForMessage(CHOOSE_ROLE, 30_000)));
          const newcomers = Array.from({ length: PRESSES }, (_, i) =>
            emulator.user({ id: 5_581_000 + i, first_name: `N${i}`, language_code: 'ru' }),
          );

          // The restart begins: the first process is told to stop. (What users send while it is
          // stopping may still be fetched and answered by it: a graceful stop finishes what it took.)
          const t0 = emulator.now();
          first.signal('SIGTERM');
          const pressedAt = new Map<string, number>();
          const answers: CallRecord[] = [];
          const newcomerIds = new Set(newcomers.map((u) => u.chatId));
          const greeted = new Map<number, number>();
          const onCall = (c: CallRecord) => {
            if (c.method === 'answerCallbackQuery' && pressedAt.has(String(c.params.callback_query_id)))
              answers.push(c);
            const chat = Number(c.params.chat_id);
            if (c.method === 'sendMessage' && c.ok && newcomerIds.has(chat) && !greeted.has(chat))
              greeted.set(chat, c.at);
          };
          emulator.on('call', onCall);
          try {
            expect(await first.exitWithin(30_000)).toEqual({ code: 0, signal: null });
            const stopped = emulator.now();
            // The downtime: users press and type, and their updates wait at Telegram (the emulator).
            for (const user of pressers) pressedAt.set(user.press(SELLER).queryId, emulator.now());
            for (const user of newcomers) user.send('/start');

            second = spawnApp(opts, await freePort());
            await waitUntilReady(second, opts);
            const ready = emulator.now();
            const deadline = Date.now() + 60_000;
            while (answers.length < PRESSES && Date.now() < deadline) await delay(50);
            await Promise.all(newcomers.map((u) => u.waitForMessage(CHOOSE_ROLE, 30_000)));
            const allMessages = Math.max(...greeted.values());

            const lateness = answers.map((a) => a.at - pressedAt.get(String(a.params.callback_query_id))!);
            const firstAnswer = Math.min(...answers.map((a) => a.at));
            const lastAnswer = Math.max(...answers.map((a) => a.at));
            console.log(
              `restart under load (${store.embedded ? 'embedded' : 'PostgreSQL'}): ` +
                `stop ${stopped - t0} ms, start ${ready - stopped} ms, ` +
                `first queued press answered ${firstAnswer - t0} ms after the restart began, ` +
                `all ${PRESSES} presses ${lastAnswer - t0} ms, all ${PRESSES} queued messages ${allMessages - t0} ms; ` +
                `press → answer at most ${Math.max(...lateness)} ms`,
            );
            expect(answers).toHaveLength(PRESSES);
            expect(answers.filter((a) => !a.ok).map((a) => a.description)).toEqual([]);
            expect(Math.max(...lateness)).toBeLessThan(CALLBACK_WINDOW_MS);
          } finally {
            emulator.off('call', onCall);
          }
          second.signal('SIGTERM');
          expect(await second.exitWithin(30_000)).toEqual({ code: 0, signal: null });
        },
      ),
    240_000,
  );
});
