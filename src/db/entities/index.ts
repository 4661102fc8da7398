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
import {
  SupportChannel,
  SupportConversation,
  SupportDailyCount,
  SupportInboundSeen,
  SupportMessagePair,
  SupportOutbox,
} from './support.js';
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
  SupportChannel,
  SupportConversation,
  SupportDailyCount,
  SupportInboundSeen,
  SupportMessagePair,
  SupportOutbox,
  TelegramUser,
  User,
  UserGroup,
};
export { ROLES, type Role } from './telegram-user.js';
export { LINK_SOURCES, type LinkSource } from './shop-link.js';
export { TELEGRAM_ADMINS_GROUP } from './group.js';
export {
  SUPPORT_CHANNEL_KINDS,
  SUPPORT_CHANNEL_STATUSES,
  type ConversationStatus,
  type SupportChannelKind,
  type SupportChannelStatus,
  type SupportDirection,
} from './support.js';
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
  SupportChannel,
  SupportConversation,
  SupportDailyCount,
  SupportInboundSeen,
  SupportMessagePair,
  SupportOutbox,
  TelegramUser,
  User,
  UserGroup,
];
