import type { EntityManager } from 'typeorm';
import type { LinkSource } from '../db/entities/index.js';
import { DomainError } from './errors.js';
import { isForeignKeyViolation, run, type Db } from './sql.js';

/** The seller ↔ shop links (an admin's links are kept but ignored: admins see every shop). */
export class ShopLinkService {
  constructor(private readonly ds: Db) {}

  /**
   * Links a shop to a user; linking again is a quiet 'already' (the first source is kept).
   * Pass the transaction's `em` when called inside one. A shop or user that no longer exists is a
   * DomainError('not_found').
   */
  async link(
    em: EntityManager | undefined,
    telegramUserId: number,
    shopId: number,
    source: LinkSource,
  ): Promise<'linked' | 'already'> {
    try {
      const { rows } = await run(
        em ?? this.ds,
        `INSERT INTO shop_links (telegram_user_id, shop_id, source) VALUES ($1, $2, $3)
         ON CONFLICT ON CONSTRAINT uq_shop_links_user_shop DO NOTHING
         RETURNING id`,
        [telegramUserId, shopId, source],
      );
      return rows.length > 0 ? 'linked' : 'already';
    } catch (err) {
      if (isForeignKeyViolation(err))
        throw new DomainError('not_found', 'The shop or the user no longer exists.');
      throw err;
    }
  }

  /** True when a link was removed. */
  async unlink(telegramUserId: number, shopId: number): Promise<boolean> {
    const { count } = await run(
      this.ds,
      `DELETE FROM shop_links WHERE telegram_user_id = $1 AND shop_id = $2`,
      [telegramUserId, shopId],
    );
    return count > 0;
  }
}
