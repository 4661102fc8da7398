import type { ResourceWithOptions } from 'adminjs';
import { auditLog } from './audit-log.js';
import { groups } from './groups.js';
import { inboxUpdates } from './inbox.js';
import { payments } from './payments.js';
import type { ResourceDeps } from './shared.js';
import { shopLinks } from './shop-links.js';
import { shops } from './shops.js';
import { staffUsers } from './staff-users.js';
import { storages } from './storages.js';
import { supportChannels, supportConversations } from './support.js';
import { telegramUsers } from './telegram-users.js';
import { userGroups } from './user-groups.js';

export { SUPERUSER_RESOURCES } from './access.js';
export type { PanelComponents, ResourceDeps } from './shared.js';

/**
 * Every resource of the panel, in the navigation's order. Each file declares its own options,
 * actions, labels and permissions, and carries the audit and secret-scrubbing features.
 */
export function buildResources(deps: ResourceDeps): ResourceWithOptions[] {
  return [
    telegramUsers(deps),
    shopLinks(deps),
    payments(deps),
    shops(deps),
    storages(deps),
    supportConversations(deps),
    supportChannels(deps),
    staffUsers(deps),
    groups(deps),
    userGroups(deps),
    auditLog(deps),
    inboxUpdates(deps),
  ];
}
