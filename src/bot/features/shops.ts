import type { Shop } from '../../db/entities/index.js';
import type { Viewer } from '../../services/shops.js';
import type { ListKind } from '../callback-data.js';
import type { BotContext } from '../context.js';
import type { Feature } from '../router.js';
import * as screens from '../screens.js';
import { show } from '../ui.js';

export const viewer = (ctx: BotContext): Viewer => ({ id: ctx.user!.id, role: ctx.user!.role });

/** The list page; `toast` answers the press once the page is read, so a failed read answers with the error. */
export async function showList(
  ctx: BotContext,
  list: ListKind,
  offset: number,
  toast?: string,
): Promise<void> {
  const page = await ctx.deps.services.shops.list(viewer(ctx), offset, ctx.deps.config.bot.listLimit);
  if (toast !== undefined) await ctx.answer(toast);
  await show(ctx, screens.shopList(ctx.t, list, page));
}

/**
 * The shop as this user may see it now. A deleted shop, an unlinked one or a forged id for someone
 * else's shop all end the same way: nothing changes, the user is told and sees the list again.
 */
export async function shopFor(
  ctx: BotContext,
  shopId: number,
  offset: number,
  list: ListKind = 'shops',
): Promise<Shop | null> {
  const shop = await ctx.deps.services.shops.get(viewer(ctx), shopId);
  if (shop) return shop;
  ctx.deps.logger.warn(
    { user: ctx.from!.id, shopId },
    'shop not accessible: deleted, unlinked or forged button',
  );
  await ctx.answer(ctx.t.shopGone);
  await showList(ctx, list, offset);
  return null;
}

export const shopsFeature: Feature = {
  callbacks: {
    list: {
      level: 'member',
      run: async (ctx, d) => {
        if (d.list === 'unlink' && ctx.user!.role !== 'seller') {
          await showList(ctx, 'shops', 0, ctx.t.toastOutdated);
          return;
        }
        await showList(
          ctx,
          d.list,
          d.offset,
          d.list === 'shops' ? ctx.t.toastShopList : ctx.t.toastUnlinkList,
        );
      },
    },
    shop: {
      level: 'member',
      run: async (ctx, d) => {
        const shop = await shopFor(ctx, d.shopId, d.offset);
        if (!shop) return;
        await ctx.answer(ctx.t.toastShopMenu);
        await show(ctx, screens.shopMenu(ctx.t, shop, d.offset));
      },
    },
    info: {
      level: 'member',
      run: async (ctx, d) => {
        const shop = await shopFor(ctx, d.shopId, d.offset);
        if (!shop) return;
        await ctx.answer(ctx.t.toastShopInfo);
        await show(ctx, screens.shopInfo(ctx.t, shop, d.offset));
      },
    },
    activation: {
      level: 'member',
      run: async (ctx, d) => {
        const shop = await shopFor(ctx, d.shopId, d.offset);
        if (!shop) return;
        await ctx.answer(ctx.t.toastActivation);
        await show(ctx, screens.activation(ctx.t, shop, d.offset));
      },
    },
    prices: {
      level: 'member',
      run: async (ctx, d) => {
        const shop = await shopFor(ctx, d.shopId, d.offset);
        if (!shop) return;
        await ctx.answer(ctx.t.toastPrices);
        await show(ctx, screens.prices(ctx.t, shop, d.offset));
      },
    },
    set_active: {
      level: 'member',
      run: async (ctx, d) => {
        const res = await ctx.deps.services.shops.setActive(viewer(ctx), d.shopId, d.value);
        if (res.outcome === 'not_found' || !res.shop) {
          await shopFor(ctx, d.shopId, d.offset);
          return;
        }
        ctx.deps.logger.info(
          { user: ctx.from!.id, shop: d.shopId, active: d.value, outcome: res.outcome },
          'set active',
        );
        await ctx.answer(
          res.outcome === 'unchanged'
            ? ctx.t.toastAlreadySet
            : d.value
              ? ctx.t.toastActivated
              : ctx.t.toastDeactivated,
        );
        await show(ctx, screens.activation(ctx.t, res.shop, d.offset));
      },
    },
    set_prices: {
      level: 'member',
      run: async (ctx, d) => {
        const res = await ctx.deps.services.shops.setUpdatePrices(viewer(ctx), d.shopId, d.value);
        if (res.outcome === 'not_found' || !res.shop) {
          await shopFor(ctx, d.shopId, d.offset);
          return;
        }
        ctx.deps.logger.info(
          { user: ctx.from!.id, shop: d.shopId, updatePrices: d.value, outcome: res.outcome },
          'set update prices',
        );
        await ctx.answer(
          res.outcome === 'unchanged'
            ? ctx.t.toastAlreadySet
            : d.value
              ? ctx.t.toastPricesOn
              : ctx.t.toastPricesOff,
        );
        await show(ctx, screens.prices(ctx.t, res.shop, d.offset));
      },
    },
  },
};
