import type { DataSource } from 'typeorm';
import { BotSession } from './entities/index.js';

/**
 * Bot sessions in the database, so a restart in the middle of a login resumes at the same prompt.
 * Our own store rather than @telegraf/session: that one needs a beta pinned exactly plus kysely and
 * a separate pg.Pool, while this is one upsert on the table the migrations already manage, works
 * the same on both databases and expires rows by time.
 */
export class SessionStore<T extends object> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
  ) {}

  async get(key: string): Promise<T | undefined> {
    const row = await this.dataSource
      .getRepository(BotSession)
      .findOne({ where: { key }, select: { data: true, expiresAt: true } });
    if (!row || row.expiresAt.getTime() <= Date.now()) return undefined;
    return row.data as T;
  }

  async set(key: string, data: T): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO bot_sessions (key, data, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      [key, JSON.stringify(data), new Date(Date.now() + this.ttlMs)],
    );
  }

  async delete(key: string): Promise<void> {
    await this.dataSource.getRepository(BotSession).delete({ key });
  }
}
