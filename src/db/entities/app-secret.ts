import { BaseEntity, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * Secrets the app makes for itself once and keeps: the key that hashes login_failures keys when no
 * SESSION_SECRET is configured (development). Never shown in the panel.
 */
@Entity({ name: 'app_secrets' })
export class AppSecret extends BaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'text' })
  value!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
