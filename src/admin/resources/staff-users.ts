import { ValidationError, type ActionRequest, type Before, type ResourceWithOptions } from 'adminjs';
import { User } from '../../db/entities/index.js';
import { hashPassword } from '../../services/secrets.js';
import { superuserOnly } from './access.js';
import { checkRules, refuseBroken } from '../rules.js';
import { SafeTypeormAdapter } from './adapter.js';
import { labels, nav, oneLine, onlyFields, panelResource, type ResourceDeps } from './shared.js';

/** The typed password, checked and replaced by its hash; `required` for new accounts. */
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
    new SafeTypeormAdapter(User),
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
          description: 'New accounts need one; on edit, leave empty to keep the current password.',
        },
      },
      actions: superuserOnly({
        new: { before: [onlyFields(fields), checkRules(staffRules), hashTypedPassword(true)] },
        edit: { before: [onlyFields(fields), checkRules(staffRules), hashTypedPassword(false)] },
      }),
      translations: labels({ User: 'Staff accounts' }),
    },
    deps,
  );
}
