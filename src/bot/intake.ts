import type { Update } from 'telegraf/types';
import type { Logger } from '../logger.js';
import type { DueUpdate, InboxEntry, InboxService } from '../services/index.js';
import type { ChatQueue } from './chat-queue.js';

/** A crash during an update's run this many times in a row parks it (see InboxService.recover). */
export const MAX_CRASHED_ATTEMPTS = 3;

export interface IntakeOptions {
  inbox: Pick<InboxService, 'store' | 'markDone' | 'recover' | 'takeReruns'>;
  queue: ChatQueue;
  /** Handles one update (never rejects: the bot's error boundary answers failures). */
  handle: (update: Update) => Promise<void>;
  /** The chat an update is ordered in. */
  chatKey: (update: Update) => string | undefined;
  logger: Logger;
  /** Done marks are written together, at most this long after the first of a batch. */
  flushMs?: number;
  flushMax?: number;
  /** How often parked updates staff asked to re-run are looked for. */
  rerunEveryMs?: number;
}

/** The update's kind: its one field besides update_id. */
function kindOf(update: Update): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}

/**
 * The way every update comes in, whichever transport brought it: stored in the durable inbox first
 * (one INSERT per batch; an id stored before is dropped, across restarts), then run through the
 * per-chat queue, then marked done in batches. Until the store has committed the transport does
 * not tell Telegram the update arrived, so a crash at any moment loses nothing: what was stored
 * and not finished is replayed at the next start, in order.
 */
export class Intake {
  private doneIds: number[] = [];
  /** Chats with a done mark buffered, not yet written: the newest such update of each. */
  private unmarked = new Map<string, number>();
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private rerunTimer?: NodeJS.Timeout;
  private rerunning?: Promise<void>;

  constructor(private readonly opts: IntakeOptions) {}

  /**
   * Stores the updates (one statement) and queues the new ones; resolves when they are stored,
   * with how many were new and a promise that settles when those have been handled.
   */
  async receive(updates: Update[]): Promise<{ fresh: number; handled: Promise<unknown> }> {
    const entries: InboxEntry[] = updates.map((u) => {
      const chat = this.opts.chatKey(u);
      return {
        updateId: u.update_id,
        chatKey: chat === undefined ? null : Number(chat),
        kind: kindOf(u),
        payload: u,
      };
    });
    // The done marks waiting for their batch are written by this store: the update that follows
    // one of them in its chat (most often in this very batch) then finds it marked and runs at once.
    const marks = this.doneIds;
    this.doneIds = [];
    let fresh: Set<number>;
    try {
      fresh = await this.opts.inbox.store(entries, marks);
    } catch (err) {
      this.doneIds.unshift(...marks);
      throw err;
    }
    this.written(marks);
    const queued = updates.filter((u) => fresh.delete(u.update_id)).map((u) => this.dispatch(u));
    return { fresh: queued.length, handled: Promise.all(queued) };
  }

  /**
   * At start, before the first new update: replays what a crash left unfinished (oldest first, so
   * each chat keeps its order) and parks what was in flight during too many crashes in a row.
   */
  async recover(): Promise<{ replayed: number; parked: number[] }> {
    const { parked, replay } = await this.opts.inbox.recover(MAX_CRASHED_ATTEMPTS);
    if (parked.length)
      this.opts.logger.error(
        { updateIds: parked },
        'updates in flight during three crashes in a row were parked: see Inbox in the panel',
      );
    if (replay.length) this.opts.logger.info({ updates: replay.length }, 'replaying unfinished updates');
    this.run(replay);
    return { replayed: replay.length, parked };
  }

  /** Starts looking for parked updates staff asked to re-run. */
  start(): void {
    if (this.rerunTimer) return;
    this.rerunTimer = setInterval(() => {
      if (this.rerunning) return;
      this.rerunning = this.opts.inbox
        .takeReruns()
        .then(
          (due) => {
            if (due.length) this.opts.logger.info({ updates: due.length }, 're-running parked updates');
            this.run(due);
          },
          (err: unknown) => this.opts.logger.warn({ err }, 'could not look for updates to re-run'),
        )
        .finally(() => (this.rerunning = undefined));
    }, this.opts.rerunEveryMs ?? 5000);
    this.rerunTimer.unref();
  }

  /** Writes the done marks still buffered (call once the queue is drained). */
  async stop(): Promise<void> {
    clearInterval(this.rerunTimer);
    this.rerunTimer = undefined;
    await this.rerunning;
    await this.flush();
  }

  private run(due: DueUpdate[]): void {
    for (const d of due) void this.dispatch(d.payload as Update);
  }

  private dispatch(update: Update): Promise<void> {
    const chat = this.opts.chatKey(update);
    return this.opts.queue.push(chat, async () => {
      // A chat's update runs only once the one before it is marked done. Otherwise a crash after
      // both ran, before the batch of marks was written, replays the earlier one after the later
      // one: a seller switching a shop off and on again would see it switched off once more.
      if (chat !== undefined && this.unmarked.has(chat)) await this.flush();
      try {
        await this.opts.handle(update);
      } finally {
        this.done(update.update_id, chat);
      }
    });
  }

  private done(id: number, chat: string | undefined): void {
    this.doneIds.push(id);
    if (chat !== undefined) this.unmarked.set(chat, id);
    if (this.doneIds.length >= (this.opts.flushMax ?? 100)) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 20).unref();
  }

  /** These done marks are written: their chats' next updates need not wait for them. */
  private written(ids: number[]): void {
    if (ids.length === 0 || this.unmarked.size === 0) return;
    const marked = new Set(ids);
    for (const [chat, id] of this.unmarked) if (marked.has(id)) this.unmarked.delete(chat);
  }

  /** One UPDATE for every done mark buffered; one flush at a time; a failed one is retried with the next. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushing = this.flushing.then(async () => {
      const ids = this.doneIds;
      if (ids.length === 0) return;
      this.doneIds = [];
      try {
        await this.opts.inbox.markDone(ids);
        this.written(ids);
      } catch (err) {
        // Not lost: still pending in the table, so at worst replayed after a crash.
        this.opts.logger.warn({ err, updates: ids.length }, 'could not mark updates done; will retry');
        this.doneIds.unshift(...ids);
        this.flushTimer ??= setTimeout(() => void this.flush(), 1000).unref();
      }
    });
    return this.flushing;
  }
}
