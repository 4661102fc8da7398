import type { Shop } from '../../db/entities/index.js';
import type { SetOutcome } from '../../services/shops.js';
import type { Texts } from '../texts/index.js';
import type { Feature } from '../feature.js';
import * as screens from '../screens.js';
import { show } from '../ui.js';
import { shopFor, viewer, type MemberContext } from './shop-list.js';

type ShopTarget = { shopId: number; offset: number };
type DrawShop = (t: Texts, shop: Shop, offset: number) => screens.Screen;

/** A screen about one shop, read fresh: the toast, then the screen in place of the pressed message. */
function shopScreen(toast: (t: Texts) => string, draw: DrawShop) {
  return {
    level: 'member' as const,
    run: async (ctx: MemberContext, d: ShopTarget) => {
      const shop = await shopFor(ctx, d.shopId, d.offset);
      if (!shop) return;
      // The toast and the new screen are two Bot API calls that don't wait for each other.
      await Promise.all([ctx.answer(toast(ctx.t)), show(ctx, draw(ctx.t, shop, d.offset))]);
    },
  };
}

/**
 * A toggle button: sets the value it carries (the one the screen showed), never flips, then redraws
 * the screen from the row the write returned. Pressed twice or on a stale screen, it says "already set".
 */
function toggle(spec: {
  field: 'isActive' | 'updatePrices';
  set: (ctx: MemberContext, shopId: number, value: boolean) => Promise<SetOutcome>;
  toast: (t: Texts, value: boolean) => string;
  screen: DrawShop;
}) {
  return {
    level: 'member' as const,
    run: async (ctx: MemberContext, d: ShopTarget & { value: boolean }) => {
      const res = await spec.set(ctx, d.shopId, d.value);
      if (res.outcome === 'not_found' || !res.shop) {
        await shopFor(ctx, d.shopId, d.offset);
        return;
      }
      ctx.deps.logger.info(
        { user: ctx.from.id, shop: d.shopId, [spec.field]: d.value, outcome: res.outcome },
        `set ${spec.field}`,
      );
      await Promise.all([
        ctx.answer(res.outcome === 'unchanged' ? ctx.t.toastAlreadySet : spec.toast(ctx.t, d.value)),
        show(ctx, spec.screen(ctx.t, res.shop, d.offset)),
      ]);
    },
  };
}

/** One shop's menu and the screens under it: information, activation and price updating with their switches. */
export const shopMenuFeature: Feature = {
  callbacks: {
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
