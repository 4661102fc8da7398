import type { ResourceWithOptions } from 'adminjs';
import { INBOX_STATUSES, InboxUpdate } from '../../db/entities/index.js';
import { readOnlyActions } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { confirmActions } from './confirm-actions.js';
import { nav, panelResource, type ResourceDeps } from './shared.js';

/**
 * The durable inbox of Telegram updates, for operations: what is pending, and above all what was
 * parked (an update in flight during three crashes in a row, set aside so the bot could start).
 * Staff re-run a parked update once its cause is fixed; the bot takes it within seconds. The update
 * itself (what the user typed) is never read here (its column is not selected): it may hold a
 * password typed at a login prompt.
 */
export function inboxUpdates(deps: ResourceDeps): ResourceWithOptions {
  const rerun = confirmActions(
    {
      name: 'rerun',
      icon: 'RotateCcw',
      showFor: (r) => r.params.status === 'parked',
      run: (ids) => deps.services.inbox.rerun(ids),
      notice: 'rerun',
    },
    deps.components.ConfirmAction,
  );
  const shown = ['updateId', 'kind', 'chatKey', 'status', 'attempts', 'receivedAt', 'doneAt'];
  return panelResource(
    new SafeTypeormAdapter(InboxUpdate),
    {
      id: 'InboxUpdate',
      navigation: nav.records,
      sort: { sortBy: 'updateId', direction: 'desc' },
      listProperties: shown,
      showProperties: shown,
      filterProperties: ['status', 'kind', 'chatKey', 'receivedAt'],
      properties: {
        payload: { isVisible: false },
        status: {
          description: 'statusHelp',
          availableValues: INBOX_STATUSES.map((value) => ({ value, label: value })),
        },
      },
      actions: { ...readOnlyActions, ...rerun.actions },
    },
    deps,
  );
}
