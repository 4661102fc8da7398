/** How many recent update ids are remembered to drop redeliveries (polling and webhook alike). */
export const UPDATE_ID_WINDOW = 10_000;

/**
 * The update ids seen lately, oldest forgotten first: Telegram may deliver an update again (a
 * webhook retry, a poll after a lost confirmation), and it must be handled once. In memory: a
 * restart forgets them.
 */
export class RecentUpdateIds {
  private readonly seen = new Set<number>();

  constructor(private readonly window = UPDATE_ID_WINDOW) {}

  /** True the first time an id is offered, false for a repeat within the window. */
  firstTime(id: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.window) {
      const oldest = this.seen.values().next().value as number;
      this.seen.delete(oldest);
    }
    return true;
  }
}
