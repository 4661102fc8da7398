import type { ResourceWithOptions } from 'adminjs';
import { UserGroup } from '../../db/entities/index.js';
import { superuserOnly } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, onlyFields, panelResource, type ResourceDeps } from './shared.js';

/** Which staff account is in which group: superusers only. */
export function userGroups(deps: ResourceDeps): ResourceWithOptions {
  const fields = ['userId', 'groupId'];
  return panelResource(
    new SafeTypeormAdapter(UserGroup, { none: true }),
    {
      id: 'UserGroup',
      navigation: nav.staff,
      listProperties: ['id', 'userId', 'groupId'],
      filterProperties: ['userId', 'groupId'],
      editProperties: fields,
      actions: superuserOnly({
        new: { before: [onlyFields(fields)] },
        edit: { before: [onlyFields(fields)] },
      }),
    },
    deps,
  );
}
