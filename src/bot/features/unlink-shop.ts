import { cut } from '../texts/index.js';
import type { Feature } from '../feature.js';
import * as screens from '../screens.js';
import { show } from '../ui.js';
import { shopFor, showList, viewer } from './shop-list.js';

/** A seller unlinks a shop, picked from the unlink list, after confirming. */
export const unlinkShopFeature: Feature = {
  callbacks: {
    unlink_ask: {
      level: 'member',
      roles: ['seller'],
      run: async (ctx, d) => {
        const shop = await shopFor(ctx, d.shopId, d.offset, 'unlink');
        if (!shop) return;
        await ctx.answer(ctx.t.toastUnlinkList);
        await show(ctx, screens.unlinkConfirm(ctx.t, shop, d.offset));
      },
    },
    unlink_yes: {
      level: 'member',
      roles: ['seller'],
      run: async (ctx, d) => {
        const shop = await ctx.deps.services.shops.get(viewer(ctx), d.shopId);
        const removed = shop ? await ctx.deps.services.links.unlink(ctx.user.id, d.shopId) : false;
        if (shop && removed) {
          ctx.deps.logger.info({ user: ctx.from.id, shop: d.shopId }, 'shop unlinked');
          await ctx.answer(ctx.t.toastUnlinked(cut(shop.name, 150)), true);
        } else {
          // Pressed twice, or unlinked elsewhere: the list below shows the truth.
          await ctx.answer(ctx.t.shopGone);
        }
        await showList(ctx, 'unlink', d.offset);
      },
    },
  },
};
