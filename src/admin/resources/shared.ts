import type {
  Action,
  ActionContext,
  ActionRequest,
  ActionResponse,
  BaseResource,
  Before,
  ResourceOptions,
  ResourceWithOptions,
} from 'adminjs';
import type { Logger } from '../../logger.js';
import { panelFeatures } from '../features/index.js';
import type { OneTimeKeys } from '../one-time-keys.js';
import type { AdminServices } from '../types.js';

export type ActionOptions = Partial<Action<ActionResponse>>;

export interface PanelComponents {
  ConfirmAction: string;
  ApiKeyAction: string;
  ShopNew: string;
  ListText: string;
}

/** What the resource definitions need. */
export interface ResourceDeps {
  services: AdminServices;
  logger: Logger;
  components: PanelComponents;
  oneTimeKeys: OneTimeKeys;
}

export const nav = {
  telegram: { name: 'Telegram', icon: 'Send' },
  shops: { name: 'Shops', icon: 'ShoppingBag' },
  staff: { name: 'Staff', icon: 'Shield' },
  records: { name: 'Records', icon: 'Archive' },
};

/**
 * A resource of the panel: the adapter, its options (with its own labels in `translations`), and the
 * features every resource carries (audit log, secret scrubbing). `readOnly` names the resource's
 * custom actions that change nothing, so the audit log leaves them out.
 */
export function panelResource(
  resource: BaseResource,
  options: ResourceOptions & { id: string },
  deps: Pick<ResourceDeps, 'services' | 'logger'>,
  readOnly: string[] = [],
): ResourceWithOptions {
  const actions = Object.keys(options.actions ?? {});
  return {
    resource,
    options,
    features: panelFeatures({ resource: options.id, actions, readOnly }, deps),
  };
}

/** The resource's labels (its name in the navigation, its actions' buttons), in English. */
export function labels(name: Record<string, string>, actions: Record<string, string> = {}) {
  return { en: { labels: name, actions } };
}

/**
 * A column of a list that stays on one line at 1366 px: long values are cut with "…" and shown
 * whole on hover and in the record's page (`maxWidth` is a CSS width, 16em unless told).
 */
export function oneLine(components: Pick<PanelComponents, 'ListText'>, maxWidth?: string) {
  return { components: { list: components.ListText }, ...(maxWidth ? { custom: { maxWidth } } : {}) };
}

/** Keeps only the fields a form may set: anything else in a posted payload (hashes, ids, dates) is dropped. */
export function onlyFields(fields: string[]): Before {
  const allowed = new Set(fields);
  return async (request: ActionRequest) => {
    if (request.method !== 'post' || !request.payload) return request;
    const payload: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(request.payload)) {
      if (allowed.has(key)) payload[key] = value;
    }
    return { ...request, payload };
  };
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function flag(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}

/** A record action that opens the ShopLink list filtered on this record (a reference filter). */
export function linksAction(filterKey: 'shopId' | 'telegramUserId'): ActionOptions {
  return {
    actionType: 'record',
    icon: 'Link',
    component: false,
    handler: async (_request: ActionRequest, _response: unknown, context: ActionContext) => {
      const { record, h, currentAdmin } = context;
      return {
        record: record!.toJSON(currentAdmin),
        redirectUrl: h.resourceUrl({
          resourceId: 'ShopLink',
          search: `?filters.${filterKey}=${encodeURIComponent(String(record!.id()))}`,
        }),
      };
    },
  } as ActionOptions;
}
