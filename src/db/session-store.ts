import type { DataSource } from 'typeorm';
import { runPrepared } from '../services/sql.js';
import { accessWithSession, type Access } from '../services/users.js';

/**
 * Bot sessions in the database, so a restart in the middle of a login resumes at the same prompt.
 * Our own store rather than @telegraf/session: that one needs a beta pinned exactly plus kysely and
 * a separate pg.Pool, while this is one upsert on the table the migrations already manage, works
 * the same on both databases and expires rows by time.
 *
 * Raw SQL, prepared once (services/sql.ts, runPrepared): every update reads its session, and
 * TypeORM's findOne was a sixth of the bot's CPU.
 */
export class SessionStore<T extends object> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly ttlMs: number,
  ) {}

  async get(key: string): Promise<T | undefined> {
    const { rows } = await runPrepared<{ data: T; expires_at: Date }>(
      this.dataSource,
      `SELECT data, expires_at FROM bot_sessions WHERE key = $1`,
      [key],
    );
    const row = rows[0];
    return row && this.live(row.expires_at) ? row.data : undefined;
  }

  /**
   * The session and the user's access in one round trip: what the bot reads at the start of every
   * update (the gate and the handlers reuse the access read here).
   */
  async getWithAccess(key: string, telegramId: number): Promise<{ data: T | undefined; access: Access }> {
    const { access, session } = await accessWithSession(this.dataSource, telegramId, key);
    return { data: session && this.live(session.expiresAt) ? (session.data as T) : undefined, access };
  }

  async set(key: string, data: T, json = JSON.stringify(data)): Promise<void> {
    await runPrepared(
      this.dataSource,
      `INSERT INTO bot_sessions (key, data, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      [key, json, new Date(Date.now() + this.ttlMs)],
    );
  }

  async delete(key: string): Promise<void> {
    await runPrepared(this.dataSource, `DELETE FROM bot_sessions WHERE key = $1`, [key]);
  }

  private live(expiresAt: Date): boolean {
    return expiresAt.getTime() > Date.now();
  }
}
