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
import { resourceTranslations, type Catalogue } from '../locale/index.js';
import type { AdminServices } from '../types.js';

export type ActionOptions = Partial<Action<ActionResponse>>;

export interface PanelComponents {
  ConfirmAction: string;
  ApiKeyAction: string;
  LocalTime: string;
  AuditText: string;
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

/** The navigation's groups; `name` is a label of the locale catalogue (src/admin/locale). */
export const nav = {
  telegram: { name: 'telegram', icon: 'Send' },
  shops: { name: 'shops', icon: 'ShoppingBag' },
  staff: { name: 'staff', icon: 'Shield' },
  records: { name: 'records', icon: 'Archive' },
  support: { name: 'support', icon: 'MessageCircle' },
};

/**
 * A resource of the panel: the adapter, its options, its names in every language (from the locale
 * catalogues, src/admin/locale), and the features every resource carries (audit log, secret
 * scrubbing, dates in the staff member's time zone). `readOnly` names the resource's custom actions
 * that change nothing, so the audit log leaves them out.
 */
export function panelResource(
  resource: BaseResource,
  options: ResourceOptions & { id: keyof Catalogue['resources'] },
  deps: Pick<ResourceDeps, 'services' | 'logger' | 'components'>,
  readOnly: string[] = [],
): ResourceWithOptions {
  const actions = Object.keys(options.actions ?? {});
  const properties = { ...options.properties };
  for (const p of resource.properties()) {
    const own = properties[p.path()] ?? {};
    if (p.type() === 'datetime' || p.type() === 'date') {
      const shown = { list: deps.components.LocalTime, show: deps.components.LocalTime };
      properties[p.path()] = { ...own, components: { ...shown, ...own.components } };
    } else if (p.availableValues() || p.reference()) {
      // A form's choice field says "—" when empty, not react-select's English "Select...".
      properties[p.path()] = { ...own, props: { placeholder: '—', ...own.props } };
    }
  }
  return {
    resource,
    options: { ...options, properties, translations: resourceTranslations(options.id) },
    features: panelFeatures({ resource: options.id, actions, readOnly }, deps),
  };
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
