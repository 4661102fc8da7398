import { AuditService } from './audit.js';
import { DashboardService } from './dashboard.js';
import { AuthService } from './auth.js';
import { HousekeepingService } from './housekeeping.js';
import { InboxService } from './inbox.js';
import { LoginLimiter, type LoginLimiterOptions } from './limiter.js';
import { ShopLinkService } from './links.js';
import { NotificationService } from './notifications.js';
import { ProcessedUpdatesService } from './processed.js';
import { ShopService } from './shops.js';
import { StaffService } from './staff.js';
import { transaction, type Db } from './sql.js';
import { StorageService } from './storages.js';
import { SyncService } from './sync.js';
import { SubscriptionService } from './subscriptions.js';
import { SupportService } from './support.js';
import { UserService } from './users.js';

/**
 * What the services need from the configuration. The app's Config has this shape, so
 * `createServices(dataSource, config)` works as is.
 */
export interface ServicesOptions {
  subscription: { price: number; currency: string; periodDays: number; newUsersActive: boolean };
  login: LoginLimiterOptions;
  /** SESSION_SECRET: the key login_failures keys are hashed with (without it, one kept in the database). */
  sessionSecret?: string;
  /** bcrypt cost for new password hashes (tests lower it). */
  bcryptRounds?: number;
  /** The audit chain's HMAC key (AUDIT_KEY); unset: the public development key. */
  auditKey?: string;
  /** The key that seals secrets at rest (SECRET_KEY, or the one kept in DATA_DIR); unset: a public test key. */
  secretKey?: string;
}

export interface Services {
  users: UserService;
  shops: ShopService;
  links: ShopLinkService;
  auth: AuthService;
  subscriptions: SubscriptionService;
  staff: StaffService;
  limiter: LoginLimiter;
  /** The ban-notice outbox the notifier worker drains. */
  notifications: NotificationService;
  /** The back office's own: its audit log and its dashboard figures. */
  audit: AuditService;
  dashboard: DashboardService;
  housekeeping: HousekeepingService;
  /** The durable inbox of Telegram updates the bot's intake writes (src/bot/intake.ts). */
  inbox: InboxService;
  /** The ids of updates workers handled when updates come through RabbitMQ (src/pipeline/worker.ts). */
  processed: ProcessedUpdatesService;
  storages: StorageService;
  /** The shop sync's outbox, inbound apply and dead letters (README "Shop sync"). */
  sync: SyncService;
  /** The support desk's channels, conversations, id pairs and outbox. */
  support: SupportService;
  /**
   * Runs `fn` in one transaction with a set of services bound to it: everything they write commits
   * or rolls back together (loaddata). Inside another transaction it is a savepoint.
   */
  transaction<T>(fn: (tx: Services) => Promise<T>): Promise<T>;
}

/**
 * The domain, over one DataSource (or a transaction's EntityManager): the only database access the bot,
 * the panel's custom actions and the CLI use.
 */
export function createServices(dataSource: Db, options: ServicesOptions): Services {
  const users = new UserService(dataSource, { newUsersActive: options.subscription.newUsersActive });
  const shops = new ShopService(dataSource);
  const links = new ShopLinkService(dataSource);
  const limiter = new LoginLimiter(dataSource, options.login, options.sessionSecret);
  const staff = new StaffService(dataSource, { bcryptRounds: options.bcryptRounds });
  const subscriptions = new SubscriptionService(dataSource, options.subscription);
  const auth = new AuthService(dataSource, { users, links, limiter, staff });
  const notifications = new NotificationService(dataSource);
  const audit = new AuditService(dataSource, { key: options.auditKey });
  const dashboard = new DashboardService(dataSource);
  const inbox = new InboxService(dataSource);
  const processed = new ProcessedUpdatesService(dataSource);
  const housekeeping = new HousekeepingService(dataSource, limiter, inbox, processed);
  const storages = new StorageService(dataSource);
  const sync = new SyncService(dataSource, { auditKey: options.auditKey });
  const support = new SupportService(dataSource, { secretKey: options.secretKey });
  return {
    users,
    shops,
    links,
    auth,
    subscriptions,
    staff,
    limiter,
    notifications,
    audit,
    dashboard,
    housekeeping,
    inbox,
    processed,
    storages,
    sync,
    support,
    transaction: (fn) => transaction(dataSource, (em) => fn(createServices(em, options))),
  };
}

export { AuditService, DEVELOPMENT_AUDIT_KEY, type AuditEntry, type AuditVerification } from './audit.js';
export { AuthService, BOT_ADMIN_SCOPE, BOT_SCOPE } from './auth.js';
export type {
  AddShopResult,
  AdminLoginResult,
  AuthDeps,
  Locked,
  SellerLoginResult,
  StaffLoginResult,
} from './auth.js';
export {
  DashboardService,
  type DashboardCounts,
  type DashboardFigures,
  type PaymentTotal,
} from './dashboard.js';
export { HousekeepingService, type PruneResult } from './housekeeping.js';
export {
  InboxService,
  INBOX_DONE_RETENTION_MINUTES,
  INBOX_PARKED_RETENTION_DAYS,
  type DueUpdate,
  type InboxEntry,
  type Recovery,
} from './inbox.js';
export { DomainError, isDomainError, type DomainErrorCode } from './errors.js';
export {
  LoginLimiter,
  SHOP_KEYS_SCOPE,
  type Attempt,
  type BudgetWindow,
  type Limit,
  type LimiterScope,
  type LimiterState,
  type LoginLimiterOptions,
  type Reservation,
} from './limiter.js';
export { ShopLinkService } from './links.js';
export { NotificationService, type DueNotice } from './notifications.js';
export { ShopService } from './shops.js';
export type { CreateShopInput, SetOutcome, ShopListItem, ShopPage, Viewer } from './shops.js';
export { slugify } from './slug.js';
export {
  StaffService,
  type CreateStaffUserInput,
  type SaveOutcome,
  type StaffAccountStatus,
} from './staff.js';
export { StorageService, type StorageInput } from './storages.js';
export {
  RelayLease,
  SyncService,
  SYNC_ACTOR,
  type DeadLetter,
  type InboundMessage,
  type OutboxEvent,
  type Received,
  type SyncStatus,
} from './sync.js';
export {
  SupportService,
  isSecretSetting,
  type ChannelRecord,
  type ConversationRecord,
  type OutboxRow,
  type SellerAddress,
  type SellerCardData,
  type SupportFigures,
} from './support.js';
export { Sealer, DEVELOPMENT_SECRET_KEY } from './sealer.js';
export * as validation from './rules.js';
export { isUniqueViolation } from './sql.js';
export { SubscriptionService, parseSubscriptionPayload, subscriptionPayload } from './subscriptions.js';
export type {
  Invoice,
  PaymentInput,
  PaymentResult,
  PreCheckoutQuery,
  PreCheckoutResult,
  SubscriptionOptions,
  SubscriptionStatus,
} from './subscriptions.js';
export { UserService, type Access, type TelegramProfile, type UserServiceOptions } from './users.js';
export { TELEGRAM_ADMINS_GROUP, SUPPORT_CHANNEL_KINDS } from '../db/entities/index.js';
