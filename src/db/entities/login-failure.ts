import { BaseEntity, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Failed login attempts (bot and panel), kept in the database so a limit survives a restart. */
@Entity({ name: 'login_failures' })
@Index('ix_login_failures_scope_key_at', ['scope', 'key', 'createdAt'])
export class LoginFailure extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** e.g. 'bot', 'panel-ip', 'panel-user'. */
  @Column({ type: 'varchar', length: 32 })
  scope!: string;

  @Column({ type: 'varchar', length: 255 })
  key!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
