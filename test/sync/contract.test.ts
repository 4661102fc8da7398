import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API_KEY_MIN_LENGTH, SLUG_PATTERN } from '../../src/services/rules.js';
import { parseInbound } from '../../src/services/sync-contract.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';

interface ObjectSchema {
  required: string[];
  properties: Record<string, unknown>;
}
const schema = JSON.parse(fs.readFileSync('docs/shop-sync.schema.json', 'utf8')) as {
  $defs: Record<string, ObjectSchema & Record<string, unknown>>;
};
const defs = schema.$defs;

/**
 * The published JSON Schema (docs/shop-sync.schema.json) and the code agree: what the inbound parser
 * requires, and exactly the fields the outbox trigger publishes.
 */
describe('the shop-sync contract', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const create = {
    id: 'oz-1',
    version: 1,
    name: 'Shop',
    slug: 'shop',
    client_id: '1',
    vendor_name: 'V',
    is_active: true,
    price_updating: false,
    api_key: 'k'.repeat(API_KEY_MIN_LENGTH),
  };

  it('inbound: a field is required by the parser exactly when the schema requires it', () => {
    const cases = [
      ['create', defs.inboundCreate!, create],
      ['update', defs.inboundUpdate!, create],
      ['delete', defs.inboundDelete!, { id: 'oz-1', version: 2 }],
    ] as const;
    for (const [operation, def, full] of cases) {
      expect(parseInbound(operation, full)).toMatchObject({ ok: true });
      for (const field of Object.keys(def.properties)) {
        const { [field]: _dropped, ...rest } = full as Record<string, unknown>;
        const parsed = parseInbound(operation, rest);
        expect([operation, field, parsed.ok]).toEqual([operation, field, !def.required.includes(field)]);
      }
    }
    expect(parseInbound('create', { ...create, id: 42 })).toMatchObject({
      ok: true,
      change: { body: { id: '42' } },
    });
    expect(defs.slug!.pattern).toBe(SLUG_PATTERN.source);
    expect(defs.api_key!.minLength).toBe(API_KEY_MIN_LENGTH);
  });

  it('outbound: the trigger publishes exactly the fields the schema lists, and never a key', async () => {
    const [{ id }] = await sql<{ id: number }>(
      db,
      `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name)
       VALUES ('A', 'a', repeat('0', 64), 'ab', '1', 'V') RETURNING id`,
    );
    await sql(db, `UPDATE shops SET is_active = NOT is_active WHERE id = $1`, [id]);
    await sql(db, `DELETE FROM shops WHERE id = $1`, [id]);
    const rows = await sql<{ operation: string; version: number; body: Record<string, unknown> }>(
      db,
      `SELECT operation, version, body FROM shop_sync_outbox WHERE shop_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows.map((r) => [r.operation, r.version])).toEqual([
      ['create', 1],
      ['update', 2],
      ['delete', 3],
    ]);
    for (const r of rows.slice(0, 2))
      expect(Object.keys(r.body).sort()).toEqual([...defs.outboundShop!.required].sort());
    expect(Object.keys(rows[2]!.body).sort()).toEqual([...defs.outboundDelete!.required].sort());
    expect(rows[0]!.body.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(rows)).not.toMatch(/api_key|0000000000/);
  });

  it("the inbound apply's session setting keeps its change out of the outbox (no echo)", async () => {
    const [{ id }] = await sql<{ id: number }>(
      db,
      `INSERT INTO shops (name, slug, api_key_hash, api_key_prefix, client_id, vendor_name)
       VALUES ('B', 'b', repeat('1', 64), 'cd', '1', 'V') RETURNING id`,
    );
    await db.dataSource.transaction(async (em) => {
      await em.query(`SET LOCAL market_bot.sync_apply = 'on'`);
      await em.query(`UPDATE shops SET name = 'B2', version = 10 WHERE id = $1`, [id]);
    });
    // After that transaction the setting is gone: the next change is published, with version 11.
    await sql(db, `UPDATE shops SET name = 'B3' WHERE id = $1`, [id]);
    const rows = await sql<{ operation: string; version: number }>(
      db,
      `SELECT operation, version FROM shop_sync_outbox WHERE shop_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows).toEqual([
      { operation: 'create', version: 1 },
      { operation: 'update', version: 11 },
    ]);
  });
});
