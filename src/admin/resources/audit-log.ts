import type { ResourceWithOptions } from 'adminjs';
import { AuditLog } from '../../db/entities/index.js';
import { readOnlyActions } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, panelResource, type ResourceDeps } from './shared.js';

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
      properties: {
        // Stored raw ("setApiKey", "TelegramUser"), shown in the staff member's language.
        action: { components: { list: deps.components.AuditText, show: deps.components.AuditText } },
        resource: { components: { list: deps.components.AuditText, show: deps.components.AuditText } },
      },
      actions: readOnlyActions,
    },
    deps,
  );
}
