import type { Shop } from '../../db/entities/index.js';
import type { SetOutcome, Viewer } from '../../services/shops.js';
import type { Texts } from '../texts/index.js';
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

type ShopTarget = { shopId: number; offset: number };
type DrawShop = (t: Texts, shop: Shop, offset: number) => screens.Screen;

/** A screen about one shop, read fresh: the toast, then the screen in place of the pressed message. */
function shopScreen(toast: (t: Texts) => string, draw: DrawShop) {
  return {
    level: 'member' as const,
    run: async (ctx: BotContext, d: ShopTarget) => {
      const shop = await shopFor(ctx, d.shopId, d.offset);
      if (!shop) return;
      await ctx.answer(toast(ctx.t));
      await show(ctx, draw(ctx.t, shop, d.offset));
    },
  };
}

/**
 * A toggle button: sets the value it carries (the one the screen showed), never flips, then redraws
 * the screen from the row the write returned. Pressed twice or on a stale screen, it says "already set".
 */
function toggle(spec: {
  field: 'isActive' | 'updatePrices';
  set: (ctx: BotContext, shopId: number, value: boolean) => Promise<SetOutcome>;
  toast: (t: Texts, value: boolean) => string;
  screen: DrawShop;
}) {
  return {
    level: 'member' as const,
    run: async (ctx: BotContext, d: ShopTarget & { value: boolean }) => {
      const res = await spec.set(ctx, d.shopId, d.value);
      if (res.outcome === 'not_found' || !res.shop) {
        await shopFor(ctx, d.shopId, d.offset);
        return;
      }
      ctx.deps.logger.info(
        { user: ctx.from!.id, shop: d.shopId, [spec.field]: d.value, outcome: res.outcome },
        `set ${spec.field}`,
      );
      await ctx.answer(res.outcome === 'unchanged' ? ctx.t.toastAlreadySet : spec.toast(ctx.t, d.value));
      await show(ctx, spec.screen(ctx.t, res.shop, d.offset));
    },
  };
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
    shop: shopScreen((t) => t.toastShopMenu, screens.shopMenu),
    info: shopScreen((t) => t.toastShopInfo, screens.shopInfo),
    activation: shopScreen((t) => t.toastActivation, screens.activation),
    prices: shopScreen((t) => t.toastPrices, screens.prices),
    set_active: toggle({
      field: 'isActive',
      set: (ctx, shopId, value) => ctx.deps.services.shops.setActive(viewer(ctx), shopId, value),
      toast: (t, value) => (value ? t.toastActivated : t.toastDeactivated),
      screen: screens.activation,
    }),
    set_prices: toggle({
      field: 'updatePrices',
      set: (ctx, shopId, value) => ctx.deps.services.shops.setUpdatePrices(viewer(ctx), shopId, value),
      toast: (t, value) => (value ? t.toastPricesOn : t.toastPricesOff),
      screen: screens.prices,
    }),
  },
};
