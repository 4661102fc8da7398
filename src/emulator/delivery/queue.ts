/** The update queue: entries in update_id order, confirmed by getUpdates offsets or by webhook delivery. */
import type { TgUpdate } from '../types.js';

export type UpdateBody = Omit<TgUpdate, 'update_id'>;

export interface QueueEntry {
  update: TgUpdate;
  done: boolean;
  inFlight: boolean;
  attempts: number;
}

export class UpdateQueue {
  /** `head` skips the confirmed prefix. */
  entries: QueueEntry[] = [];
  head = 0;
  /** Updates queued but not yet confirmed (polling) or delivered (webhook). */
  pending = 0;
  nextUpdateId = 1;
  /** The highest offset getUpdates confirmed so far. */
  confirmed = 0;
  allowedUpdates: Set<string> | null = null;

  number(body: UpdateBody): TgUpdate {
    return { update_id: this.nextUpdateId++, ...body } as TgUpdate;
  }

  /** Queues the update unless allowed_updates leaves its type out; says whether it did. */
  push(update: TgUpdate): boolean {
    const type = Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
    if (this.allowedUpdates && !this.allowedUpdates.has(type)) return false;
    this.entries.push({ update, done: false, inFlight: false, attempts: 0 });
    this.pending++;
    return true;
  }

  setAllowed(allowed: unknown[]): void {
    this.allowedUpdates = allowed.length > 0 ? new Set(allowed.map(String)) : null;
  }

  /** getUpdates' offset: confirms every update below it; a negative one keeps only the last |offset|. */
  confirm(offset: number): void {
    if (offset < 0) {
      let keep = -offset;
      for (let i = this.entries.length - 1; i >= this.head; i--) {
        const e = this.entries[i];
        if (e.done) continue;
        if (keep > 0) keep--;
        else this.markDone(e);
      }
    } else {
      this.confirmed = Math.max(this.confirmed, offset);
      for (let i = this.head; i < this.entries.length && this.entries[i].update.update_id < offset; i++) {
        this.markDone(this.entries[i]);
      }
    }
    this.compact();
  }

  markDone(e: QueueEntry): void {
    if (e.done) return;
    e.done = true;
    this.pending--;
  }

  dropAll(): void {
    for (let i = this.head; i < this.entries.length; i++) this.markDone(this.entries[i]);
    this.compact();
  }

  compact(): void {
    while (this.head < this.entries.length && this.entries[this.head].done) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  collect(limit: number): TgUpdate[] {
    const out: TgUpdate[] = [];
    for (let i = this.head; i < this.entries.length && out.length < limit; i++) {
      if (!this.entries[i].done) out.push(this.entries[i].update);
    }
    return out;
  }
}
