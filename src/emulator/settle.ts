/** Waiting for the emulator to go quiet: what tests use between acting and asserting. */
import type { EmulatorState } from './state.js';

/**
 * Resolves when no Bot API call (other than the long poll itself) has arrived or been in progress
 * for `quietMs`, and every queued update was confirmed (polling) or delivered (webhook). Rejects
 * after `timeoutMs` with what is still pending.
 */
export function settle(s: EmulatorState, quietMs: number, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const deadline = performance.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      s.idleWaiters.delete(check);
      const t = performance.now();
      if (s.stopped) return resolve();
      const pending = s.queue.pending;
      const idle = s.inFlight === 0 && pending === 0;
      const quiet = t - s.lastActivityAt;
      if (idle && quiet >= quietMs) return resolve();
      if (t >= deadline) {
        return reject(
          new Error(
            `settle(): not idle after ${timeoutMs} ms: ${pending} update(s) not confirmed, ` +
              `${s.inFlight} call(s) in progress (is the bot running?)`,
          ),
        );
      }
      // Busy: wake on the next activity. Idle but not yet quiet: wake when the quiet time is up.
      if (!idle) s.idleWaiters.add(check);
      timer = setTimeout(check, Math.min(idle ? quietMs - quiet : quietMs, deadline - t) + 1);
    };
    check();
  });
}
