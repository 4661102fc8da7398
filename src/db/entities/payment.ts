import {
  BaseEntity,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import type { TelegramUser } from './telegram-user.js';

/** One row per successful Telegram payment; the unique charge id makes a redelivered payment count once. */
@Entity({ name: 'payments' })
// The dashboard's month totals read (created_at) INCLUDE (currency, amount), which TypeORM can't express.
@Index('ix_payments_created_at_totals', { synchronize: false })
export class Payment extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 255 })
  telegramChargeId!: string;

  @Column({ type: 'varchar', length: 255 })
  providerChargeId!: string;

  /** In minor units (kopecks for RUB). */
  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Index()
  @Column({ type: 'bigint' })
  payerTelegramId!: number;

  @Index()
  @Column({ type: 'integer', nullable: true })
  telegramUserId!: number | null;

  @ManyToOne('TelegramUser', { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'telegram_user_id' })
  telegramUser?: Relation<TelegramUser> | null;

  /** The subscription end this payment produced. */
  @Column({ type: 'timestamptz', nullable: true })
  paidUntil!: Date | null;

  @Index()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
