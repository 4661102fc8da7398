import type { ResourceWithOptions } from 'adminjs';
import { Payment } from '../../db/entities/index.js';
import { readOnlyActions } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, oneLine, panelResource, type ResourceDeps } from './shared.js';

/** Subscription payments, as Telegram confirmed them: read only. */
export function payments(deps: ResourceDeps): ResourceWithOptions {
  return panelResource(
    new SafeTypeormAdapter(Payment),
    {
      id: 'Payment',
      navigation: nav.records,
      sort: { sortBy: 'id', direction: 'desc' },
      // The payer's Telegram id is in the record's page (and a filter): the list fits 1366 px.
      listProperties: ['id', 'createdAt', 'amount', 'currency', 'telegramUserId', 'paidUntil'],
      filterProperties: ['payerTelegramId', 'telegramUserId', 'currency', 'createdAt'],
      properties: {
        amount: { description: 'amountHelp' },
        telegramUserId: oneLine(deps.components),
      },
      actions: readOnlyActions,
    },
    deps,
  );
}
