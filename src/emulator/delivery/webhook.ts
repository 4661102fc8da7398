/**
 * Delivery by webhook: setWebhook / deleteWebhook / getWebhookInfo, and posting queued updates to
 * the bot, one at a time per chat, with retries and backoff like Telegram.
 */
import { ApiError, DESCRIPTIONS, Described, bad } from '../errors.js';
import { isObject, optBool, optInt, optJson, optString, type Params } from '../params.js';
import type { EmulatorState, Method } from '../state.js';
import type { TgUpdate } from '../types.js';
import type { WebhookState } from '../options.js';
import type { QueueEntry } from './queue.js';

/** Performs a method call that a webhook answer carried in its body. */
export type Perform = (method: string, params: Params) => Promise<unknown>;

function chatKeyOf(u: TgUpdate): number {
  const m = u.message ?? u.edited_message;
  if (m) return m.chat.id;
  if (u.callback_query) return u.callback_query.message?.chat.id ?? u.callback_query.from.id;
  if (u.pre_checkout_query) return u.pre_checkout_query.from.id;
  if (u.my_chat_member) return u.my_chat_member.chat.id;
  return 0;
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
  s.webhook.generation++;
  s.webhook.config = {
    url,
    ...(secret !== undefined ? { secretToken: secret } : {}),
    maxConnections,
    port,
    portAllowedByTelegram: [443, 80, 88, 8443].includes(port),
    https: parsed.protocol === 'https:',
    ...(Array.isArray(allowed) && allowed.length > 0 ? { allowedUpdates: allowed.map(String) } : {}),
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

/** Posts what can go now: up to max_connections updates, one per chat, in order. */
export function pumpWebhook(s: EmulatorState, perform: Perform): void {
  const hook = s.webhook.config;
  if (!hook || s.stopped) return;
  const q = s.queue;
  const busy = new Set(s.webhook.busyChats);
  for (let i = q.head; i < q.entries.length && s.webhook.inFlight < hook.maxConnections; i++) {
    const entry = q.entries[i];
    if (entry.done) continue;
    const key = chatKeyOf(entry.update);
    if (entry.inFlight || busy.has(key)) {
      // One update at a time per chat, in order.
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
  key: number,
  hook: WebhookState,
): void {
  const w = s.webhook;
  const generation = w.generation;
  entry.inFlight = true;
  entry.attempts++;
  w.inFlight++;
  w.busyChats.add(key);
  const ac = new AbortController();
  w.aborts.add(ac);
  const release = (): void => {
    entry.inFlight = false;
    w.inFlight--;
    w.busyChats.delete(key);
  };
  const fail = (message: string): void => {
    w.aborts.delete(ac);
    if (generation !== w.generation || s.stopped) return release();
    hook.failures++;
    hook.lastErrorDate = s.unixNow();
    hook.lastErrorMessage = message;
    // Keep the chat busy during the backoff so its later updates can't overtake this one.
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
  fetch(hook.url, { method: 'POST', headers, body: JSON.stringify(entry.update), signal: ac.signal })
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
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : String(e);
      fail(`Connection failed: ${cause}`);
    });
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
