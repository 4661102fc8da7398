import { BaseEntity, Column, Entity, Index, OneToMany, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import type { UserGroup } from './user-group.js';

export const TELEGRAM_ADMINS_GROUP = 'telegram_admins';

@Entity({ name: 'groups' })
export class Group extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 150 })
  name!: string;

  @OneToMany('UserGroup', (m: UserGroup) => m.group)
  memberships?: Relation<UserGroup[]>;
}
