import { BaseEntity, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const INBOX_STATUSES = ['pending', 'done', 'parked', 'rerun'] as const;
/**
 * pending: stored, not yet handled to the end (replayed at start); done: handled (payload dropped);
 * parked: in flight during three crashes in a row, set aside for staff; rerun: staff asked for a
 * parked update to run again (the intake picks it up within seconds).
 */
export type InboxStatus = (typeof INBOX_STATUSES)[number];

/**
 * The durable inbox of Telegram updates: every update is stored here before Telegram is told it
 * arrived (polling advances its offset, the webhook answers 200), so a crash loses none, and the
 * update id as primary key drops a delivery seen before, across restarts. The payload is the
 * update as Telegram sent it, kept only until the update is handled.
 */
@Entity({ name: 'tg_inbox' })
@Index('ix_tg_inbox_open', ['status', 'updateId'], { where: `"status" <> 'done'` })
export class InboxUpdate extends BaseEntity {
  @PrimaryColumn({ type: 'bigint' })
  updateId!: number;

  /** The chat whose updates run in order (null: an update without a chat). */
  @Column({ type: 'bigint', nullable: true })
  chatKey!: number | null;

  /** The update's kind: message, callback_query, … */
  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  /** The update as Telegram sent it; null once handled. Never read by the panel (not selected). */
  @Column({ type: 'jsonb', nullable: true, select: false })
  payload!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: InboxStatus;

  /** Starts that a crash interrupted (replays at start count them). */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  doneAt!: Date | null;
}
