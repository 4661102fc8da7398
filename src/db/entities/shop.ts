import {
  BaseEntity,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { ShopLink } from './shop-link.js';
import type { Storage } from './storage.js';

@Entity({ name: 'shops' })
// Trigram indexes for the panel's substring search: made by a migration, which TypeORM can't express.
@Index('ix_shops_name_trgm', { synchronize: false })
@Index('ix_shops_vendor_name_trgm', { synchronize: false })
export class Shop extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index()
  @Column({ type: 'varchar', length: 1024 })
  name!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 100 })
  slug!: string;

  /** SHA-256 (hex) of the shop's API key: the key itself is never stored. */
  @Index({ unique: true })
  @Column({ type: 'char', length: 64, select: false })
  apiKeyHash!: string;

  /** The first characters of the key, so that staff can tell keys apart. Not a secret. */
  @Column({ type: 'varchar', length: 16 })
  apiKeyPrefix!: string;

  @Column({ type: 'varchar', length: 255 })
  clientId!: string;

  @Column({ type: 'varchar', length: 1024 })
  vendorName!: string;

  // Not indexed: a switch then rewrites the row in place (migration ShopSwitchInPlace).
  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'boolean', default: false })
  updatePrices!: boolean;

  /** The marketplace's id for this shop (the shop sync's key); null for a shop it has not sent. */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64, nullable: true })
  externalId!: string | null;

  /**
   * Bumped by one (by a database trigger) on every change of a synced field; an inbound change
   * brings its own, greater, version. Both sides apply only a greater version than they hold.
   */
  @Column({ type: 'bigint', default: 1 })
  version!: number;

  /** When the marketplace last confirmed this shop's state: an inbound change applied or an outbound one published. */
  @Column({ type: 'timestamptz', nullable: true })
  syncedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany('Storage', (s: Storage) => s.shop)
  storages?: Relation<Storage[]>;

  @OneToMany('ShopLink', (l: ShopLink) => l.shop)
  links?: Relation<ShopLink[]>;
}
