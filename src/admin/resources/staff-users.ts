import {
  ValidationError,
  type ActionContext,
  type ActionRequest,
  type Before,
  type ResourceWithOptions,
} from 'adminjs';
import { serverTexts } from '../locale/index.js';
import { User } from '../../db/entities/index.js';
import { hashPassword } from '../../services/secrets.js';
import { superuserOnly } from './access.js';
import { checkRules, refuseBroken } from '../rules.js';
import { SafeTypeormAdapter } from './adapter.js';
import { nav, oneLine, onlyFields, panelResource, type ResourceDeps } from './shared.js';

/** The typed password, checked and replaced by its hash; `required` for new accounts. */
const hashTypedPassword =
  (required: boolean): Before =>
  async (request: ActionRequest, context: ActionContext) => {
    if (request.method !== 'post') return request;
    const payload = { ...(request.payload ?? {}) };
    const password = typeof payload.password === 'string' ? payload.password : '';
    delete payload.password;
    if (!password) {
      if (required) {
        const message = serverTexts(context.currentAdmin).notices.required();
        throw new ValidationError({ password: { message, type: 'required' } });
      }
      return { ...request, payload };
    }
    refuseBroken('password', 'password', password);
    payload.passwordHash = await hashPassword(password);
    return { ...request, payload };
  };

/** Staff accounts (the panel's users): superusers only. */
export function staffUsers(deps: ResourceDeps): ResourceWithOptions {
  const fields = ['username', 'email', 'isActive', 'isStaff', 'isSuperuser', 'password'];
  const staffRules = { username: 'username', email: 'email' } as const;
  const overview = [
    'id',
    'username',
    'email',
    'isActive',
    'isStaff',
    'isSuperuser',
    'lastLogin',
    'dateJoined',
  ];
  return panelResource(
    // Not even as a reference (a Telegram user's staff account): non-superusers read no rows.
    new SafeTypeormAdapter(User, { none: true }),
    {
      id: 'User',
      navigation: nav.staff,
      titleProperty: 'username',
      sort: { sortBy: 'id', direction: 'asc' },
      listProperties: overview.filter((p) => p !== 'dateJoined'),
      filterProperties: ['username', 'email', 'isActive', 'isStaff', 'isSuperuser'],
      showProperties: overview,
      editProperties: fields,
      properties: {
        username: oneLine(deps.components),
        email: oneLine(deps.components),
        passwordHash: { isVisible: false },
        password: {
          type: 'password',
          isVisible: { list: false, show: false, filter: false, edit: true },
          description: 'passwordHelp',
        },
      },
      actions: superuserOnly({
        new: { before: [onlyFields(fields), checkRules(staffRules), hashTypedPassword(true)] },
        edit: { before: [onlyFields(fields), checkRules(staffRules), hashTypedPassword(false)] },
      }),
    },
    deps,
  );
}
