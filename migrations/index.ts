import { Initial1795269004493 } from './1795269004493-Initial.js';
import { NotificationsSessionsSeed1795269004494 } from './1795269004494-NotificationsSessionsSeed.js';
import { TrigramSearch1795269004495 } from './1795269004495-TrigramSearch.js';
import { PanelPreferences1795269004496 } from './1795269004496-PanelPreferences.js';
import { AuditChain1795269004510 } from './1795269004510-AuditChain.js';
import { LoginKeysHashed1795269004520 } from './1795269004520-LoginKeysHashed.js';
import { SupportDesk1796024400000 } from './1796024400000-SupportDesk.js';
import { ShopSync1796024820000 } from './1796024820000-ShopSync.js';
import { UpdateInbox1796024880000 } from './1796024880000-UpdateInbox.js';
import { SellerPhone1796026920000 } from './1796026920000-SellerPhone.js';
import { ProcessedUpdates1796100000000 } from './1796100000000-ProcessedUpdates.js';
import { PanelCounters1796100100000 } from './1796100100000-PanelCounters.js';
import { LoginReserve1796100300000 } from './1796100300000-LoginReserve.js';
import { ShopKeyAttempt1796100400000 } from './1796100400000-ShopKeyAttempt.js';
import { ShopSwitchInPlace1796100500000 } from './1796100500000-ShopSwitchInPlace.js';

/** Every migration, in order. A new migration is added here as well as in this folder. */
export const migrations = [
  Initial1795269004493,
  NotificationsSessionsSeed1795269004494,
  TrigramSearch1795269004495,
  PanelPreferences1795269004496,
  AuditChain1795269004510,
  LoginKeysHashed1795269004520,
  SupportDesk1796024400000,
  ShopSync1796024820000,
  UpdateInbox1796024880000,
  SellerPhone1796026920000,
  ProcessedUpdates1796100000000,
  PanelCounters1796100100000,
  LoginReserve1796100300000,
  ShopKeyAttempt1796100400000,
  ShopSwitchInPlace1796100500000,
];
