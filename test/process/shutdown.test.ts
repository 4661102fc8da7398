/**
 * Stopping the real process (`npm start` as a child): SIGTERM lets the update in flight finish,
 * the offset is confirmed, the log says "stopped" and the exit code is 0; a restart on the same
 * database answers nothing twice but answers what comes next; a second signal (a second or more
 * after the first) exits at once, without waiting for work in flight, and the app starts again after such a hard exit.
 *
 * An update is held "in flight" deterministically: the emulator answers the bot's sendMessage in
 * that chat once with 429 retry_after N, and the bot waits N seconds before it tries again.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  TelegramEmulator,
  type CallRecord,
  type TestUser,
  type TgUpdate,
} from '../../src/emulator/emulator.js';
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

const HELP_FIRST_LINE = 'Бот управляется в основном кнопками под сообщениями.';

describe('stopping the real process', () => {
  let emulator: TelegramEmulator;
  let store: Store;
  let opts: StartOptions;
  let first: AppProcess | undefined;
  let second: AppProcess | undefined;
  let third: AppProcess | undefined;
  let user: TestUser;
  let slow: TestUser;
  const step = <T>(fn: () => Promise<T>) =>
    withOutput(
      () => [
        ['first app', first],
        ['second app', second],
        ['third app', third],
      ],
      fn,
    );

  /** Sends `text` as `who` and returns the update the emulator queued for it. */
  function send(who: TestUser, text: string): TgUpdate {
    const queued: TgUpdate[] = [];
    const onUpdate = (u: TgUpdate) => queued.push(u);
    emulator.on('update', onUpdate);
    try {
      who.send(text);
    } finally {
      emulator.off('update', onUpdate);
    }
    expect(queued).toHaveLength(1);
    return queued[0]!;
  }

  /**
   * Sends `text` as `who` with the bot's first answer refused with 429 retry_after `seconds`, and
   * resolves once that 429 went out: from then on the update is in flight for `seconds`.
   */
  function sendHeld(who: TestUser, text: string, seconds: number): Promise<TgUpdate> {
    emulator.failNext(
      'sendMessage',
      { error_code: 429, description: `Too Many Requests: retry after ${seconds}`, retry_after: seconds },
      { chatId: who.chatId },
    );
    // (Synchronous up to the listener below: the bot can't have answered before it is in place.)
    const update = send(who, text);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        emulator.off('call', onCall);
        reject(new Error(`the bot did not try to answer ${text} within 15 s`));
      }, 15_000);
      const onCall = (c: CallRecord) => {
        if (c.method !== 'sendMessage' || c.ok || Number(c.params.chat_id) !== who.chatId) return;
        clearTimeout(timer);
        emulator.off('call', onCall);
        resolve(update);
      };
      emulator.on('call', onCall);
    });
  }

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
    opts = { emulator, store, timeoutMs: 100_000 };
    user = emulator.user({ id: 5_560_001, first_name: 'Пётр', language_code: 'ru' });
    slow = emulator.user({ id: 5_560_002, first_name: 'Вера', language_code: 'ru' });
  }, 60_000);

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    await third?.kill();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  test(
    'SIGTERM: the update in flight is finished, the offset confirmed, "stopped" logged, exit code 0',
    () =>
      step(async () => {
        first = spawnApp(opts, await freePort());
        await waitUntilReady(first, opts);

        const start = send(user, '/start');
        await user.waitForMessage('Выберите роль', 15_000);

        const held = await sendHeld(slow, '/help', 2);
        const signalled = Date.now();
        first.signal('SIGTERM');
        const exit = await first.exitWithin(15_000);
        expect(exit).toEqual({ code: 0, signal: null });
        const took = Date.now() - signalled;
        expect(took).toBeLessThan(15_000);

        // The stop waited for the held update: it was answered, then the process ended.
        const answered = slow.chat().map((m) => m.text.split('\n')[0]);
        expect(answered).toEqual([HELP_FIRST_LINE]);
        expect(took).toBeGreaterThan(1_000);
        expect(first.hasLogged('telegram rate limit: waiting before retry')).toBe(true);
        expect(first.hasLogged('stopping: finishing updates in flight')).toBe(true);
        expect(first.hasLogged('stopped')).toBe(true);
        expect(first.hasLogged('unclean stop')).toBe(false);
        expect(first.hasLogged(/could not confirm the polling offset/)).toBe(false);

        // The offset was confirmed: Telegram won't deliver either update again.
        expect(emulator.confirmedOffset).toBeGreaterThan(start.update_id);
        expect(emulator.confirmedOffset).toBeGreaterThan(held.update_id);
        expect(emulator.pendingUpdates()).toBe(0);
      }),
    120_000,
  );

  test(
    'a restart on the same database answers nothing twice, and answers what comes next',
    () =>
      step(async () => {
        expect(first?.running).toBe(false);
        const before = { user: user.chat().length, slow: slow.chat().length };

        second = spawnApp(opts, await freePort());
        await waitUntilReady(second, opts);
        // (The emulator's "polled" flag was set by the first app: check this one polls too.)
        const pollsAtStart = emulator.callsOf('getUpdates').length;
        send(user, '/help');
        await user.waitForMessage(HELP_FIRST_LINE, 15_000);
        await emulator.settle(300, 15_000);
        expect(emulator.callsOf('getUpdates').length).toBeGreaterThan(pollsAtStart);
        // A chat's updates are handled in order, so a redelivered /start would have been answered
        // before this /help: /help is all that was answered, and nothing more for the other user.
        expect(
          user
            .chat()
            .slice(before.user)
            .map((m) => m.text.split('\n')[0]),
        ).toEqual([HELP_FIRST_LINE]);
        expect(slow.chat()).toHaveLength(before.slow);
        expect(second.logs().filter((l) => l.msg === 'start')).toEqual([]);

        // And a new /start is answered.
        send(user, '/start');
        await user.waitForMessage('Выберите роль', 15_000);
        await emulator.settle(300, 15_000);
        expect(emulator.pendingUpdates()).toBe(0);
      }),
    120_000,
  );

  test(
    'a second signal exits at once, without waiting for the update in flight',
    () =>
      step(async () => {
        const app = second!;
        expect(app.running).toBe(true);
        // Held for 10 s: a graceful stop would take that long.
        await sendHeld(slow, '/help', 10);
        const signalled = Date.now();
        // A repeat within a second is the same stop (Ctrl-C under npm delivers it twice, at once):
        // ignored. Sent back to back, as npm does: sent after the log line was read, a loaded
        // machine could deliver it more than a second after the first.
        app.signal('SIGTERM');
        app.signal('SIGINT');
        await app.waitForLog('stopping: finishing updates in flight', 5_000);
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        expect(app.running).toBe(true);
        app.signal('SIGINT');
        const exit = await app.exitWithin(5_000);
        const took = Date.now() - signalled;
        expect(exit).toEqual({ code: 1, signal: null });
        expect(took).toBeLessThan(6_000);
        expect(app.hasLogged('second signal: exiting now')).toBe(true);
        expect(app.hasLogged('stopped')).toBe(false);
      }),
    30_000,
  );

  test(
    'after that hard exit the app starts again on the same database',
    () =>
      step(async () => {
        // (Embedded: the stale DATA_DIR/server.json of the killed process is ignored, PGlite recovers.)
        third = spawnApp(opts, await freePort());
        await waitUntilReady(third, opts);
        send(user, '/start');
        await user.waitForMessage('Выберите роль', 15_000);
        third.signal('SIGTERM');
        expect(await third.exitWithin(15_000)).toEqual({ code: 0, signal: null });
      }),
    120_000,
  );
});
