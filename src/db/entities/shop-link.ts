import {
  BaseEntity,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import type { Shop } from './shop.js';
import type { TelegramUser } from './telegram-user.js';

export const LINK_SOURCES = ['login', 'add', 'admin'] as const;
export type LinkSource = (typeof LINK_SOURCES)[number];

/** The seller-shop many-to-many as an entity of its own, so that the panel can manage it. */
@Entity({ name: 'shop_links' })
@Unique('uq_shop_links_user_shop', ['telegramUserId', 'shopId'])
export class ShopLink extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  telegramUserId!: number;

  @ManyToOne('TelegramUser', (u: TelegramUser) => u.links, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'telegram_user_id' })
  telegramUser?: Relation<TelegramUser>;

  @Index()
  @Column({ type: 'integer' })
  shopId!: number;

  @ManyToOne('Shop', (s: Shop) => s.links, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'shop_id' })
  shop?: Relation<Shop>;

  @Column({ type: 'enum', enum: LINK_SOURCES, enumName: 'shop_link_source' })
  source!: LinkSource;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
