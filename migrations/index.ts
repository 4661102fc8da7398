import { Initial1795269004493 } from './1795269004493-Initial.js';
import { NotificationsSessionsSeed1795269004494 } from './1795269004494-NotificationsSessionsSeed.js';

/** Every migration, in order. A new migration is added here as well as in this folder. */
export const migrations = [Initial1795269004493, NotificationsSessionsSeed1795269004494];
