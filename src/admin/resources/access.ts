import type { Action, ActionResponse, CurrentAdmin } from 'adminjs';
import type { StaffAdmin } from '../types.js';

/**
 * Who may see and do what in the panel. Every logged-in staff member sees the Telegram, shop and
 * record resources; staff accounts and their groups are for superusers only (the router's
 * superuser gate refuses them too, before AdminJS parses anything).
 */

type ActionOptions = Partial<Action<ActionResponse>>;

/** Resources only superusers may see or touch (staff accounts and their groups). */
export const SUPERUSER_RESOURCES = ['User', 'Group', 'UserGroup'];

export const isSuperuser = ({ currentAdmin }: { currentAdmin?: CurrentAdmin }) =>
  (currentAdmin as StaffAdmin | undefined)?.isSuperuser === true;

/** For actions nobody may run (records that are made elsewhere, or never change). */
export const nobody = () => false;

/** A resource that is read, never written, in the panel. */
export const readOnlyActions: Record<string, ActionOptions> = {
  new: { isAccessible: nobody },
  edit: { isAccessible: nobody },
  delete: { isAccessible: nobody },
  bulkDelete: { isAccessible: nobody },
};

/** Every action of the resource (the built-in ones and `actions`) for superusers only. */
export function superuserOnly(actions: Record<string, ActionOptions>): Record<string, ActionOptions> {
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
