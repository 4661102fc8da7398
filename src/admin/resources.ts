import {
  Filter,
  ValidationError,
  type Action,
  type ActionResponse,
  type ActionContext,
  type ActionRequest,
  type Before,
  type CurrentAdmin,
  type ResourceWithOptions,
} from 'adminjs';
import type { DataSource } from 'typeorm';
import {
  AuditLog,
  Group,
  Payment,
  Shop,
  ShopLink,
  Storage,
  TelegramUser,
  User,
  UserGroup,
} from '../db/entities/index.js';
import type { Logger } from '../logger.js';
import { hashPassword } from '../services/secrets.js';
import { confirmActions, refusal } from './actions.js';
import { withPanelHooks } from './hooks.js';
import type { OneTimeKeys } from './one-time-keys.js';
import { PanelResource } from './resource.js';
import { checkRules, refuseBroken } from './rules.js';
import type { AdminServices, StaffAdmin } from './types.js';

type ActionOptions = Partial<Action<ActionResponse>>;

export interface PanelComponents {
  ConfirmAction: string;
  ApiKeyAction: string;
}

interface ResourceDeps {
  dataSource: DataSource;
  services: AdminServices;
  logger: Logger;
  components: PanelComponents;
  oneTimeKeys: OneTimeKeys;
  /** Filled with the labels of custom actions, per resource, for AdminJS's translations. */
  actionLabels: Record<string, Record<string, string>>;
}

/** Resources only superusers may see or touch (staff accounts and their groups). */
export const SUPERUSER_RESOURCES = ['User', 'Group', 'UserGroup'];

const isSuperuser = ({ currentAdmin }: { currentAdmin?: CurrentAdmin }) =>
  (currentAdmin as StaffAdmin | undefined)?.isSuperuser === true;
const nobody = () => false;

const nav = {
  telegram: { name: 'Telegram', icon: 'Send' },
  shops: { name: 'Shops', icon: 'ShoppingBag' },
  staff: { name: 'Staff', icon: 'Shield' },
  records: { name: 'Records', icon: 'Archive' },
};

/** Keeps only the fields a form may set: anything else in a posted payload (hashes, ids, dates) is dropped. */
function onlyFields(fields: string[]): Before {
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

const readOnlyActions: Record<string, ActionOptions> = {
  new: { isAccessible: nobody },
  edit: { isAccessible: nobody },
  delete: { isAccessible: nobody },
  bulkDelete: { isAccessible: nobody },
};

function superuserOnly(actions: Record<string, ActionOptions>): Record<string, ActionOptions> {
  const out: Record<string, ActionOptions> = {};
  for (const name of [
    'list',
    'show',
    'search',
    'new',
    'edit',
    'delete',
    'bulkDelete',
    ...Object.keys(actions),
  ]) {
    out[name] = { ...actions[name], isAccessible: isSuperuser };
  }
  return out;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function flag(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}

/** A record action that opens the ShopLink list filtered on this record (a reference filter). */
function linksAction(filterKey: 'shopId' | 'telegramUserId'): ActionOptions {
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

function telegramUsers(deps: ResourceDeps): ResourceWithOptions {
  const { users } = deps.services;
  const editable = [
    'username',
    'firstName',
    'lastName',
    'languageCode',
    'role',
    'isBanned',
    'isActive',
    'subscriptionPaidUntil',
    'isLoggedOut',
    'isReachable',
  ];
  const s = (n: number) => (n === 1 ? '' : 's');
  const labels = (deps.actionLabels.TelegramUser ??= { links: 'Shop links' });
  return {
    resource: new PanelResource(TelegramUser),
    options: {
      id: 'TelegramUser',
      navigation: nav.telegram,
      titleProperty: 'username',
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: [
        'id',
        'telegramId',
        'username',
        'firstName',
        'lastName',
        'role',
        'isBanned',
        'isActive',
        'subscriptionPaidUntil',
        'isLoggedOut',
        'isReachable',
        'createdAt',
      ],
      filterProperties: ['username', 'telegramId', 'role', 'isBanned', 'isActive', 'createdAt'],
      showProperties: [
        'id',
        'telegramId',
        'chatId',
        'username',
        'firstName',
        'lastName',
        'languageCode',
        'role',
        'isBanned',
        'isActive',
        'subscriptionPaidUntil',
        'isLoggedOut',
        'isReachable',
        'createdAt',
        'updatedAt',
      ],
      editProperties: editable,
      properties: {
        // The staff account an admin logged in with: staff usernames are for superusers only.
        staffUserId: { isVisible: false },
      },
      actions: {
        // Telegram users register through the bot.
        new: { isAccessible: nobody },
        edit: { before: [onlyFields(editable)] },
        // Reference pickers (ShopLink) search by username, or by Telegram id when digits are typed.
        search: {
          handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
            const query = text(request.params?.query);
            const filters = !query ? {} : /^\d+$/.test(query) ? { telegramId: query } : { username: query };
            const records = await context.resource.find(
              new Filter(filters, context.resource),
              { limit: 50, offset: 0, sort: { sortBy: 'id', direction: 'asc' } },
              context,
            );
            return { records: records.map((r) => r.toJSON(context.currentAdmin)) };
          },
        },
        links: linksAction('telegramUserId'),
        ...confirmActions(
          {
            name: 'ban',
            label: 'Ban',
            icon: 'Slash',
            variant: 'danger',
            showFor: (r) => !r.params.isBanned,
            run: (ids) => users.setBanned(ids, true),
            message: (n, asked) => `Banned ${n} of ${asked} user${s(asked)}; each is sent the ban notice`,
          },
          deps.components.ConfirmAction,
          labels,
        ),
        ...confirmActions(
          {
            name: 'unban',
            label: 'Unban',
            icon: 'CheckCircle',
            showFor: (r) => Boolean(r.params.isBanned),
            run: (ids) => users.setBanned(ids, false),
            message: (n, asked) => `Unbanned ${n} of ${asked} user${s(asked)}`,
          },
          deps.components.ConfirmAction,
          labels,
        ),
        ...confirmActions(
          {
            name: 'activate',
            label: 'Activate',
            icon: 'UserCheck',
            showFor: (r) => !r.params.isActive,
            run: (ids) => users.setActive(ids, true),
            message: (n, asked) => `Activated ${n} of ${asked} user${s(asked)}`,
          },
          deps.components.ConfirmAction,
          labels,
        ),
        ...confirmActions(
          {
            name: 'deactivate',
            label: 'Deactivate',
            icon: 'UserX',
            variant: 'danger',
            showFor: (r) => Boolean(r.params.isActive),
            run: (ids) => users.setActive(ids, false),
            message: (n, asked) => `Deactivated ${n} of ${asked} user${s(asked)}`,
          },
          deps.components.ConfirmAction,
          labels,
        ),
      },
    },
  };
}

function shops(deps: ResourceDeps): ResourceWithOptions {
  const { shops: service } = deps.services;
  const formFields = ['name', 'slug', 'clientId', 'vendorName', 'isActive', 'updatePrices'];
  const shopRules = {
    name: 'shopName',
    slug: 'slug',
    clientId: 'clientId',
    vendorName: 'vendorName',
  } as const;
  deps.actionLabels.Shop = { links: 'Shop links', setApiKey: 'Set new API key', revealApiKey: 'API key' };
  const actor = (context: ActionContext) => (context.currentAdmin as unknown as StaffAdmin).id;

  return {
    resource: new PanelResource(Shop),
    options: {
      id: 'Shop',
      navigation: nav.shops,
      titleProperty: 'name',
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: [
        'id',
        'name',
        'slug',
        'apiKeyPrefix',
        'vendorName',
        'clientId',
        'isActive',
        'updatePrices',
        'createdAt',
      ],
      filterProperties: [
        'name',
        'slug',
        'apiKeyPrefix',
        'vendorName',
        'clientId',
        'isActive',
        'updatePrices',
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
        'createdAt',
        'updatedAt',
      ],
      editProperties: [...formFields, 'apiKey'],
      properties: {
        apiKeyHash: { isVisible: false },
        apiKeyPrefix: {
          isVisible: { list: true, show: true, filter: true, edit: false },
          description: 'The first characters of the key, to tell keys apart. The key itself is not stored.',
        },
        slug: { description: 'Leave empty to derive it from the name.', isRequired: false },
        apiKey: {
          type: 'password',
          isVisible: { list: false, show: false, filter: false, edit: true },
          description: 'Optional: leave empty to generate a random key. It is shown once, after saving.',
        },
      },
      actions: {
        new: {
          layout: [...formFields, 'apiKey'],
          // Through the service: it hashes the key, derives the slug and checks uniqueness.
          handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
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
              if (!input[field]) missing[field] = { message: 'Required', type: 'required' };
            }
            if (Object.keys(missing).length) throw new ValidationError(missing);
            let created: Awaited<ReturnType<AdminServices['shops']['create']>>;
            try {
              created = await service.create(input);
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
              notice: { message: 'Shop created: copy its API key now, it is shown once', type: 'success' },
              redirectUrl: h.recordActionUrl({
                resourceId: 'Shop',
                recordId: String(shopId),
                actionName: 'revealApiKey',
              }),
            };
          },
        },
        edit: { layout: formFields, before: [onlyFields(formFields), checkRules(shopRules)] },
        delete: {
          // Through the service: a shop with storages is refused with a message, not a crash.
          handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
            const { record, currentAdmin, h } = context;
            if (request.method !== 'post') return { record: record!.toJSON(currentAdmin) };
            try {
              await service.delete(Number(record!.id()));
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
          },
        },
        bulkDelete: {
          handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
            const { records = [], currentAdmin, h } = context;
            const json = records.map((r) => r.toJSON(currentAdmin));
            if (request.method !== 'post') return { records: json };
            const deleted: string[] = [];
            const refused: Record<string, string> = {};
            for (const r of records) {
              try {
                await service.delete(Number(r.id()));
                deleted.push(String(r.id()));
              } catch (err) {
                const why = refusal(err);
                if (!why) throw err;
                refused[String(r.id())] = why.message;
              }
            }
            const reasons = [...new Set(Object.values(refused))].join('; ');
            const notice = deleted.length
              ? {
                  message: Object.keys(refused).length
                    ? `Deleted ${deleted.length}; kept ${Object.keys(refused).length}: ${reasons}`
                    : `Deleted ${deleted.length} shop${deleted.length === 1 ? '' : 's'}`,
                  type: 'success' as const,
                }
              : { message: reasons, type: 'error' as const };
            return {
              records: json,
              notice,
              redirectUrl: h.resourceUrl({ resourceId: 'Shop' }),
              audit: { after: { deleted, refused } },
            };
          },
        },
        links: linksAction('shopId'),
        setApiKey: {
          actionType: 'record',
          icon: 'Key',
          component: deps.components.ApiKeyAction,
          showInDrawer: true,
          handler: async (request: ActionRequest, _response: unknown, context: ActionContext) => {
            const { record, resource, currentAdmin } = context;
            if (request.method !== 'post') return { record: record!.toJSON(currentAdmin) };
            let apiKey: string;
            try {
              apiKey = await service.setApiKey(
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
              notice: { message: 'New API key set: copy it now, it is shown once', type: 'success' },
            };
          },
        },
        revealApiKey: {
          actionType: 'record',
          icon: 'Key',
          isVisible: false,
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
                  notice: { message: 'This key was already shown (or has expired)', type: 'info' },
                };
          },
        },
      },
    },
  };
}

function storages(): ResourceWithOptions {
  const fields = ['name', 'ozonId', 'shopId'];
  return {
    resource: new PanelResource(Storage),
    options: {
      id: 'Storage',
      navigation: nav.shops,
      titleProperty: 'name',
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'name', 'ozonId', 'shopId'],
      filterProperties: ['name', 'ozonId', 'shopId'],
      editProperties: fields,
      actions: {
        new: { before: [onlyFields(fields), checkRules({ name: 'storageName', ozonId: 'ozonId' })] },
        edit: { before: [onlyFields(fields), checkRules({ name: 'storageName', ozonId: 'ozonId' })] },
      },
    },
  };
}

function shopLinks(): ResourceWithOptions {
  const fields = ['telegramUserId', 'shopId', 'source'];
  const adminByDefault: Before = async (request) => {
    if (request.method === 'post' && request.payload && !request.payload.source) {
      return { ...request, payload: { ...request.payload, source: 'admin' } };
    }
    return request;
  };
  return {
    resource: new PanelResource(ShopLink),
    options: {
      id: 'ShopLink',
      navigation: nav.telegram,
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'telegramUserId', 'shopId', 'source', 'createdAt'],
      filterProperties: ['telegramUserId', 'shopId', 'source', 'createdAt'],
      editProperties: fields,
      properties: {
        source: { description: 'How the link was made; links made here are "admin".' },
      },
      actions: {
        new: { before: [onlyFields(fields), adminByDefault] },
        // A link is a pair: change it by removing it and adding another.
        edit: { isAccessible: nobody },
      },
    },
  };
}

function payments(): ResourceWithOptions {
  return {
    resource: new PanelResource(Payment),
    options: {
      id: 'Payment',
      navigation: nav.records,
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: [
        'id',
        'createdAt',
        'amount',
        'currency',
        'payerTelegramId',
        'telegramUserId',
        'paidUntil',
      ],
      filterProperties: ['payerTelegramId', 'telegramUserId', 'currency', 'createdAt'],
      properties: { amount: { description: 'In minor units (kopecks for RUB).' } },
      actions: readOnlyActions,
    },
  };
}

function auditLog(): ResourceWithOptions {
  return {
    resource: new PanelResource(AuditLog),
    options: {
      id: 'AuditLog',
      navigation: nav.records,
      sort: { sortBy: 'id', direction: 'desc' },
      listProperties: ['id', 'createdAt', 'actorUsername', 'action', 'resource', 'recordId'],
      filterProperties: ['actorUsername', 'action', 'resource', 'recordId', 'createdAt'],
      showProperties: [
        'id',
        'createdAt',
        'actorId',
        'actorUsername',
        'action',
        'resource',
        'recordId',
        'before',
        'after',
      ],
      // Append-only: nobody edits or deletes it (the database refuses it too).
      actions: readOnlyActions,
    },
  };
}

function staffUsers(): ResourceWithOptions {
  const fields = ['username', 'email', 'isActive', 'isStaff', 'isSuperuser', 'password'];
  const staffRules = { username: 'username', email: 'email' } as const;
  const hashTypedPassword =
    (required: boolean): Before =>
    async (request: ActionRequest) => {
      if (request.method !== 'post') return request;
      const payload = { ...(request.payload ?? {}) };
      const password = typeof payload.password === 'string' ? payload.password : '';
      delete payload.password;
      if (!password) {
        if (required) throw new ValidationError({ password: { message: 'Required', type: 'required' } });
        return { ...request, payload };
      }
      refuseBroken('password', 'password', password);
      payload.passwordHash = await hashPassword(password);
      return { ...request, payload };
    };
  return {
    resource: new PanelResource(User),
    options: {
      id: 'User',
      navigation: nav.staff,
      titleProperty: 'username',
      sort: { sortBy: 'id', direction: 'asc' },
      listProperties: [
        'id',
        'username',
        'email',
        'isActive',
        'isStaff',
        'isSuperuser',
        'lastLogin',
        'dateJoined',
      ],
      filterProperties: ['username', 'email', 'isActive', 'isStaff', 'isSuperuser'],
      showProperties: [
        'id',
        'username',
        'email',
        'isActive',
        'isStaff',
        'isSuperuser',
        'lastLogin',
        'dateJoined',
      ],
      editProperties: fields,
      properties: {
        passwordHash: { isVisible: false },
        password: {
          type: 'password',
          isVisible: { list: false, show: false, filter: false, edit: true },
          description: 'New accounts need one; on edit, leave empty to keep the current password.',
        },
      },
      actions: superuserOnly({
        new: { before: [onlyFields(fields), checkRules(staffRules), hashTypedPassword(true)] },
        edit: { before: [onlyFields(fields), checkRules(staffRules), hashTypedPassword(false)] },
      }),
    },
  };
}

function groups(): ResourceWithOptions {
  const fields = ['name'];
  return {
    resource: new PanelResource(Group),
    options: {
      id: 'Group',
      navigation: nav.staff,
      titleProperty: 'name',
      editProperties: fields,
      actions: superuserOnly({
        new: { before: [onlyFields(fields), checkRules({ name: 'groupName' })] },
        edit: { before: [onlyFields(fields), checkRules({ name: 'groupName' })] },
      }),
    },
  };
}

function userGroups(): ResourceWithOptions {
  const fields = ['userId', 'groupId'];
  return {
    resource: new PanelResource(UserGroup),
    options: {
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
  };
}

/** Every resource of the panel, each with the secret-stripping and audit hooks on all its actions. */
export function buildResources(deps: ResourceDeps): ResourceWithOptions[] {
  const all = [
    telegramUsers(deps),
    shopLinks(),
    payments(),
    shops(deps),
    storages(),
    staffUsers(),
    groups(),
    userGroups(),
    auditLog(),
  ];
  return all.map(({ resource, options }) => ({
    resource,
    options: withPanelHooks(String(options.id), options, deps),
  }));
}
