import {
  buildFeature,
  type ActionContext,
  type ActionRequest,
  type ActionResponse,
  type After,
  type BaseRecord,
  type Before,
  type FeatureType,
  type RecordJSON,
} from 'adminjs';
import type { Logger } from '../../logger.js';
import type { Services } from '../../services/index.js';
import { scrubJson, stripParams } from '../secrets.js';
import type { StaffAdmin } from '../types.js';
import { actionNames, BUILT_IN_READS } from './actions.js';

/**
 * What a handler can tell the audit hook about the change it made (removed before the answer is
 * sent): `after` replaces the snapshot read from the answer, `skip` means nothing changed.
 */
export interface AuditNote {
  after?: unknown;
  skip?: boolean;
}
export type AuditedResponse = ActionResponse & { audit?: AuditNote };

export interface AuditDeps {
  services: Pick<Services, 'audit'>;
  logger: Logger;
}

export interface AuditedActions {
  /** The resource's id, as the audit log names it. */
  resource: string;
  /** The resource's own actions (custom ones and overridden built-ins). */
  actions: string[];
  /** Those of them that never change anything, even when POSTed. */
  readOnly?: string[];
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
 * The audit log, as an AdminJS feature: on every action that changes data (new, edit, delete,
 * bulkDelete and every custom action not read-only), a `before` hook snapshots the record(s) and an
 * `after` hook appends an audit row: actor, action, resource, record id(s), before and after
 * (secrets stripped). Only successful POSTs are recorded: a GET only shows a form, and an answer
 * with an error notice changed nothing.
 *
 * The row is written after the change, in its own statement: if that insert fails the change stays,
 * and the failure is logged at error level.
 */
export function auditFeature(spec: AuditedActions, deps: AuditDeps): FeatureType {
  const readOnly = new Set([...BUILT_IN_READS, ...(spec.readOnly ?? [])]);
  const names = actionNames(spec.actions);
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
        await deps.services.audit.record({
          actorId: admin?.id ?? null,
          actorUsername: admin?.email ?? '(unknown)',
          action: actionName,
          resource: spec.resource,
          recordId: recordIds.length ? recordIdList(recordIds) : null,
          before: seen.before,
          after: after === null ? null : scrubJson(after),
        });
      } catch (err) {
        deps.logger.error({ err, resource: spec.resource, action: actionName }, 'audit log write failed');
      }
      return response;
    };

  // Every action gets an entry, audited or not: the first feature fixes the order of the buttons.
  return buildFeature({
    actions: Object.fromEntries(
      names.map((name) => [name, readOnly.has(name) ? {} : { before: [capture], after: [record(name)] }]),
    ),
  });
}
