import { Filter, type ActionContext, type ActionRequest, type ResourceWithOptions } from 'adminjs';
import { TelegramUser } from '../../db/entities/index.js';
import { nobody } from './access.js';
import { SafeTypeormAdapter } from './adapter.js';
import { confirmActions } from './confirm-actions.js';
import { linksAction, nav, oneLine, onlyFields, panelResource, text, type ResourceDeps } from './shared.js';

/** Telegram users: every staff member sees them and may ban, unban, activate and deactivate them. */
export function telegramUsers(deps: ResourceDeps): ResourceWithOptions {
  const { users } = deps.services;
  const component = deps.components.ConfirmAction;
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
    'supportBanned',
  ];
  const ban = confirmActions(
    {
      name: 'ban',
      icon: 'Slash',
      variant: 'danger',
      showFor: (r) => !r.params.isBanned,
      run: (ids) => users.setBanned(ids, true),
      notice: 'banned',
    },
    component,
  );
  const unban = confirmActions(
    {
      name: 'unban',
      icon: 'CheckCircle',
      showFor: (r) => Boolean(r.params.isBanned),
      run: (ids) => users.setBanned(ids, false),
      notice: 'unbanned',
    },
    component,
  );
  const activate = confirmActions(
    {
      name: 'activate',
      icon: 'UserCheck',
      showFor: (r) => !r.params.isActive,
      run: (ids) => users.setActive(ids, true),
      notice: 'activated',
    },
    component,
  );
  const deactivate = confirmActions(
    {
      name: 'deactivate',
      icon: 'UserX',
      variant: 'danger',
      showFor: (r) => Boolean(r.params.isActive),
      run: (ids) => users.setActive(ids, false),
      notice: 'deactivated',
    },
    component,
  );

  return panelResource(
    // The staff account an admin logged in with is for superusers only: not even its id for the rest.
    new SafeTypeormAdapter(TelegramUser, {
      noFilters: ['staffUserId'],
      redact: ({ staffUserId: _staff, ...rest }) => rest,
    }),
    {
      id: 'TelegramUser',
      navigation: nav.telegram,
      titleProperty: 'username',
      sort: { sortBy: 'id', direction: 'desc' },
      // Who it is and what they may do, on one line each at 1366 px; the rest (the panel's own id,
      // last name, dates, flags the bot keeps) is in the record's page.
      listProperties: [
        'telegramId',
        'username',
        'firstName',
        'role',
        'isBanned',
        'isActive',
        'subscriptionPaidUntil',
      ],
      filterProperties: ['username', 'telegramId', 'role', 'isBanned', 'isActive', 'createdAt'],
      showProperties: ['id', 'telegramId', 'chatId', ...editable, 'createdAt', 'updatedAt'],
      editProperties: editable,
      properties: {
        // The staff account an admin logged in with: staff usernames are for superusers only.
        staffUserId: { isVisible: false },
        supportBanTold: { isVisible: false },
        telegramId: oneLine(deps.components, '8em'),
        username: oneLine(deps.components, '10em'),
        firstName: oneLine(deps.components, '8em'),
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
        ...ban.actions,
        ...unban.actions,
        ...activate.actions,
        ...deactivate.actions,
      },
    },
    deps,
    ['links'],
  );
}
