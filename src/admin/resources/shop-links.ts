import type { Before, ResourceWithOptions } from 'adminjs';
import { ShopLink } from '../../db/entities/index.js';
import { nobody } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, oneLine, onlyFields, panelResource, type ResourceDeps } from './shared.js';

/** Links made here are "admin" unless the form says otherwise. */
const adminByDefault: Before = async (request) => {
  if (request.method === 'post' && request.payload && !request.payload.source) {
    return { ...request, payload: { ...request.payload, source: 'admin' } };
  }
  return request;
};

/** Which Telegram user sees which shop: every staff member may add and remove links. */
export function shopLinks(deps: ResourceDeps): ResourceWithOptions {
  const fields = ['telegramUserId', 'shopId', 'source'];
  return panelResource(
    new SafeTypeormAdapter(ShopLink),
    {
      id: 'ShopLink',
      navigation: nav.telegram,
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'telegramUserId', 'shopId', 'source', 'createdAt'],
      filterProperties: ['telegramUserId', 'shopId', 'source', 'createdAt'],
      editProperties: fields,
      properties: {
        source: { description: 'sourceHelp' },
        telegramUserId: oneLine(deps.components),
        shopId: oneLine(deps.components),
      },
      actions: {
        new: { before: [onlyFields(fields), adminByDefault] },
        // A link is a pair: change it by removing it and adding another.
        edit: { isAccessible: nobody },
      },
    },
    deps,
  );
}
