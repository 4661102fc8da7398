/**
 * The plain API key of a shop just created in the panel, kept in memory (never in the database nor
 * in the session table) for the one screen that shows it, and handed out once, to the staff member
 * who created the shop, within ten minutes. A restart in between loses it: the staff member then
 * sets a new key. (Several panel processes behind a load balancer would need sticky sessions.)
 *
 * Once handed out, the entry stays, keyless, until it expires: the screen that showed the key can be
 * opened again (a reload) and says the key was already shown.
 */
export class OneTimeKeys {
  private readonly keys = new Map<string, { key: string | null; expires: number }>();

  constructor(private readonly ttlMs = 10 * 60_000) {}

  put(actorId: number, shopId: number, key: string): void {
    this.sweep();
    this.keys.set(`${actorId}:${shopId}`, { key, expires: Date.now() + this.ttlMs });
  }

  /** Whether this staff member has a key of this shop to see, or just saw it (until it expires). */
  has(actorId: number, shopId: number): boolean {
    const entry = this.keys.get(`${actorId}:${shopId}`);
    return !!entry && entry.expires > Date.now();
  }

  take(actorId: number, shopId: number): string | null {
    const entry = this.keys.get(`${actorId}:${shopId}`);
    if (!entry || entry.expires <= Date.now()) return null;
    const { key } = entry;
    entry.key = null;
    return key;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.keys) if (entry.expires <= now) this.keys.delete(id);
  }
}
