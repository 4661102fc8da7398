import {
  BaseEntity,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import type { Shop } from './shop.js';

@Entity({ name: 'storages' })
export class Storage extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 1024 })
  name!: string;

  @Column({ type: 'varchar', length: 255 })
  ozonId!: string;

  @Index()
  @Column({ type: 'integer' })
  shopId!: number;

  /** RESTRICT: a shop that still has storages can't be deleted (the original's PROTECT). */
  @ManyToOne('Shop', (s: Shop) => s.storages, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'shop_id' })
  shop?: Relation<Shop>;
}
