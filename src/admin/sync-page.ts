import type { ActionRequest, PageContext } from 'adminjs';
import { isDomainError } from '../services/errors.js';
import type { DeadLetter, SyncStatus } from '../services/sync.js';
import { formatLocalTime } from './features/local-times.js';
import { languageOf } from './locale/index.js';
import type { AdminDeps, StaffAdmin } from './types.js';

/** The broker connection as the panel shows it; absent when the sync is off (no SYNC_AMQP_URL). */
export interface SyncBrokerState {
  state: string;
  since: Date;
  relayLeader: boolean;
  lastError?: string;
}

/** What the "Sync" page shows: the outbox backlog, the broker's state and the open dead letters. */
export interface SyncPageData {
  enabled: boolean;
  broker: { state: string; since: string; relayLeader: boolean; lastError: string | null } | null;
  status: Omit<SyncStatus, 'oldestPendingAt' | 'lastSentAt'> & {
    oldestPendingAt: string | null;
    lastSentAt: string | null;
  };
  deadLetters: (Omit<DeadLetter, 'receivedAt' | 'retriedAt' | 'payload'> & {
    receivedAt: string;
    retriedAt: string | null;
    payload: string;
  })[];
  notice?: { message: string; type: 'success' | 'error' };
}

/**
 * The "Sync" page (an AdminJS page): GET shows the sync's state; POST (with the panel's CSRF header)
 * re-tries or dismisses a dead letter, which the audit log records.
 */
export function syncPage(deps: Pick<AdminDeps, 'services' | 'syncState'>) {
  return async (request: ActionRequest, _response: unknown, context: PageContext): Promise<SyncPageData> => {
    const admin = context.currentAdmin as unknown as StaffAdmin;
    const language = languageOf(admin);
    const time = (d: Date | null) => (d ? formatLocalTime(d, language, admin.timeZone) : null);
    let notice: SyncPageData['notice'];
    if (request.method === 'post') {
      const payload = request.payload ?? {};
      const id = Number(payload.id);
      const action = payload.action === 'dismiss' ? 'dismiss' : 'retry';
      try {
        if (action === 'dismiss') {
          await deps.services.sync.dismissDeadLetter(id);
          notice = { message: `#${id}: dismissed`, type: 'success' };
        } else {
          const result = await deps.services.sync.retryDeadLetter(id);
          notice =
            result.outcome === 'dead'
              ? { message: `#${id}: ${result.reason}`, type: 'error' }
              : { message: `#${id}: ${result.outcome}`, type: 'success' };
        }
        await deps.services.audit.record({
          actorId: admin.id,
          actorUsername: admin.email,
          action: `sync dead letter ${action}`,
          resource: 'ShopSync',
          recordId: String(id),
          before: null,
          after: { notice: notice.message },
        });
      } catch (err) {
        if (!isDomainError(err)) throw err;
        notice = { message: err.message, type: 'error' };
      }
    }
    const [status, letters] = await Promise.all([
      deps.services.sync.status(),
      deps.services.sync.deadLetters({ limit: 50 }),
    ]);
    const broker = deps.syncState?.();
    return {
      enabled: Boolean(broker),
      broker: broker
        ? {
            state: broker.state,
            since: time(broker.since)!,
            relayLeader: broker.relayLeader,
            lastError: broker.lastError ?? null,
          }
        : null,
      status: {
        ...status,
        oldestPendingAt: time(status.oldestPendingAt),
        lastSentAt: time(status.lastSentAt),
      },
      deadLetters: letters.map((l) => ({
        ...l,
        payload: JSON.stringify(l.payload),
        receivedAt: time(l.receivedAt)!,
        retriedAt: time(l.retriedAt),
      })),
      ...(notice ? { notice } : {}),
    };
  };
}
