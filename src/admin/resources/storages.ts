import type { ResourceWithOptions } from 'adminjs';
import { Storage } from '../../db/entities/index.js';
import { checkRules } from '../rules.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, oneLine, onlyFields, panelResource, type ResourceDeps } from './shared.js';

/** A shop's storages (warehouses): every staff member may edit them. */
export function storages(deps: ResourceDeps): ResourceWithOptions {
  const fields = ['name', 'ozonId', 'shopId'];
  return panelResource(
    new SafeTypeormAdapter(Storage),
    {
      id: 'Storage',
      navigation: nav.shops,
      titleProperty: 'name',
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'ozonId', 'shopId'],
      filterProperties: ['name', 'ozonId', 'shopId'],
      editProperties: fields,
      properties: { name: oneLine(deps.components), shopId: oneLine(deps.components) },
      actions: {
        new: { before: [onlyFields(fields), checkRules({ name: 'storageName', ozonId: 'ozonId' })] },
        edit: { before: [onlyFields(fields), checkRules({ name: 'storageName', ozonId: 'ozonId' })] },
      },
    },
    deps,
  );
}
