import {
  BaseEntity,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import type { UserGroup } from './user-group.js';

/** A staff account, as Django's auth.User: it logs in to the panel, and admins use it to log in to the bot. */
@Entity({ name: 'users' })
export class User extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 150 })
  username!: string;

  @Column({ type: 'varchar', length: 254, default: '' })
  email!: string;

  /** bcrypt; never selected unless asked for. */
  @Column({ type: 'varchar', length: 100, select: false })
  passwordHash!: string;

  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'boolean', default: false })
  isStaff!: boolean;

  @Column({ type: 'boolean', default: false })
  isSuperuser!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  lastLogin!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  dateJoined!: Date;

  /** The panel's language ('ru' or 'en') as chosen on "My account"; null: the browser's. */
  @Column({ type: 'varchar', length: 2, nullable: true })
  panelLanguage!: string | null;

  /** The panel's time zone (IANA name) as chosen on "My account"; null: PANEL_TIME_ZONE. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  panelTimeZone!: string | null;

  @OneToMany('UserGroup', (m: UserGroup) => m.user)
  memberships?: Relation<UserGroup[]>;
}
