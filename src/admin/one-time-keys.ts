/**
 * The plain API key of a shop just created in the panel, kept in memory (never in the database nor
 * in the session table) for the one screen that shows it, and handed out once, to the staff member
 * who created the shop, within ten minutes. A restart in between loses it: the staff member then
 * sets a new key. (Several panel processes behind a load balancer would need sticky sessions.)
 */
export class OneTimeKeys {
  private readonly keys = new Map<string, { key: string; expires: number }>();

  constructor(private readonly ttlMs = 10 * 60_000) {}

  put(actorId: number, shopId: number, key: string): void {
    this.sweep();
    this.keys.set(`${actorId}:${shopId}`, { key, expires: Date.now() + this.ttlMs });
  }

  take(actorId: number, shopId: number): string | null {
    const id = `${actorId}:${shopId}`;
    const entry = this.keys.get(id);
    this.keys.delete(id);
    return entry && entry.expires > Date.now() ? entry.key : null;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.keys) if (entry.expires <= now) this.keys.delete(id);
  }
}
