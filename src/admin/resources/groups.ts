import type { ResourceWithOptions } from 'adminjs';
import { Group } from '../../db/entities/index.js';
import { superuserOnly } from './access.js';
import { checkRules } from '../rules.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, onlyFields, panelResource, type ResourceDeps } from './shared.js';

/** Groups of staff accounts (e.g. telegram_admins): superusers only. */
export function groups(deps: ResourceDeps): ResourceWithOptions {
  const fields = ['name'];
  return panelResource(
    new SafeTypeormAdapter(Group, { none: true }),
    {
      id: 'Group',
      navigation: nav.staff,
      titleProperty: 'name',
      editProperties: fields,
      actions: superuserOnly({
        new: { before: [onlyFields(fields), checkRules({ name: 'groupName' })] },
        edit: { before: [onlyFields(fields), checkRules({ name: 'groupName' })] },
      }),
    },
    deps,
  );
}
