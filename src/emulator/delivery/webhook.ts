/**
 * Delivery by webhook: setWebhook / deleteWebhook / getWebhookInfo, and posting queued updates to
 * the bot, one at a time per webhook queue (a chat's messages, a user's button presses, …), with
 * retries and backoff like Telegram.
 */
import { ApiError, DESCRIPTIONS, Described, bad } from '../errors.js';
import { isObject, optBool, optInt, optJson, optString, type Params } from '../params.js';
import type { EmulatorState, Method } from '../state.js';
import type { TgUpdate } from '../types.js';
import type { WebhookState } from '../options.js';
import type { QueueEntry } from './queue.js';

/** Performs a method call that a webhook answer carried in its body. */
export type Perform = (method: string, params: Params) => Promise<unknown>;

/**
 * The webhook queue an update travels in. The Bot API server (Client.cpp, `get_webhook_queue_id`)
 * keys messages by chat, callback queries by user + (3 << 33), pre-checkout queries by user +
 * (4 << 33) and member updates by chat + (5 << 33): a message and a button press of one chat can be
 * in flight together. 'per-chat' folds every kind into the chat's one queue.
 */
export function webhookQueueKey(u: TgUpdate, mode: 'per-class' | 'per-chat'): string {
  const perClass = mode === 'per-class';
  const m = u.message ?? u.edited_message;
  if (m) return `chat:${m.chat.id}`;
  const cq = u.callback_query;
  if (cq) return perClass ? `callback:${cq.from.id}` : `chat:${cq.message?.chat.id ?? cq.from.id}`;
  const pcq = u.pre_checkout_query;
  if (pcq) return perClass ? `pre_checkout:${pcq.from.id}` : `chat:${pcq.from.id}`;
  if (u.my_chat_member) return `${perClass ? 'member' : 'chat'}:${u.my_chat_member.chat.id}`;
  return 'other';
}

function dropPending(s: EmulatorState): void {
  s.queue.dropAll();
  s.activity();
}

function setWebhook(s: EmulatorState, p: Params): Described {
  const url = optString(p, 'url') ?? '';
  if (url === '') return deleteWebhook(s, p);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('bad webhook: invalid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw bad('bad webhook: An HTTPS URL must be provided for webhook');
  }
  const secret = optString(p, 'secret_token');
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    throw bad('bad webhook: secret token contains unallowed characters');
  }
  const maxConnections = optInt(p, 'max_connections') ?? 40;
  if (maxConnections < 1 || maxConnections > 100)
    throw bad('bad webhook: max_connections must be between 1 and 100');
  const allowed = optJson(p, 'allowed_updates');
  if (allowed !== undefined && !Array.isArray(allowed)) throw bad("can't parse allowed_updates JSON array");
  if (optBool(p, 'drop_pending_updates')) dropPending(s);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  const previous = s.webhook.config;
  const allowedUpdates = Array.isArray(allowed) && allowed.length > 0 ? allowed.map(String) : undefined;
  if (
    previous &&
    previous.url === url &&
    previous.secretToken === secret &&
    previous.maxConnections === maxConnections &&
    String(previous.allowedUpdates) === String(allowedUpdates)
  ) {
    // As the Bot API: nothing changes, so deliveries in flight go on (N receivers each registering
    // the same webhook at their start must not make Telegram send the updates in flight again).
    return new Described(true, 'Webhook is already set');
  }
  s.webhook.generation++;
  s.webhook.config = {
    url,
    ...(secret !== undefined ? { secretToken: secret } : {}),
    maxConnections,
    port,
    portAllowedByTelegram: [443, 80, 88, 8443].includes(port),
    https: parsed.protocol === 'https:',
    ...(allowedUpdates ? { allowedUpdates } : {}),
    deliveries: previous?.deliveries ?? 0,
    failures: previous?.failures ?? 0,
  };
  if (Array.isArray(allowed)) s.queue.setAllowed(allowed);
  s.poller?.fail(new ApiError(409, DESCRIPTIONS.conflictWebhook));
  s.scheduleWake();
  return new Described(true, 'Webhook was set');
}

function deleteWebhook(s: EmulatorState, p: Params): Described {
  if (optBool(p, 'drop_pending_updates')) dropPending(s);
  const had = s.webhook.config !== undefined;
  s.webhook.config = undefined;
  s.webhook.generation++;
  for (const ac of s.webhook.aborts) ac.abort();
  return new Described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
}

function getWebhookInfo(s: EmulatorState): Record<string, unknown> {
  const hook = s.webhook.config;
  const pending = s.queue.pending;
  if (!hook) return { url: '', has_custom_certificate: false, pending_update_count: pending };
  return {
    url: hook.url,
    has_custom_certificate: false,
    pending_update_count: pending,
    max_connections: hook.maxConnections,
    ip_address: '127.0.0.1',
    ...(hook.lastErrorDate !== undefined
      ? { last_error_date: hook.lastErrorDate, last_error_message: hook.lastErrorMessage }
      : {}),
    ...(hook.allowedUpdates ? { allowed_updates: hook.allowedUpdates } : {}),
  };
}

export const webhookMethods: Record<string, Method> = {
  setWebhook,
  deleteWebhook,
  getWebhookInfo: (s) => getWebhookInfo(s),
};

/** Posts what can go now: up to max_connections updates, the head of each idle queue, in order. */
export function pumpWebhook(s: EmulatorState, perform: Perform): void {
  const hook = s.webhook.config;
  if (!hook || s.stopped) return;
  const q = s.queue;
  const busy = new Set(s.webhook.busyQueues);
  for (let i = q.head; i < q.entries.length && s.webhook.inFlight < hook.maxConnections; i++) {
    const entry = q.entries[i];
    if (entry.done) continue;
    const key = webhookQueueKey(entry.update, s.options.webhookQueues);
    if (entry.inFlight || busy.has(key)) {
      // One update at a time per queue, in order.
      busy.add(key);
      continue;
    }
    busy.add(key);
    deliver(s, perform, entry, key, hook);
  }
}

function deliver(
  s: EmulatorState,
  perform: Perform,
  entry: QueueEntry,
  key: string,
  hook: WebhookState,
): void {
  const w = s.webhook;
  const generation = w.generation;
  entry.inFlight = true;
  entry.attempts++;
  w.inFlight++;
  w.busyQueues.add(key);
  const ac = new AbortController();
  w.aborts.add(ac);
  const release = (): void => {
    entry.inFlight = false;
    w.inFlight--;
    w.busyQueues.delete(key);
  };
  const fail = (message: string): void => {
    w.aborts.delete(ac);
    if (generation !== w.generation || s.stopped) return release();
    hook.failures++;
    hook.lastErrorDate = s.unixNow();
    hook.lastErrorMessage = message;
    // Keep the queue busy during the backoff so its later updates can't overtake this one.
    const delay = Math.min(2000, s.options.webhookRetryDelayMs * 2 ** Math.min(entry.attempts - 1, 10));
    const timer = setTimeout(() => {
      w.timers.delete(timer);
      release();
      pumpWebhook(s, perform);
    }, delay);
    w.timers.add(timer);
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (hook.secretToken) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secretToken;
  post(s, hook.url, { method: 'POST', headers, body: JSON.stringify(entry.update), signal: ac.signal })
    .then(async (res) => {
      const body = await res.text();
      if (res.status < 200 || res.status > 299) {
        return fail(`Wrong response from the webhook: ${res.status} ${res.statusText}`);
      }
      w.aborts.delete(ac);
      if (generation !== w.generation || s.stopped) return release();
      await webhookReply(perform, body, res.headers.get('content-type'));
      hook.deliveries++;
      if (!entry.done) {
        s.queue.markDone(entry);
        s.queue.compact();
      }
      release();
      s.activity();
      pumpWebhook(s, perform);
    })
    .catch((e: unknown) => {
      // Duck-typed, like refused(): an error of another realm fails instanceof.
      const cause = (e as { cause?: { message?: unknown } } | undefined)?.cause?.message ?? String(e);
      fail(`Connection failed: ${String(cause)}`);
    });
}

/** Whether nothing reached the receiver: the connection itself was refused. */
function refused(e: unknown): boolean {
  // Duck-typed: fetch's errors may come from another realm (jest's VM modules) and fail instanceof.
  return (e as { cause?: { code?: unknown } } | undefined)?.cause?.code === 'ECONNREFUSED';
}

/**
 * Posts to the webhook URL, or with webhookTargets to the next target in turn, failing over to the
 * others while they refuse the connection, as a load balancer does. A post that reached a target
 * is never sent again here: whether it was handled is unknown, so it fails and the queue retries it.
 */
async function post(s: EmulatorState, url: string, init: RequestInit): Promise<Response> {
  const w = s.webhook;
  if (w.targets.length === 0) return fetch(url, init);
  const { pathname, search } = new URL(url);
  let lastError: unknown;
  // The turn is taken once: posts running meanwhile move the shared counter, and the failover must
  // still go through every other target, not land on the one that refused again.
  const first = w.nextTarget++;
  for (let tried = 0; tried < w.targets.length; tried++) {
    const target = w.targets[(first + tried) % w.targets.length];
    try {
      return await fetch(`${target}${pathname}${search}`, init);
    } catch (e) {
      if (!refused(e)) throw e;
      lastError = e;
    }
  }
  throw lastError;
}

/** A webhook answer may carry one method call in its body, which Telegram then performs. */
async function webhookReply(perform: Perform, body: string, contentType: string | null): Promise<void> {
  if (!body || !contentType?.includes('application/json')) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  if (!isObject(parsed) || typeof parsed.method !== 'string') return;
  const { method, ...params } = parsed;
  await perform(method, params);
}
