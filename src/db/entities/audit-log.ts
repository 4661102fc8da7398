import { BaseEntity, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every change made in the panel: who, what, when, before and after. Append-only, hash-chained. */
@Entity({ name: 'audit_log' })
@Index('ix_audit_log_resource_record', ['resource', 'recordId'])
export class AuditLog extends BaseEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Index()
  @Column({ type: 'integer', nullable: true })
  actorId!: number | null;

  @Column({ type: 'varchar', length: 150 })
  actorUsername!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 64 })
  resource!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  recordId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: Record<string, unknown> | null;

  @Index()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  /**
   * HMAC-SHA256 (AUDIT_KEY) of the previous row's hash and this row's content: the tamper-evident
   * chain. Null only for rows written before the chain began (the database refuses new ones without).
   */
  @Column({ type: 'varchar', length: 64, nullable: true })
  hash!: string | null;
}
