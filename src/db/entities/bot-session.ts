import { BaseEntity, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A bot session (pending input and the like), kept in the database so a restart loses nothing. */
@Entity({ name: 'bot_sessions' })
export class BotSession extends BaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @Index()
  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
