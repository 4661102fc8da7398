import { ValidationError, type ActionContext, type ActionRequest, type ResourceWithOptions } from 'adminjs';
import { Shop } from '../../db/entities/index.js';
import { serverTexts } from '../locale/index.js';
import type { StaffAdmin } from '../types.js';
import { SafeTypeormAdapter } from './adapter.js';
import { checkRules } from '../rules.js';
import { refusal } from './confirm-actions.js';
import {
  flag,
  linksAction,
  nav,
  oneLine,
  onlyFields,
  panelResource,
  text,
  type ActionOptions,
  type ResourceDeps,
} from './shared.js';

const actor = (context: ActionContext) => (context.currentAdmin as unknown as StaffAdmin).id;

/**
 * Shops: every staff member may create, edit and delete them and set their API keys. Creating,
 * deleting and keys go through the shop service (it hashes keys, derives slugs, checks uniqueness
 * and refuses to delete a shop that still has storages).
 */
export function shops(deps: ResourceDeps): ResourceWithOptions {
  const formFields = ['name', 'slug', 'clientId', 'vendorName', 'isActive', 'updatePrices'];
  const shopRules = {
    name: 'shopName',
    slug: 'slug',
    clientId: 'clientId',
    vendorName: 'vendorName',
  } as const;
  return panelResource(
    new SafeTypeormAdapter(Shop),
    {
      id: 'Shop',
      navigation: nav.shops,
      titleProperty: 'name',
      sort: { sortBy: 'id', direction: 'desc' },
      // What tells shops apart and what they do, on one line each at 1366 px; the rest (key prefix,
      // client id, dates) is in the record's page and the filters.
      listProperties: ['id', 'name', 'slug', 'vendorName', 'isActive', 'updatePrices'],
      filterProperties: [
        'name',
        'slug',
        'apiKeyPrefix',
        'vendorName',
        'clientId',
        'isActive',
        'updatePrices',
        'externalId',
      ],
      showProperties: [
        'id',
        'name',
        'slug',
        'apiKeyPrefix',
        'clientId',
        'vendorName',
        'isActive',
        'updatePrices',
        'externalId',
        'syncedAt',
        'version',
        'createdAt',
        'updatedAt',
      ],
      editProperties: [...formFields, 'apiKey'],
      properties: {
        name: oneLine(deps.components, '13em'),
        vendorName: oneLine(deps.components, '10em'),
        apiKeyHash: { isVisible: false },
        apiKeyPrefix: {
          isVisible: { list: true, show: true, filter: true, edit: false },
          description: 'apiKeyPrefixHelp',
        },
        slug: { ...oneLine(deps.components, '10em'), description: 'slugHelp', isRequired: false },
        apiKey: {
          type: 'password',
          isVisible: { list: false, show: false, filter: false, edit: true },
          description: 'apiKeyHelp',
        },
      },
      actions: {
        new: {
          layout: [...formFields, 'apiKey'],
          component: deps.components.ShopNew,
          handler: createShop(deps),
        },
        edit: { layout: formFields, before: [onlyFields(formFields), checkRules(shopRules)] },
        delete: { handler: deleteShop(deps) },
        bulkDelete: { handler: deleteShops(deps) },
        links: linksAction('shopId'),
        setApiKey: setApiKey(deps),
        revealApiKey: revealApiKey(deps),
      },
    },
    deps,
    ['links', 'revealApiKey'],
  );
}

type Handler = NonNullable<ActionOptions['handler']>;

/** Through the service: it hashes the key, derives the slug and checks uniqueness. */
function createShop(deps: ResourceDeps): Handler {
  return async (request: ActionRequest, _response: unknown, context: ActionContext) => {
    const { resource, currentAdmin, h } = context;
    if (request.method !== 'post') return {};
    const p = request.payload ?? {};
    const input = {
      name: text(p.name),
      slug: text(p.slug) || undefined,
      apiKey: text(p.apiKey) || undefined,
      clientId: text(p.clientId),
      vendorName: text(p.vendorName),
      isActive: flag(p.isActive, true),
      updatePrices: flag(p.updatePrices, false),
    };
    const missing: Record<string, { message: string; type: string }> = {};
    for (const field of ['name', 'clientId', 'vendorName'] as const) {
      if (!input[field])
        missing[field] = { message: serverTexts(currentAdmin).notices.required(), type: 'required' };
    }
    if (Object.keys(missing).length) throw new ValidationError(missing);
    let created: Awaited<ReturnType<ResourceDeps['services']['shops']['create']>>;
    try {
      created = await deps.services.shops.create(input);
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      throw new ValidationError({}, { message: refused.message, type: 'conflict' });
    }
    const shopId = created.shop.id;
    deps.oneTimeKeys.put(actor(context), shopId, created.apiKey);
    const record = await resource.findOne(String(shopId), context);
    return {
      record: record!.toJSON(currentAdmin),
      notice: { message: serverTexts(currentAdmin).notices.shopCreated(), type: 'success' },
      redirectUrl: h.recordActionUrl({
        resourceId: 'Shop',
        recordId: String(shopId),
        actionName: 'revealApiKey',
      }),
    };
  };
}

/** Through the service: a shop with storages is refused with a message, not a crash. */
function deleteShop(deps: ResourceDeps): Handler {
  return async (request: ActionRequest, _response: unknown, context: ActionContext) => {
    const { record, currentAdmin, h } = context;
    if (request.method !== 'post') return { record: record!.toJSON(currentAdmin) };
    try {
      await deps.services.shops.delete(Number(record!.id()));
    } catch (err) {
      const refused = refusal(err);
      if (!refused) throw err;
      return { record: record!.toJSON(currentAdmin), notice: refused };
    }
    return {
      record: record!.toJSON(currentAdmin),
      redirectUrl: h.resourceUrl({ resourceId: 'Shop' }),
      notice: { message: 'successfullyDeleted', type: 'success' },
    };
  };
}

/** Each shop on its own: those the service refuses are kept, and the notice says why. */
function deleteShops(deps: ResourceDeps): Handler {
  return async (request: ActionRequest, _response: unknown, context: ActionContext) => {
    const { records = [], currentAdmin, h } = context;
    const json = records.map((r) => r.toJSON(currentAdmin));
    if (request.method !== 'post') return { records: json };
    const deleted: string[] = [];
    const refused: Record<string, string> = {};
    for (const r of records) {
      try {
        await deps.services.shops.delete(Number(r.id()));
        deleted.push(String(r.id()));
      } catch (err) {
        const why = refusal(err);
        if (!why) throw err;
        refused[String(r.id())] = why.message;
      }
    }
    const reasons = [...new Set(Object.values(refused))].join('; ');
    const say = serverTexts(currentAdmin).notices;
    const kept = Object.keys(refused).length;
    const notice = deleted.length
      ? {
          message: kept
            ? say.shopsPartlyDeleted(deleted.length, kept, reasons)
            : say.shopsDeleted(deleted.length),
          type: 'success' as const,
        }
      : { message: reasons, type: 'error' as const };
    return {
      records: json,
      notice,
      redirectUrl: h.resourceUrl({ resourceId: 'Shop' }),
      audit: { after: { deleted, refused } },
    };
  };
}

/** A new key (typed, or generated), shown once in the answer. */
function setApiKey(deps: ResourceDeps): ActionOptions {
  return {
    actionType: 'record',
    icon: 'Key',
    component: deps.components.ApiKeyAction,
    showInDrawer: true,
    handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
      const { record, resource, currentAdmin } = context;
      if (request.method !== 'post') return { record: record!.toJSON(currentAdmin) };
      let apiKey: string;
      try {
        apiKey = await deps.services.shops.setApiKey(
          Number(record!.id()),
          text(request.payload?.apiKey) || undefined,
        );
      } catch (err) {
        const refused = refusal(err);
        if (!refused) throw err;
        return { record: record!.toJSON(currentAdmin), notice: refused };
      }
      const fresh = await resource.findOne(String(record!.id()), context);
      return {
        record: (fresh ?? record!).toJSON(currentAdmin),
        apiKey,
        notice: { message: serverTexts(currentAdmin).notices.apiKeySet(), type: 'success' },
      };
    },
  } as ActionOptions;
}

/** The key of a shop just created, handed out once to the staff member who created it. */
function revealApiKey(deps: ResourceDeps): ActionOptions {
  return {
    actionType: 'record',
    icon: 'Key',
    // Offered only to the staff member who just created the shop, while the key is there to see
    // (AdminJS leaves an action that isn't visible out of the record, and its page then fails).
    isVisible: (context: ActionContext) =>
      !!context.record &&
      !!context.currentAdmin &&
      deps.oneTimeKeys.has(actor(context), Number(context.record.id())),
    component: deps.components.ApiKeyAction,
    showInDrawer: false,
    handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
      const { record, currentAdmin } = context;
      if (request.method !== 'post') return { record: record!.toJSON(currentAdmin) };
      const apiKey = deps.oneTimeKeys.take(actor(context), Number(record!.id()));
      return apiKey
        ? { record: record!.toJSON(currentAdmin), apiKey }
        : {
            record: record!.toJSON(currentAdmin),
            notice: { message: serverTexts(currentAdmin).notices.keyAlreadyShown(), type: 'info' },
          };
    },
  } as ActionOptions;
}
