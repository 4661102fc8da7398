import {
  BaseEntity,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import type { Group } from './group.js';
import type { User } from './user.js';

/** Group membership as an explicit entity, manageable in the panel. */
@Entity({ name: 'user_groups' })
@Unique('uq_user_groups_user_group', ['userId', 'groupId'])
export class UserGroup extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer' })
  userId!: number;

  @ManyToOne('User', (u: User) => u.memberships, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Index()
  @Column({ type: 'integer' })
  groupId!: number;

  @ManyToOne('Group', (g: Group) => g.memberships, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'group_id' })
  group?: Relation<Group>;
}
