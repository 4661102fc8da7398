import type {
  Action,
  ActionContext,
  ActionRequest,
  ActionResponse,
  After,
  Before,
  ResourceOptions,
  BaseRecord,
  RecordJSON,
} from 'adminjs';
import type { DataSource } from 'typeorm';
import { AuditLog } from '../db/entities/index.js';
import type { Logger } from '../logger.js';
import { scrubJson, stripParams } from './secrets.js';
import type { StaffAdmin } from './types.js';

type ActionOptions = Partial<Action<ActionResponse>> & Record<string, unknown>;

/** Built-in actions that change data; every custom action changes data unless listed in READ_ONLY. */
const BUILT_IN_CHANGES = ['new', 'edit', 'delete', 'bulkDelete'];
/** AdminJS's own read-only actions. */
const BUILT_IN_READS = ['list', 'show', 'search'];
/** Actions that never change anything, even when POSTed. */
const READ_ONLY = new Set([...BUILT_IN_READS, 'links', 'revealApiKey']);

/**
 * What a handler can tell the audit hook about the change it made (removed before the answer is
 * sent): `after` replaces the snapshot read from the answer, `skip` means nothing changed.
 */
export interface AuditNote {
  after?: unknown;
  skip?: boolean;
}
export type AuditedResponse = ActionResponse & { audit?: AuditNote };

function toArray<T>(hook: T | T[] | undefined): T[] {
  if (!hook) return [];
  return Array.isArray(hook) ? hook : [hook];
}

function snapshot(record: BaseRecord | RecordJSON | undefined | null): Record<string, unknown> | null {
  if (!record) return null;
  const params = 'params' in record && typeof record.params === 'object' ? record.params : null;
  return params ? stripParams(params as Record<string, unknown>) : null;
}

function idOf(record: BaseRecord): string {
  return String(record.id());
}

/** At most 64 characters (the column's size); the full list is in the before/after JSON. */
function recordIdList(ids: string[]): string {
  const joined = ids.join(',');
  if (joined.length <= 64) return joined;
  const out: string[] = [];
  let length = 0;
  for (const id of ids) {
    if (length + id.length + 12 > 64) break;
    out.push(id);
    length += id.length + 1;
  }
  return `${out.join(',')},…(+${ids.length - out.length})`;
}

interface Captured {
  recordIds: string[];
  before: Record<string, unknown> | null;
}

/**
 * Adds, to every action of a resource:
 * - an `after` hook that strips secrets from the records it answers with;
 * - for actions that change data (new, edit, delete, bulkDelete and every custom action), a
 *   `before` hook that snapshots the record(s) and an `after` hook that appends an AuditLog row:
 *   actor, action, resource, record id(s), before and after (secrets stripped). Only successful
 *   POSTs are recorded: a GET only shows a form, and an answer with an error notice changed nothing.
 *
 * The audit row is written after the change, in its own statement: if that insert fails the change
 * stays, and the failure is logged at error level.
 */
export function withPanelHooks(
  resourceId: string,
  options: ResourceOptions,
  deps: { dataSource: DataSource; logger: Logger },
): ResourceOptions {
  const actions: Record<string, ActionOptions> = { ...(options.actions as Record<string, ActionOptions>) };
  const names = new Set([...BUILT_IN_CHANGES, ...BUILT_IN_READS, ...Object.keys(actions)]);
  const captured = new WeakMap<ActionContext, Captured>();

  const capture: Before = async (request, context) => {
    if (request.method !== 'post') return request;
    if (context.records) {
      const records = context.records as BaseRecord[];
      const before: Record<string, unknown> = {};
      for (const r of records) before[idOf(r)] = snapshot(r);
      captured.set(context, { recordIds: records.map(idOf), before: { records: before } });
    } else if (context.record) {
      captured.set(context, { recordIds: [idOf(context.record)], before: snapshot(context.record) });
    } else {
      captured.set(context, { recordIds: [], before: null });
    }
    return request;
  };

  const record =
    (actionName: string): After<ActionResponse> =>
    async (response: AuditedResponse, request: ActionRequest, context: ActionContext) => {
      const note = response?.audit;
      if (response && 'audit' in response) delete response.audit;
      const seen = captured.get(context);
      if (!seen || request.method !== 'post' || note?.skip) return response;
      if (response?.notice?.type === 'error') return response;
      const admin = context.currentAdmin as StaffAdmin | undefined;
      let after: unknown = null;
      let recordIds = seen.recordIds;
      if (note && 'after' in note) {
        after = note.after ?? null;
      } else if (Array.isArray(response?.records) && context.records) {
        const out: Record<string, unknown> = {};
        for (const r of response.records as RecordJSON[]) out[String(r.id)] = snapshot(r);
        after = actionName === 'bulkDelete' ? null : { records: out };
      } else if (response?.record && actionName !== 'delete') {
        after = snapshot(response.record as RecordJSON);
        if (recordIds.length === 0 && response.record.id) recordIds = [String(response.record.id)];
      }
      try {
        await deps.dataSource.getRepository(AuditLog).insert({
          actorId: admin?.id ?? null,
          actorUsername: admin?.email ?? '(unknown)',
          action: actionName,
          resource: resourceId,
          recordId: recordIds.length ? recordIdList(recordIds) : null,
          before: seen.before as never,
          after: (after === null ? null : scrubJson(after)) as never,
        });
      } catch (err) {
        deps.logger.error({ err, resource: resourceId, action: actionName }, 'audit log write failed');
      }
      return response;
    };

  const strip: After<ActionResponse> = async (response) => scrubJson(response) as ActionResponse;

  for (const name of names) {
    const action: ActionOptions = { ...(actions[name] ?? {}) };
    const changes = !READ_ONLY.has(name);
    if (changes) action.before = [capture, ...toArray(action.before as Before | Before[])];
    action.after = [
      ...toArray(action.after as After<ActionResponse> | After<ActionResponse>[]),
      ...(changes ? [record(name)] : []),
      strip,
    ];
    actions[name] = action;
  }
  return { ...options, actions };
}
