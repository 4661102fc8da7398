import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { Shop } from '../../src/db/entities/index.js';
import { DomainError, ShopService, type Viewer } from '../../src/services/index.js';
import { hashApiKey } from '../../src/services/secrets.js';
import { linkedShopIds, makeAdmin, makeSeller, makeShop, openCtx, reset, type Ctx } from './fixtures.js';
import { sql, sqlOne } from '../support/sql.js';

let ctx: Ctx;
beforeAll(async () => {
  ctx = await openCtx();
});
afterAll(async () => {
  await ctx.db.close();
});
beforeEach(() => reset(ctx));

const shopExists = async (id: number) =>
  (await sql(ctx, `SELECT 1 FROM shops WHERE id = $1`, [id])).length > 0;
const viewerOf = (u: { id: number; role: 'admin' | 'seller' }): Viewer => ({ id: u.id, role: u.role });

async function makeShops(n: number): Promise<Shop[]> {
  const shops: Shop[] = [];
  for (let i = 1; i <= n; i++) shops.push((await makeShop(ctx, `Shop ${i}`, { isActive: i % 2 === 1 })).shop);
  return shops;
}

async function stored(shopId: number) {
  return sqlOne<{ is_active: boolean; update_prices: boolean }>(
    ctx,
    `SELECT is_active, update_prices FROM shops WHERE id = $1`,
    [shopId],
  );
}

describe('list', () => {
  it('shows an admin every shop and a seller only the linked ones, ordered by id', async () => {
    const shops = await makeShops(4);
    const { user: admin } = await makeAdmin(ctx);
    const seller = await makeSeller(ctx, [shops[3]!, shops[1]!]);
    const adminPage = await ctx.s.shops.list(viewerOf(admin), 0, 10);
    expect(adminPage).toEqual({
      items: shops.map((s) => ({ id: s.id, name: s.name, isActive: s.isActive })),
      total: 4,
      offset: 0,
      limit: 10,
    });
    const sellerPage = await ctx.s.shops.list(viewerOf(seller), 0, 10);
    expect(sellerPage.items.map((i) => i.id)).toEqual([shops[1]!.id, shops[3]!.id]);
    expect(sellerPage.total).toBe(2);
    expect(sellerPage.items[0]).toEqual({ id: shops[1]!.id, name: 'Shop 2', isActive: false });
  });

  it('gives an empty list with total 0 to a seller without shops, whatever the offset', async () => {
    await makeShops(2);
    const seller = await makeSeller(ctx);
    expect(await ctx.s.shops.list(viewerOf(seller), 0, 5)).toEqual({
      items: [],
      total: 0,
      offset: 0,
      limit: 5,
    });
    expect(await ctx.s.shops.list(viewerOf(seller), 25, 5)).toEqual({
      items: [],
      total: 0,
      offset: 0,
      limit: 5,
    });
  });

  it('pages by offset and limit', async () => {
    const shops = await makeShops(12);
    const { user: admin } = await makeAdmin(ctx);
    const page2 = await ctx.s.shops.list(viewerOf(admin), 5, 5);
    expect(page2.items.map((i) => i.id)).toEqual(shops.slice(5, 10).map((s) => s.id));
    expect(page2).toMatchObject({ total: 12, offset: 5 });
    const page3 = await ctx.s.shops.list(viewerOf(admin), 10, 5);
    expect(page3.items.map((i) => i.id)).toEqual(shops.slice(10).map((s) => s.id));
  });

  it('turns an offset past the end into the last non-empty page', async () => {
    const shops = await makeShops(10);
    const { user: admin } = await makeAdmin(ctx);
    // A full last page: "next" must not lead to an empty page.
    const after = await ctx.s.shops.list(viewerOf(admin), 10, 5);
    expect(after.offset).toBe(5);
    expect(after.items.map((i) => i.id)).toEqual(shops.slice(5).map((s) => s.id));
    const far = await ctx.s.shops.list(viewerOf(admin), 1000, 3);
    expect(far.offset).toBe(9);
    expect(far.items.map((i) => i.id)).toEqual([shops[9]!.id]);
  });

  it('treats a negative offset as 0 and keeps the limit within 1..100', async () => {
    await makeShops(3);
    const { user: admin } = await makeAdmin(ctx);
    expect((await ctx.s.shops.list(viewerOf(admin), -4, 2)).offset).toBe(0);
    const zero = await ctx.s.shops.list(viewerOf(admin), 0, 0);
    expect(zero.limit).toBe(1);
    expect(zero.items).toHaveLength(1);
    expect((await ctx.s.shops.list(viewerOf(admin), 0, 10_000)).limit).toBe(100);
  });
});

describe('get', () => {
  it('gives an admin any shop and a seller only a linked one; missing or forged ids are null', async () => {
    const [mine, other] = await makeShops(2);
    const { user: admin } = await makeAdmin(ctx);
    const seller = await makeSeller(ctx, [mine!]);
    const shop = await ctx.s.shops.get(viewerOf(seller), mine!.id);
    expect(shop).toBeInstanceOf(Shop);
    expect(shop).toMatchObject({ id: mine!.id, name: 'Shop 1', vendorName: 'Vendor', isActive: true });
    expect(await ctx.s.shops.get(viewerOf(seller), other!.id)).toBeNull();
    expect((await ctx.s.shops.get(viewerOf(admin), other!.id))?.id).toBe(other!.id);
    for (const bad of [other!.id + 100, -1, 0, 2 ** 40, Number.NaN, 1.5]) {
      expect(await ctx.s.shops.get(viewerOf(admin), bad)).toBeNull();
    }
  });

  it('never reads the key hash back', async () => {
    const { shop } = await makeShop(ctx);
    const { user: admin } = await makeAdmin(ctx);
    const got = await ctx.s.shops.get(viewerOf(admin), shop.id);
    expect(got).not.toHaveProperty('apiKeyHash');
    expect(shop).not.toHaveProperty('apiKeyHash');
  });
});

describe('setActive and setUpdatePrices: set the value the user saw', () => {
  it('changes, then reports a repeat as unchanged with the fresh shop', async () => {
    const { shop } = await makeShop(ctx, 'A', { isActive: true });
    const seller = await makeSeller(ctx, [shop]);
    const first = await ctx.s.shops.setActive(viewerOf(seller), shop.id, false);
    expect(first.outcome).toBe('changed');
    expect(first.shop).toMatchObject({ id: shop.id, isActive: false });
    expect(first.shop!.updatedAt.getTime()).toBeGreaterThanOrEqual(shop.updatedAt.getTime());
    const again = await ctx.s.shops.setActive(viewerOf(seller), shop.id, false);
    expect(again).toMatchObject({ outcome: 'unchanged', shop: { id: shop.id, isActive: false } });
    expect(await stored(shop.id)).toEqual({ is_active: false, update_prices: false });
  });

  it('sets update_prices the same way, leaving is_active alone', async () => {
    const { shop } = await makeShop(ctx, 'A', { isActive: false, updatePrices: false });
    const { user: admin } = await makeAdmin(ctx);
    expect((await ctx.s.shops.setUpdatePrices(viewerOf(admin), shop.id, true)).outcome).toBe('changed');
    expect((await ctx.s.shops.setUpdatePrices(viewerOf(admin), shop.id, true)).outcome).toBe('unchanged');
    expect(await stored(shop.id)).toEqual({ is_active: false, update_prices: true });
  });

  it('is not_found for a seller pressing a forged or unlinked shop id, and nothing changes', async () => {
    const { shop: theirs } = await makeShop(ctx, 'Theirs', { isActive: true, updatePrices: false });
    const { shop: mine } = await makeShop(ctx, 'Mine');
    const seller = await makeSeller(ctx, [mine]);
    expect(await ctx.s.shops.setActive(viewerOf(seller), theirs.id, false)).toEqual({
      outcome: 'not_found',
      shop: null,
    });
    expect(await ctx.s.shops.setUpdatePrices(viewerOf(seller), theirs.id, true)).toEqual({
      outcome: 'not_found',
      shop: null,
    });
    expect(await stored(theirs.id)).toEqual({ is_active: true, update_prices: false });
    expect((await ctx.s.shops.setActive(viewerOf(seller), 999_999, false)).outcome).toBe('not_found');
    expect((await ctx.s.shops.setActive(viewerOf(seller), 2 ** 40, false)).outcome).toBe('not_found');
  });

  it('is not_found once the seller unlinked the shop (an old button changes nothing)', async () => {
    const { shop } = await makeShop(ctx, 'A', { isActive: true });
    const seller = await makeSeller(ctx, [shop]);
    expect(await ctx.s.links.unlink(seller.id, shop.id)).toBe(true);
    expect((await ctx.s.shops.setActive(viewerOf(seller), shop.id, false)).outcome).toBe('not_found');
    expect((await stored(shop.id)).is_active).toBe(true);
  });

  it('two concurrent presses with opposite values end in one of them, with consistent outcomes', async () => {
    const { user: admin } = await makeAdmin(ctx);
    const seller = await makeSeller(ctx);
    for (let round = 0; round < 10; round++) {
      const { shop } = await makeShop(ctx, `Race ${round}`, { isActive: true });
      await ctx.s.links.link(undefined, seller.id, shop.id, 'admin');
      const [off, on] = await Promise.all([
        ctx.s.shops.setActive(viewerOf(seller), shop.id, false),
        ctx.s.shops.setActive(viewerOf(admin), shop.id, true),
      ]);
      const final = (await stored(shop.id)).is_active;
      // Each answer shows the value it asked for; starting from true, "off" always changed something,
      // and "on" changed something exactly when it ran last, that is, when the shop ended active.
      expect(off).toMatchObject({ outcome: 'changed', shop: { isActive: false } });
      expect(on.shop!.isActive).toBe(true);
      expect(on.outcome === 'changed').toBe(final === true);
    }
  });

  it('50 concurrent presses on one shop neither deadlock nor lose track of the state', async () => {
    const { shop } = await makeShop(ctx, 'Busy', { isActive: true });
    const { user: admin } = await makeAdmin(ctx);
    const values = Array.from({ length: 50 }, (_, i) => i % 3 === 0);
    const results = await Promise.all(values.map((v) => ctx.s.shops.setActive(viewerOf(admin), shop.id, v)));
    results.forEach((r, i) => {
      expect(['changed', 'unchanged']).toContain(r.outcome);
      expect(r.shop!.isActive).toBe(values[i]);
    });
    // Every 'changed' flipped the stored value once, so the parity of the changes gives the end state.
    const changes = results.filter((r) => r.outcome === 'changed').length;
    expect((await stored(shop.id)).is_active).toBe(changes % 2 === 0);
  });

  it('rewrites the shop in place (a HOT update: no index entry), also on a full page', async () => {
    // A hundred shops fill the table's first pages as far as its fillfactor lets them.
    const shops = await makeShops(100);
    const { user: admin } = await makeAdmin(ctx);
    const first = shops.slice(0, 3);
    const pages = await sql<{ page: string }>(
      ctx,
      `SELECT DISTINCT (ctid::text::point)[0]::int::text AS page FROM shops WHERE id = ANY($1::int[])`,
      [first.map((s) => s.id)],
    );
    expect(pages).toEqual([{ page: '0' }]);
    // The connection's HOT updates not yet reported to the statistics, read before and after in one
    // transaction (nothing is reported during it): no statistics delay, and earlier tests' updates
    // on the same connection drop out.
    const hotSoFar = async (em: EntityManager) => {
      const [row] = (await em.query(
        `SELECT pg_stat_get_xact_tuples_hot_updated('shops'::regclass)::int AS n`,
      )) as { n: number }[];
      return row!.n;
    };
    const hot = await ctx.db.dataSource.transaction(async (em) => {
      const before = await hotSoFar(em);
      const service = new ShopService(em);
      for (const shop of first) {
        expect((await service.setActive(viewerOf(admin), shop.id, !shop.isActive)).outcome).toBe('changed');
        expect((await service.setUpdatePrices(viewerOf(admin), shop.id, true)).outcome).toBe('changed');
      }
      return (await hotSoFar(em)) - before;
    });
    expect(hot).toBe(6);
  });
});

describe('API keys', () => {
  it('finds a shop by its key (surrounding spaces ignored) and by nothing else', async () => {
    const { shop, apiKey } = await makeShop(ctx);
    expect((await ctx.s.shops.findByApiKey(apiKey))?.id).toBe(shop.id);
    expect((await ctx.s.shops.findByApiKey(`  ${apiKey}\n`))?.id).toBe(shop.id);
    expect(await ctx.s.shops.findByApiKey(apiKey.slice(0, -1))).toBeNull();
    expect(await ctx.s.shops.findByApiKey('')).toBeNull();
    expect(await ctx.s.shops.findByApiKey('   ')).toBeNull();
  });

  it('stores no plaintext key anywhere in the shops table, only its hash and a short prefix', async () => {
    const apiKey = 'ozon-4f1c2a9e-7b1d-4c55-9a77-2f3e0d6b8c11';
    const { shop } = await makeShop(ctx, 'Secret', { apiKey });
    const rows = await sql(ctx, `SELECT * FROM shops WHERE id = $1`, [shop.id]);
    for (const [column, value] of Object.entries(rows[0]!)) {
      expect([column, String(value).includes(apiKey)]).toEqual([column, false]);
      expect([column, String(value).includes(apiKey.slice(0, 12))]).toEqual([column, false]);
    }
    expect(rows[0]!.api_key_hash).toBe(hashApiKey(apiKey));
    expect(rows[0]!.api_key_prefix).toBe('ozon-4');
    expect(shop.apiKeyPrefix).toBe('ozon-4');
  });

  it('rotating a key makes the old one useless and keeps the seller links', async () => {
    const { shop, apiKey: old } = await makeShop(ctx);
    const seller = await makeSeller(ctx, [shop]);
    const fresh = await ctx.s.shops.setApiKey(shop.id);
    expect(fresh).not.toBe(old);
    expect(fresh).toMatch(/^mk_/);
    expect(await ctx.s.shops.findByApiKey(old)).toBeNull();
    expect((await ctx.s.shops.findByApiKey(fresh))?.id).toBe(shop.id);
    expect(await linkedShopIds(ctx, seller.id)).toEqual([shop.id]);
  });

  it('can drop every seller link with the rotation, and sets a given key', async () => {
    const { shop } = await makeShop(ctx);
    const seller = await makeSeller(ctx, [shop]);
    expect(await ctx.s.shops.setApiKey(shop.id, ' given-key-1234567 ', { unlinkSellers: true })).toBe(
      'given-key-1234567',
    );
    expect((await ctx.s.shops.findByApiKey('given-key-1234567'))?.id).toBe(shop.id);
    expect(await linkedShopIds(ctx, seller.id)).toEqual([]);
  });

  it('refuses another shop’s key, a short key and a missing shop', async () => {
    const { apiKey: taken } = await makeShop(ctx, 'A');
    const { shop } = await makeShop(ctx, 'B');
    await expect(ctx.s.shops.setApiKey(shop.id, taken)).rejects.toMatchObject({ code: 'conflict' });
    await expect(ctx.s.shops.setApiKey(shop.id, 'short')).rejects.toMatchObject({ code: 'invalid' });
    await expect(ctx.s.shops.setApiKey(shop.id + 100)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('create', () => {
  it('derives a latin slug from a Cyrillic name and numbers repeats', async () => {
    const a = await makeShop(ctx, 'Мой Магазин');
    const b = await makeShop(ctx, 'Мой магазин!');
    const c = await makeShop(ctx, 'МОЙ  МАГАЗИН');
    expect([a.shop.slug, b.shop.slug, c.shop.slug]).toEqual([
      'moy-magazin',
      'moy-magazin-2',
      'moy-magazin-3',
    ]);
    expect((await makeShop(ctx, 'Ёлка & Щука')).shop.slug).toBe('elka-shchuka');
    expect((await makeShop(ctx, '☃☃☃')).shop.slug).toBe('shop');
  });

  it('gives concurrent shops with the same name distinct slugs', async () => {
    const made = await Promise.all(Array.from({ length: 5 }, () => makeShop(ctx, 'Twin')));
    expect(new Set(made.map((m) => m.shop.slug)).size).toBe(5);
  });

  it('returns a generated key once and the shop with the defaults', async () => {
    const { shop, apiKey } = await ctx.s.shops.create({
      name: ' Lamps ',
      clientId: '42',
      vendorName: 'Lamp Co',
    });
    expect(apiKey).toMatch(/^mk_[A-Za-z0-9_-]{32}$/);
    expect(shop).toMatchObject({
      name: 'Lamps',
      slug: 'lamps',
      clientId: '42',
      vendorName: 'Lamp Co',
      isActive: true,
      updatePrices: false,
      apiKeyPrefix: apiKey.slice(0, 6),
    });
    expect(typeof shop.id).toBe('number');
  });

  it('refuses a taken key or a taken explicit slug with a conflict', async () => {
    await makeShop(ctx, 'One', { apiKey: 'same-key-0001-long' });
    await expect(makeShop(ctx, 'Two', { apiKey: 'same-key-0001-long' })).rejects.toEqual(
      new DomainError('conflict', 'Another shop already has this API key.'),
    );
    await ctx.s.shops.create({ name: 'X', slug: 'x-shop', clientId: '1', vendorName: 'V' });
    await expect(
      ctx.s.shops.create({ name: 'Y', slug: 'x-shop', clientId: '1', vendorName: 'V' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const { n } = await sqlOne<{ n: number }>(ctx, `SELECT count(*) AS n FROM shops`);
    expect(n).toBe(2);
  });

  it('validates the input', async () => {
    const base = { name: 'N', clientId: 'c', vendorName: 'v' };
    await expect(ctx.s.shops.create({ ...base, name: '  ' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(ctx.s.shops.create({ ...base, vendorName: '' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(ctx.s.shops.create({ ...base, clientId: 'c'.repeat(256) })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(ctx.s.shops.create({ ...base, apiKey: 'abc' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(ctx.s.shops.create({ ...base, slug: 'Not A Slug' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });
});

describe('delete', () => {
  it('refuses while storages exist, naming the shop and the count', async () => {
    const { shop } = await makeShop(ctx, 'Warehouse "North"');
    await sql(ctx, `INSERT INTO storages (name, ozon_id, shop_id) VALUES ('S1', '1', $1), ('S2', '2', $1)`, [
      shop.id,
    ]);
    await expect(ctx.s.shops.delete(shop.id)).rejects.toEqual(
      new DomainError(
        'conflict',
        'Shop "Warehouse "North"" still has 2 storage(s); delete or move them first.',
      ),
    );
    expect(await shopExists(shop.id)).toBe(true);
  });

  it('deletes a shop without storages, with its seller links', async () => {
    const { shop } = await makeShop(ctx);
    const seller = await makeSeller(ctx, [shop]);
    await ctx.s.shops.delete(shop.id);
    expect(await shopExists(shop.id)).toBe(false);
    expect(await linkedShopIds(ctx, seller.id)).toEqual([]);
    await expect(ctx.s.shops.delete(shop.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('links', () => {
  it('links once, says already the second time, unlinks, lists in id order', async () => {
    const [a, b] = await makeShops(2);
    const seller = await makeSeller(ctx);
    expect(await ctx.s.links.link(undefined, seller.id, b!.id, 'add')).toBe('linked');
    expect(await ctx.s.links.link(undefined, seller.id, a!.id, 'login')).toBe('linked');
    expect(await ctx.s.links.link(undefined, seller.id, a!.id, 'add')).toBe('already');
    expect(await linkedShopIds(ctx, seller.id)).toEqual([a!.id, b!.id]);
    const sources = await sql(ctx, `SELECT shop_id, source FROM shop_links ORDER BY shop_id`);
    expect(sources).toEqual([
      { shop_id: a!.id, source: 'login' },
      { shop_id: b!.id, source: 'add' },
    ]);
    expect(await ctx.s.links.unlink(seller.id, a!.id)).toBe(true);
    expect(await ctx.s.links.unlink(seller.id, a!.id)).toBe(false);
    expect(await linkedShopIds(ctx, seller.id)).toEqual([b!.id]);
  });

  it('refuses a shop that does not exist', async () => {
    const seller = await makeSeller(ctx);
    await expect(ctx.s.links.link(undefined, seller.id, 424242, 'add')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('joins a caller transaction', async () => {
    const [a] = await makeShops(1);
    const seller = await makeSeller(ctx);
    await expect(
      ctx.db.dataSource.transaction(async (em) => {
        expect(await ctx.s.links.link(em, seller.id, a!.id, 'admin')).toBe('linked');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await linkedShopIds(ctx, seller.id)).toEqual([]);
  });
});
