import { Shop } from '../db/entities/index.js';
import { DomainError } from './errors.js';
import { valid } from './rules.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './secrets.js';
import { slugify } from './slug.js';
import type { SaveOutcome } from './staff.js';
import {
  columns,
  hydrate,
  isForeignKeyViolation,
  isUniqueViolation,
  run,
  runPrepared,
  sqlOnce,
  transaction,
  uniqueIndexName,
  type Db,
} from './sql.js';

/** Who is looking: TelegramUser.id and role. An admin sees every shop, a seller only linked ones. */
export type Viewer = { id: number; role: 'admin' | 'seller' };

export type ShopListItem = { id: number; name: string; isActive: boolean };
export type ShopPage = { items: ShopListItem[]; total: number; offset: number; limit: number };

export type SetOutcome = { outcome: 'changed' | 'unchanged' | 'not_found'; shop: Shop | null };

export type CreateShopInput = {
  name: string;
  slug?: string;
  apiKey?: string;
  clientId: string;
  vendorName: string;
  isActive?: boolean;
  updatePrices?: boolean;
};

export const LIST_LIMIT_MAX = 100;

/** The shop columns the bot may set, and nothing else can reach the SQL below. */
const FLAG_COLUMNS = { isActive: 'is_active', updatePrices: 'update_prices' } as const;

/**
 * The condition under which the viewer sees shop `s`, checked in the same statement as the read or
 * the write, so a forged or stale shop id from a button changes nothing: an admin sees every shop, a
 * seller those linked to them (one probe of the links' unique index). Two statements rather than
 * one with `($admin OR EXISTS …)`: each gets its own plan, and a prepared statement's generic plan
 * can't drop the branch that doesn't apply. `viewerParam` is the seller's parameter ($n).
 */
const visibleTo = (viewer: Viewer, viewerParam: string) =>
  viewer.role === 'admin'
    ? 'true'
    : `EXISTS (SELECT 1 FROM shop_links l WHERE l.shop_id = s.id AND l.telegram_user_id = ${viewerParam})`;

/** The viewer's id as the last parameter, for a seller only (an admin's statement has no use for it). */
const viewerParams = (viewer: Viewer, params: unknown[]) =>
  viewer.role === 'admin' ? params : [...params, viewer.id];

export class ShopService {
  constructor(private readonly ds: Db) {}

  /**
   * One page of the shops the viewer may see, ordered by id, with the total, in one round trip.
   * An offset past the end gives the last non-empty page (a stale "next" button after a delete shows
   * real shops, not an empty page); the offset actually used is returned.
   */
  async list(viewer: Viewer, offset: number, limit: number): Promise<ShopPage> {
    const lim = Math.min(Math.max(Math.trunc(limit) || 1, 1), LIST_LIMIT_MAX);
    const off = Math.max(Math.trunc(offset) || 0, 0);
    // A seller's page is driven from their links (the unique index on user and shop), not by
    // testing every shop for a link; an admin's from the shops' primary key.
    const admin = viewer.role === 'admin';
    const { rows } = await runPrepared(
      this.ds,
      sqlOnce(
        this.ds,
        admin ? 'shops.list.admin' : 'shops.list.seller',
        () => `WITH total AS (
         SELECT count(*)::int AS n FROM ${admin ? 'shops' : 'shop_links l WHERE l.telegram_user_id = $3'}
       ), eff AS (
         SELECT n, CASE WHEN n = 0 THEN 0
                        WHEN $1::int >= n THEN ((n - 1) / $2::int) * $2::int
                        ELSE $1::int END AS off
         FROM total
       )
       SELECT eff.n AS total, eff.off AS eff_offset, v.id, v.name, v.is_active
       FROM eff
       LEFT JOIN LATERAL (
         ${
           admin
             ? 'SELECT s.id, s.name, s.is_active FROM shops s ORDER BY s.id'
             : `SELECT s.id, s.name, s.is_active FROM shop_links l JOIN shops s ON s.id = l.shop_id
                WHERE l.telegram_user_id = $3 ORDER BY l.shop_id`
         }
         OFFSET eff.off LIMIT $2::int) v ON true
       ORDER BY v.id`,
      ),
      viewerParams(viewer, [off, lim]),
    );
    const first = rows[0]!;
    return {
      items: rows
        .filter((r) => r.id !== null)
        .map((r) => ({ id: r.id as number, name: r.name as string, isActive: r.is_active as boolean })),
      total: first.total as number,
      offset: first.eff_offset as number,
      limit: lim,
    };
  }

  /** The shop, or null when it doesn't exist or the seller has no link to it. */
  async get(viewer: Viewer, shopId: number): Promise<Shop | null> {
    if (!isId(shopId)) return null;
    const { rows } = await runPrepared(
      this.ds,
      sqlOnce(
        this.ds,
        viewer.role === 'admin' ? 'shops.get.admin' : 'shops.get.seller',
        () =>
          `SELECT ${columns(this.ds, Shop, 's')} FROM shops s WHERE s.id = $1 AND ${visibleTo(viewer, '$2')}`,
      ),
      viewerParams(viewer, [shopId]),
    );
    return rows[0] ? hydrate(this.ds, Shop, rows[0]) : null;
  }

  /** Sets `is_active` to the value the user saw on the button (never a flip). */
  setActive(viewer: Viewer, shopId: number, value: boolean): Promise<SetOutcome> {
    return this.setFlag('isActive', viewer, shopId, value);
  }

  /** Sets `update_prices` to the value the user saw on the button (never a flip). */
  setUpdatePrices(viewer: Viewer, shopId: number, value: boolean): Promise<SetOutcome> {
    return this.setFlag('updatePrices', viewer, shopId, value);
  }

  /**
   * One statement: lock the row if the viewer may see it, write only when the value differs, and
   * return either the written row ('changed') or the locked current row ('unchanged'). Reading the
   * current row under the same lock (rather than in a second query, or from the statement's
   * snapshot) means an 'unchanged' answer always shows the value that is really stored, even when a
   * concurrent call wrote it a moment earlier. Concurrent calls queue on the one row lock: no deadlock.
   */
  private async setFlag(
    flag: keyof typeof FLAG_COLUMNS,
    viewer: Viewer,
    shopId: number,
    value: boolean,
  ): Promise<SetOutcome> {
    if (!isId(shopId)) return { outcome: 'not_found', shop: null };
    const { rows } = await runPrepared(
      this.ds,
      sqlOnce(this.ds, `shops.setFlag.${flag}.${viewer.role === 'admin' ? 'admin' : 'seller'}`, () => {
        const col = FLAG_COLUMNS[flag];
        const cols = columns(this.ds, Shop);
        return `WITH cur AS (
         SELECT ${columns(this.ds, Shop, 's')} FROM shops s
         WHERE s.id = $1 AND ${visibleTo(viewer, '$3')}
         FOR UPDATE OF s
       ), upd AS (
         UPDATE shops s SET ${col} = $2::boolean, updated_at = now()
         FROM cur WHERE s.id = cur.id AND cur.${col} IS DISTINCT FROM $2::boolean
         RETURNING ${columns(this.ds, Shop, 's')}
       )
       SELECT 'changed' AS x_outcome, ${cols} FROM upd
       UNION ALL
       SELECT 'unchanged', ${cols} FROM cur WHERE NOT EXISTS (SELECT 1 FROM upd)`;
      }),
      viewerParams(viewer, [shopId, value]),
    );
    const row = rows[0];
    if (!row) return { outcome: 'not_found', shop: null };
    return { outcome: row.x_outcome as 'changed' | 'unchanged', shop: hydrate(this.ds, Shop, row) };
  }

  /** The shop whose API key this is, by its SHA-256 (unique index); the key itself is never stored. */
  async findByApiKey(apiKey: string): Promise<Shop | null> {
    if (!apiKey || !apiKey.trim()) return null;
    const { rows } = await runPrepared(
      this.ds,
      sqlOnce(
        this.ds,
        'shops.findByApiKey',
        () => `SELECT ${columns(this.ds, Shop, 's')} FROM shops s WHERE s.api_key_hash = $1`,
      ),
      [hashApiKey(apiKey)],
    );
    return rows[0] ? hydrate(this.ds, Shop, rows[0]) : null;
  }

  /**
   * Creates a shop. The slug comes from the name when absent (transliterated, made unique with -2,
   * -3…); the key is generated when absent. Returns the plain key: the only time anyone sees it.
   * A taken key or an explicitly given taken slug is a DomainError('conflict').
   */
  async create(input: CreateShopInput): Promise<{ shop: Shop; apiKey: string }> {
    const name = valid('shopName', input.name);
    const clientId = valid('clientId', input.clientId);
    const vendorName = valid('vendorName', input.vendorName);
    const apiKey = input.apiKey === undefined ? generateApiKey() : valid('apiKey', input.apiKey);
    const explicitSlug = input.slug === undefined ? undefined : valid('slug', input.slug);

    for (let attempt = 0; ; attempt++) {
      const slug = explicitSlug ?? (await this.freeSlug(slugify(name)));
      try {
        const { rows } = await run(
          this.ds,
          `INSERT INTO shops AS s
             (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name, is_active, update_prices)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING ${columns(this.ds, Shop, 's')}`,
          [
            name,
            slug,
            hashApiKey(apiKey),
            apiKeyPrefix(apiKey),
            clientId,
            vendorName,
            input.isActive ?? true,
            input.updatePrices ?? false,
          ],
        );
        return { shop: hydrate(this.ds, Shop, rows[0]!), apiKey: apiKey.trim() };
      } catch (err) {
        if (this.isKeyConflict(err)) {
          throw new DomainError('conflict', 'Another shop already has this API key.');
        }
        if (isUniqueViolation(err, uniqueIndexName(this.ds, Shop, 'slug'), 'slug')) {
          // A derived slug was taken between the look-up and the insert: pick again.
          if (explicitSlug === undefined && attempt < 5) continue;
          throw new DomainError('conflict', `The slug "${slug}" is taken by another shop.`);
        }
        throw err;
      }
    }
  }

  /**
   * Replaces the shop's API key and returns the new plain key (shown once). Seller links are kept by
   * default: a key is rotated when it leaked or the marketplace re-issued it, and the sellers who
   * proved the old key are still the shop's people. To cut a seller off, unlink them, or pass
   * `{ unlinkSellers: true }` to drop every link in the same transaction (they must prove the new key).
   */
  async setApiKey(shopId: number, apiKey?: string, opts: { unlinkSellers?: boolean } = {}): Promise<string> {
    const key = apiKey === undefined ? generateApiKey() : valid('apiKey', apiKey);
    if (!isId(shopId)) throw new DomainError('not_found', `There is no shop #${shopId}.`);
    try {
      const count = await transaction(this.ds, async (em) => {
        const { count } = await run(
          em,
          `UPDATE shops SET api_key_hash = $2, api_key_prefix = $3, updated_at = now() WHERE id = $1`,
          [shopId, hashApiKey(key), apiKeyPrefix(key)],
        );
        if (count > 0 && opts.unlinkSellers) {
          await run(em, `DELETE FROM shop_links WHERE shop_id = $1`, [shopId]);
        }
        return count;
      });
      if (count === 0) throw new DomainError('not_found', `There is no shop #${shopId}.`);
    } catch (err) {
      if (this.isKeyConflict(err))
        throw new DomainError('conflict', 'Another shop already has this API key.');
      throw err;
    }
    return key.trim();
  }

  /** Deletes a shop and its seller links; refused while storages still point at it. */
  async delete(shopId: number): Promise<void> {
    if (!isId(shopId)) throw new DomainError('not_found', `There is no shop #${shopId}.`);
    try {
      const { count } = await run(
        this.ds,
        `DELETE FROM shops s WHERE s.id = $1 AND NOT EXISTS (SELECT 1 FROM storages st WHERE st.shop_id = s.id)`,
        [shopId],
      );
      if (count > 0) return;
    } catch (err) {
      // A storage was added between the check and the delete: the foreign key refused it.
      if (!isForeignKeyViolation(err)) throw err;
    }
    const { rows } = await run(
      this.ds,
      `SELECT s.name, (SELECT count(*)::int FROM storages st WHERE st.shop_id = s.id) AS storages
       FROM shops s WHERE s.id = $1`,
      [shopId],
    );
    const row = rows[0];
    if (!row) throw new DomainError('not_found', `There is no shop #${shopId}.`);
    const n = row.storages as number;
    throw new DomainError(
      'conflict',
      `Shop "${String(row.name)}" still has ${n} storage(s); delete or move them first.`,
    );
  }

  /** The shops with these slugs (those that exist). */
  async findBySlugs(slugs: string[]): Promise<Shop[]> {
    if (slugs.length === 0) return [];
    const { rows } = await run(
      this.ds,
      `SELECT ${columns(this.ds, Shop, 's')} FROM shops s WHERE s.slug = ANY($1::varchar[])`,
      [slugs],
    );
    return rows.map((r) => hydrate(this.ds, Shop, r));
  }

  /**
   * Creates the shop with this slug, or brings the existing one in line with the input (flags only
   * when given). `keyOf` names the other shop when the key already belongs to one: nothing is written.
   */
  async save(
    input: CreateShopInput & { slug: string; apiKey: string },
  ): Promise<SaveOutcome | { keyOf: string }> {
    const slug = valid('slug', input.slug);
    const apiKey = valid('apiKey', input.apiKey);
    const fields = {
      name: valid('shopName', input.name),
      client_id: valid('clientId', input.clientId),
      vendor_name: valid('vendorName', input.vendorName),
    };
    const hash = hashApiKey(apiKey);
    const { rows } = await run(
      this.ds,
      `SELECT ${columns(this.ds, Shop, 's')}, s.api_key_hash AS x_hash
       FROM shops s WHERE s.slug = $1 OR s.api_key_hash = $2`,
      [slug, hash],
    );
    const owner = rows.find((r) => r.x_hash === hash && r.slug !== slug);
    if (owner) return { keyOf: owner.slug as string };
    const row = rows.find((r) => r.slug === slug);
    if (!row) {
      await this.create({ ...input, slug, apiKey });
      return 'created';
    }
    const patch: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(fields)) if (row[column] !== value) patch[column] = value;
    if (input.isActive !== undefined && input.isActive !== row.is_active) patch.is_active = input.isActive;
    if (input.updatePrices !== undefined && input.updatePrices !== row.update_prices) {
      patch.update_prices = input.updatePrices;
    }
    if (row.x_hash !== hash) {
      patch.api_key_hash = hash;
      patch.api_key_prefix = apiKeyPrefix(apiKey);
    }
    const set = Object.keys(patch);
    if (set.length === 0) return 'unchanged';
    await run(
      this.ds,
      `UPDATE shops SET ${set.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
      [row.id, ...Object.values(patch)],
    );
    return 'updated';
  }

  /** The next free slug: base, base-2, base-3… (one query). */
  private async freeSlug(base: string): Promise<string> {
    const { rows } = await run<{ slug: string }>(
      this.ds,
      `SELECT slug FROM shops WHERE slug = $1 OR slug LIKE $2`,
      [base, `${base.replace(/[\\%_]/g, '\\$&')}-%`],
    );
    const taken = new Set(rows.map((r) => r.slug));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) {
      const candidate = `${base}-${n}`;
      if (!taken.has(candidate)) return candidate;
    }
  }

  private isKeyConflict(err: unknown): boolean {
    return isUniqueViolation(err, uniqueIndexName(this.ds, Shop, 'apiKeyHash'), 'api_key_hash');
  }
}

function isId(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && n <= 2147483647;
}
