/**
 * The Bot API emulator in a process of its own, for the bot benchmark: the bot under test talks to
 * it over HTTP as to api.telegram.org, and the driver (bench/compare.ts) plays the sellers through
 * it over IPC, one step at a time. Its CPU (answering the bot, matching the answers) is then not
 * charged to the bot under test, as it would be if it ran in the bot's process.
 *
 * Latency is measured here, as a user sees it: from the update being queued until the bot's answer
 * (a new or edited message) arrives, queueing included; the IPC hop to the driver is outside it.
 *
 * Environment: BENCH_TOKEN (the bot's token). Operations: waitForPolling, step, stats, stop.
 */
import { performance } from 'node:perf_hooks';
import { TelegramEmulator } from '../src/emulator/emulator.js';
import { botTexts, type Texts } from '../test/support/texts.js';
import { ready, serve } from './ipc.js';
import type { Pattern, SellerInfo, Step } from './load.js';

const emulator = new TelegramEmulator<Texts>({
  token: process.env.BENCH_TOKEN ?? '123456:BENCH',
  rateLimit: false,
  texts: botTexts(),
});
await emulator.start();

const regex = (p: Pattern) => new RegExp(p.source, p.flags);

serve({
  waitForPolling: (timeoutMs: number) => emulator.waitForPolling(timeoutMs),
  /** Plays one step of a seller; answers its latency in ms (or fails with what the chat shows). */
  step: async ({ user, step, timeoutMs }: { user: SellerInfo; step: Step; timeoutMs: number }) => {
    const u = emulator.user(user);
    const { action, expect } = step;
    const t0 = performance.now();
    if ('send' in action) u.send(action.send);
    else if ('pressKey' in action) u.pressKey((t) => t[action.pressKey as keyof Texts] as string);
    else u.press(regex(action.press));
    await u.waitForMessage(typeof expect === 'string' ? expect : regex(expect), timeoutMs);
    return performance.now() - t0;
  },
  stats: () => ({ calls: emulator.calls.length, pending: emulator.pendingUpdates() }),
  stop: () => emulator.stop(),
});
ready({ apiRoot: emulator.apiRoot });
