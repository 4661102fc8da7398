import type { ResourceWithOptions } from 'adminjs';
import { AuditLog } from '../../db/entities/index.js';
import { readOnlyActions, SUPERUSER_RESOURCES } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, oneLine, panelResource, type ResourceDeps } from './shared.js';

/** Snapshot fields that describe a staff account (the one a bot admin logged in with). */
const STAFF_FIELDS = new Set(['staffUserId']);

/**
 * A non-superuser's view of an audit row: no staff account's name (the actor is shown by id) and no
 * staff fields in the snapshots. Rows about staff accounts and groups are not theirs at all.
 */
function forNonSuperusers(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (STAFF_FIELDS.has(key.slice(key.lastIndexOf('.') + 1))) continue;
    out[key] = value;
  }
  out.actorUsername = params.actorId == null ? '(unknown)' : `staff #${String(params.actorId)}`;
  return out;
}

/** Every change made in the panel. Append-only: nobody edits or deletes it (the database refuses it too). */
export function auditLog(deps: ResourceDeps): ResourceWithOptions {
  return panelResource(
    new SafeTypeormAdapter(AuditLog, {
      exclude: { path: 'resource', values: SUPERUSER_RESOURCES },
      noFilters: ['actorUsername'],
      redact: forNonSuperusers,
    }),
    {
      id: 'AuditLog',
      navigation: nav.records,
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'createdAt', 'actorUsername', 'action', 'resource', 'recordId'],
      filterProperties: ['actorUsername', 'action', 'resource', 'recordId', 'createdAt'],
      showProperties: [
        'id',
        'createdAt',
        'actorId',
        'actorUsername',
        'action',
        'resource',
        'recordId',
        'before',
        'after',
      ],
      properties: {
        // Stored raw ("setApiKey", "TelegramUser"), shown in the staff member's language.
        action: { components: { list: deps.components.AuditText, show: deps.components.AuditText } },
        resource: { components: { list: deps.components.AuditText, show: deps.components.AuditText } },
        actorUsername: oneLine(deps.components, '12em'),
      },
      actions: readOnlyActions,
    },
    deps,
  );
}
