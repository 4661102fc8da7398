import {
  BaseEntity,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { TelegramUser } from './telegram-user.js';

export const SUPPORT_CHANNEL_KINDS = ['topics', 'webim', 'planfix', 'twin'] as const;
export type SupportChannelKind = (typeof SUPPORT_CHANNEL_KINDS)[number];
/** online: started and passed its check; offline: stopped; failed: its start-up check said no (last_error says why). */
export const SUPPORT_CHANNEL_STATUSES = ['online', 'offline', 'failed'] as const;
export type SupportChannelStatus = (typeof SUPPORT_CHANNEL_STATUSES)[number];
export const CONVERSATION_STATUSES = ['open', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const SUPPORT_DIRECTIONS = ['to_operator', 'to_seller'] as const;
export type SupportDirection = (typeof SUPPORT_DIRECTIONS)[number];

/**
 * A platform the operators work on (seeds 000/001: integration settings live in the database).
 * Secret settings are sealed (AES-256-GCM under SECRET_KEY) inside `settings`; the management API's
 * per-channel token is kept only as a SHA-256 hash.
 */
@Entity({ name: 'support_channels' })
@Index('ux_support_channels_default', ['isDefault'], { unique: true, where: '"is_default"' })
export class SupportChannel extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: SupportChannelKind;

  /** Plain settings, and secret ones as {"$sealed": "..."}; never shown whole. */
  @Column({ type: 'jsonb', default: {} })
  settings!: Record<string, unknown>;

  /** Whether it should run (start/stop); `status` says whether it does. */
  @Column({ type: 'boolean', default: false })
  running!: boolean;

  @Column({ type: 'boolean', default: false })
  isDefault!: boolean;

  @Column({ type: 'varchar', length: 16, default: 'offline' })
  status!: SupportChannelStatus;

  /** Why the start-up check failed, or the last delivery error (no message text). */
  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64, nullable: true, select: false })
  apiTokenHash!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** A seller's conversation with one channel: ids and times only, never a text. */
@Entity({ name: 'support_conversations' })
@Index('ux_support_conversations_open', ['telegramUserId'], { unique: true, where: `"status" = 'open'` })
@Index('ix_support_conversations_channel_external', ['channelId', 'externalId'])
export class SupportConversation extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index()
  @Column({ type: 'integer' })
  telegramUserId!: number;

  @ManyToOne('TelegramUser', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'telegram_user_id' })
  telegramUser?: Relation<TelegramUser>;

  @Column({ type: 'integer' })
  channelId!: number;

  @ManyToOne('SupportChannel', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: Relation<SupportChannel>;

  /** The platform's id (a forum thread, a visitor, a chat); null until the channel has opened it. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 8, default: 'open' })
  status!: ConversationStatus;

  /** The channel must (re)open it on the platform before the next delivery. */
  @Column({ type: 'boolean', default: true })
  needsOpen!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  openedAt!: Date;

  @Index()
  @Column({ type: 'timestamptz', default: () => 'now()' })
  lastActivityAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  operatorName!: string | null;

  /** Channel-specific ids (a session's ttl…), as the channel wrote them. */
  @Column({ type: 'jsonb', default: {} })
  state!: Record<string, unknown>;
}

/** A Telegram message ↔ a platform message, for replies, edits and delivery status. Ids only. */
@Entity({ name: 'support_message_pairs' })
@Index('ix_support_message_pairs_tg', ['chatId', 'messageId'])
@Index('ix_support_message_pairs_external', ['conversationId', 'externalId'])
export class SupportMessagePair extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  conversationId!: number;

  @ManyToOne('SupportConversation', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id' })
  conversation?: Relation<SupportConversation>;

  /** The seller's private chat. */
  @Column({ type: 'bigint' })
  chatId!: number;

  @Column({ type: 'integer' })
  messageId!: number;

  @Column({ type: 'varchar', length: 255 })
  externalId!: string;

  @Column({ type: 'varchar', length: 12 })
  direction!: SupportDirection;

  @Index()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/** Operator messages already taken in, so a platform's retry is not delivered twice. Pruned. */
@Entity({ name: 'support_inbound_seen' })
export class SupportInboundSeen extends BaseEntity {
  @PrimaryColumn({ type: 'integer' })
  channelId!: number;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  externalMessageId!: string;

  @Index()
  @CreateDateColumn({ type: 'timestamptz' })
  seenAt!: Date;
}

/**
 * Messages waiting to be delivered, both ways. The payload is sealed (it may carry a text while it
 * waits) and the row is deleted the moment it is delivered or given up.
 */
@Entity({ name: 'support_outbox' })
@Index('ix_support_outbox_due', ['direction', 'nextAttemptAt'])
@Index('ix_support_outbox_conversation', ['conversationId', 'direction', 'id'])
export class SupportOutbox extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 12 })
  direction!: SupportDirection;

  @Column({ type: 'integer' })
  conversationId!: number;

  @ManyToOne('SupportConversation', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'conversation_id' })
  conversation?: Relation<SupportConversation>;

  /** An album's items wait together (debounced) and go as one unit. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  mediaGroupId!: string | null;

  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/** Messages relayed per day, each way: a counter for the dashboard, not a log. */
@Entity({ name: 'support_daily_counts' })
export class SupportDailyCount extends BaseEntity {
  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ type: 'integer', default: 0 })
  toOperator!: number;

  @Column({ type: 'integer', default: 0 })
  toSeller!: number;
}
