import {
  BaseEntity,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { ShopLink } from './shop-link.js';
import type { User } from './user.js';

export const ROLES = ['admin', 'seller'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'telegram_users' })
// Trigram index for the panel's username search: made by a migration, which TypeORM can't express.
@Index('ix_telegram_users_username_trgm', { synchronize: false })
export class TelegramUser extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** Telegram user ids pass 2^31; they fit in a JS number (below 2^53). */
  @Index({ unique: true })
  @Column({ type: 'bigint' })
  telegramId!: number;

  @Column({ type: 'bigint' })
  chatId!: number;

  @Column({ type: 'varchar', length: 255, default: '' })
  firstName!: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  lastName!: string;

  @Index()
  @Column({ type: 'varchar', length: 255, default: '' })
  username!: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  languageCode!: string | null;

  /** The phone number the user shared with the bot (digits only), for support platforms that write by phone. */
  @Index('ix_telegram_users_phone')
  @Column({ type: 'varchar', length: 20, nullable: true })
  phone!: string | null;

  @Index()
  @Column({ type: 'enum', enum: ROLES, enumName: 'telegram_user_role' })
  role!: Role;

  @Index()
  @Column({ type: 'boolean', default: false })
  isBanned!: boolean;

  /** The subscription flag: staff can switch it, a payment switches it on. */
  @Index()
  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  subscriptionPaidUntil!: Date | null;

  @Column({ type: 'boolean', default: false })
  isLoggedOut!: boolean;

  /** False once Telegram answers 403 (the user blocked the bot); true again when they write. */
  @Column({ type: 'boolean', default: true })
  isReachable!: boolean;

  /** Banned from support only (the bot still works): a separate flag from is_banned. */
  @Column({ type: 'boolean', default: false })
  supportBanned!: boolean;

  /** The support-banned user has been told once; later messages are refused quietly. */
  @Column({ type: 'boolean', default: false })
  supportBanTold!: boolean;

  /** The staff account an admin logged in with, re-checked on every admin action. */
  @Index()
  @Column({ type: 'integer', nullable: true })
  staffUserId!: number | null;

  @ManyToOne('User', { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'staff_user_id' })
  staffUser?: Relation<User> | null;

  @Index()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany('ShopLink', (l: ShopLink) => l.telegramUser)
  links?: Relation<ShopLink[]>;
}
