import { valid } from './rules.js';
import type { SaveOutcome } from './staff.js';
import { run, type Db } from './sql.js';

export type StorageInput = { shopSlug: string; ozonId: string; name: string };

/** A shop's Ozon storages, matched by (shop, ozonId). */
export class StorageService {
  constructor(private readonly ds: Db) {}

  /** Creates the storage, or renames it; 'no_shop' when there is no shop with that slug. */
  async save(input: StorageInput): Promise<SaveOutcome | 'no_shop'> {
    const name = valid('storageName', input.name);
    const ozonId = valid('ozonId', input.ozonId);
    const { rows } = await run<{ shop: boolean; created: boolean; updated: boolean }>(
      this.ds,
      `WITH sh AS (SELECT id FROM shops WHERE slug = $1),
            cur AS (SELECT st.id, st.name FROM storages st JOIN sh ON st.shop_id = sh.id
                    WHERE st.ozon_id = $2 ORDER BY st.id LIMIT 1 FOR UPDATE OF st),
            ins AS (INSERT INTO storages (name, ozon_id, shop_id)
                    SELECT $3, $2, sh.id FROM sh WHERE NOT EXISTS (SELECT 1 FROM cur) RETURNING id),
            upd AS (UPDATE storages st SET name = $3 FROM cur
                    WHERE st.id = cur.id AND cur.name IS DISTINCT FROM $3 RETURNING st.id)
       SELECT EXISTS (SELECT 1 FROM sh) AS shop, EXISTS (SELECT 1 FROM ins) AS created,
              EXISTS (SELECT 1 FROM upd) AS updated`,
      [input.shopSlug, ozonId, name],
    );
    const r = rows[0]!;
    if (!r.shop) return 'no_shop';
    return r.created ? 'created' : r.updated ? 'updated' : 'unchanged';
  }
}
