/** Delivery by long polling: getUpdates, one poller at a time, a newer poll ending the older one. */
import { ApiError, DESCRIPTIONS, bad } from '../errors.js';
import { optInt, optJson, type Params } from '../params.js';
import type { EmulatorState, Method, Poller } from '../state.js';
import type { TgUpdate } from '../types.js';

function getUpdates(s: EmulatorState, p: Params, signal?: AbortSignal): TgUpdate[] | Promise<TgUpdate[]> {
  const offset = optInt(p, 'offset');
  const limit = optInt(p, 'limit') ?? 100;
  const timeout = optInt(p, 'timeout') ?? 0;
  if (limit < 1 || limit > 100) throw bad('limit must be between 1 and 100');
  if (timeout < 0) throw bad('timeout must be non-negative');
  const allowed = optJson(p, 'allowed_updates');
  if (s.webhook.config) throw new ApiError(409, DESCRIPTIONS.conflictWebhook);
  if (!s.polled) {
    s.polled = true;
    for (const done of s.pollWaiters) done();
    s.pollWaiters.clear();
  }
  // A newer getUpdates terminates the older one, which gets the 409.
  s.poller?.fail(new ApiError(409, DESCRIPTIONS.conflictPolling));
  if (allowed !== undefined) {
    if (!Array.isArray(allowed)) throw bad("can't parse allowed_updates JSON array");
    s.queue.setAllowed(allowed);
  }
  if (offset !== undefined) {
    s.queue.confirm(offset);
    s.activity();
  }
  const ready = s.queue.collect(limit);
  if (ready.length > 0 || timeout === 0 || s.stopped || signal?.aborted) return ready;

  return new Promise<TgUpdate[]>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (s.poller === poller) s.poller = undefined;
    };
    const done = (updates: TgUpdate[]): void => {
      cleanup();
      resolve(updates);
    };
    const onAbort = (): void => done([]);
    const poller: Poller = {
      wake: () => {
        const updates = s.queue.collect(limit);
        if (updates.length > 0) done(updates);
      },
      fail: (error) => {
        cleanup();
        reject(error);
      },
      finish: () => done([]),
    };
    const timer = setTimeout(() => done(s.queue.collect(limit)), timeout * 1000);
    signal?.addEventListener('abort', onAbort);
    s.poller = poller;
  });
}

export const pollingMethods: Record<string, Method> = { getUpdates };

/** Resolves once the bot has called getUpdates (at once if it already has). */
export function waitForPolling(s: EmulatorState, timeoutMs: number): Promise<void> {
  if (s.polled) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      s.pollWaiters.delete(done);
      reject(new Error(`waitForPolling: no getUpdates call within ${timeoutMs} ms (is the bot launched?)`));
    }, timeoutMs);
    const done = (error?: Error): void => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    s.pollWaiters.add(done);
  });
}
