import type { ResourceWithOptions } from 'adminjs';
import { AuditLog } from '../../db/entities/index.js';
import { readOnlyActions } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { labels, nav, oneLine, panelResource, type ResourceDeps } from './shared.js';

/** Every change made in the panel. Append-only: nobody edits or deletes it (the database refuses it too). */
export function auditLog(deps: ResourceDeps): ResourceWithOptions {
  return panelResource(
    new SafeTypeormAdapter(AuditLog),
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
      properties: { actorUsername: oneLine(deps.components, '12em') },
      actions: readOnlyActions,
      translations: labels({ AuditLog: 'Audit log' }),
    },
    deps,
  );
}
