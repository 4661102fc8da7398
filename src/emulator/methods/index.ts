/** Every Bot API method the emulator implements, and the one place a call is run and recorded. */
import { pollingMethods } from '../delivery/polling.js';
import { webhookMethods } from '../delivery/webhook.js';
import { ApiError, DESCRIPTIONS, Described } from '../errors.js';
import type { Params } from '../params.js';
import type { EmulatorState, Method } from '../state.js';
import type { CallRecord } from '../types.js';
import { callbackMethods } from './callbacks.js';
import { commandMethods } from './commands.js';
import { forumMethods } from './forum.js';
import { mediaMethods } from './media.js';
import { messageMethods } from './messages.js';
import { paymentMethods } from './payments.js';

const METHODS = new Map<string, { name: string; run: Method }>(
  Object.entries({
    ...pollingMethods,
    ...webhookMethods,
    ...messageMethods,
    ...mediaMethods,
    ...forumMethods,
    ...callbackMethods,
    ...commandMethods,
    ...paymentMethods,
  }).map(([name, run]) => [name.toLowerCase(), { name, run }]),
);

export type Outcome = { ok: true; result: unknown; description?: string } | { ok: false; error: ApiError };

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one Bot API call (method names are case-insensitive) and records it in `calls`. */
export async function dispatch(
  s: EmulatorState,
  rawMethod: string,
  params: Params,
  signal: AbortSignal | undefined,
  viaWebhookReply: boolean,
): Promise<Outcome> {
  const key = rawMethod.toLowerCase();
  const handler = s.unsupportedMethods.has(key) ? undefined : METHODS.get(key);
  const method = handler ? handler.name : (METHODS.get(key)?.name ?? rawMethod);
  const at = s.now();
  const counted = key !== 'getupdates';
  if (counted) {
    s.inFlight++;
    s.activity();
  }
  let outcome: Outcome;
  try {
    if (s.options.latencyMs > 0) await delay(s.options.latencyMs);
    if (!handler) throw new ApiError(404, DESCRIPTIONS.notFound);
    s.takeInjection(key, params);
    const result = await handler.run(s, params, signal);
    outcome =
      result instanceof Described
        ? { ok: true, result: result.value, description: result.description }
        : { ok: true, result };
  } catch (e) {
    if (!(e instanceof ApiError)) console.error(`TelegramEmulator: ${method} crashed`, e);
    outcome = {
      ok: false,
      error: e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${String(e)}`),
    };
  }
  const record: CallRecord = outcome.ok
    ? { method, params, ok: true, result: outcome.result, at }
    : {
        method,
        params,
        ok: false,
        error_code: outcome.error.error_code,
        description: outcome.error.description,
        at,
      };
  if (viaWebhookReply) record.viaWebhookReply = true;
  s.calls.push(record);
  let list = s.callsByMethod.get(key);
  if (!list) s.callsByMethod.set(key, (list = []));
  list.push(record);
  if (counted) s.inFlight--;
  s.activity();
  s.events.emit('call', record);
  return outcome;
}
