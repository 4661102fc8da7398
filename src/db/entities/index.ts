import { AppSecret } from './app-secret.js';
import { AuditLog } from './audit-log.js';
import { BotSession } from './bot-session.js';
import { Group } from './group.js';
import { InboxUpdate } from './inbox-update.js';
import { LoginFailure } from './login-failure.js';
import { Notification } from './notification.js';
import { Payment } from './payment.js';
import { ShopLink } from './shop-link.js';
import { Shop } from './shop.js';
import { Storage } from './storage.js';
import { TelegramUser } from './telegram-user.js';
import { UserGroup } from './user-group.js';
import { User } from './user.js';

export {
  AppSecret,
  AuditLog,
  BotSession,
  Group,
  InboxUpdate,
  LoginFailure,
  Notification,
  Payment,
  Shop,
  ShopLink,
  Storage,
  TelegramUser,
  User,
  UserGroup,
};
export { ROLES, type Role } from './telegram-user.js';
export { LINK_SOURCES, type LinkSource } from './shop-link.js';
export { TELEGRAM_ADMINS_GROUP } from './group.js';
export type { NotificationKind, NotificationStatus } from './notification.js';
export { INBOX_STATUSES, type InboxStatus } from './inbox-update.js';

export const entities = [
  AppSecret,
  AuditLog,
  BotSession,
  Group,
  InboxUpdate,
  LoginFailure,
  Notification,
  Payment,
  Shop,
  ShopLink,
  Storage,
  TelegramUser,
  User,
  UserGroup,
];
