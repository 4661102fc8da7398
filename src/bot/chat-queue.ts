/**
 * Runs tasks of one chat one at a time and in arrival order, and different chats concurrently,
 * with a cap on how many run at once. Telegraf's own polling awaits whole batches with
 * Promise.all, so one slow chat would hold up the next poll for everybody; this doesn't.
 */
export class ChatQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly slotWaiters: Array<() => void> = [];
  private running = 0;
  private queued = 0;

  constructor(private readonly maxConcurrent = 64) {}

  /** Tasks queued or running. */
  get size(): number {
    return this.queued;
  }

  /** Queues a task; the returned promise settles when the task has run (it never rejects). */
  push(key: string | undefined, task: () => Promise<void>): Promise<void> {
    this.queued++;
    const previous = key === undefined ? Promise.resolve() : (this.tails.get(key) ?? Promise.resolve());
    const run = previous.then(async () => {
      await this.acquire();
      try {
        await task();
      } catch {
        // The task reports its own errors; the chain must go on for the chat's next update.
      } finally {
        this.release();
      }
    });
    if (key !== undefined) {
      this.tails.set(key, run);
      void run.then(() => {
        if (this.tails.get(key) === run) this.tails.delete(key);
      });
    }
    return run.then(() => {
      this.queued--;
      if (this.queued === 0) this.idleWaiters.splice(0).forEach((w) => w());
    });
  }

  /** Resolves when every queued task has finished. */
  drain(): Promise<void> {
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private release(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.running--;
  }
}
