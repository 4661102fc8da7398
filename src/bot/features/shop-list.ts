import type { Shop } from '../../db/entities/index.js';
import type { Viewer } from '../../services/shops.js';
import type { ListKind } from '../callback-data.js';
import type { Feature } from '../feature.js';
import type { GatedContext } from '../gate.js';
import * as screens from '../screens.js';
import { show } from '../ui.js';

/** A logged-in, subscribed user, as the gate of every shop screen lets them through. */
export type MemberContext = GatedContext<'member'>;

export const viewer = (ctx: MemberContext): Viewer => ({ id: ctx.user.id, role: ctx.user.role });

/**
 * The list page; `toast` answers the press once the page is read (so a failed read answers with the
 * error instead), while the page is being shown.
 */
export async function showList(
  ctx: MemberContext,
  list: ListKind,
  offset: number,
  toast?: string,
): Promise<void> {
  const page = await ctx.deps.services.shops.list(viewer(ctx), offset, ctx.deps.config.bot.listLimit);
  // Answered while the page is drawn: the two Bot API calls overlap (ctx.answer never rejects).
  await Promise.all([
    toast === undefined ? undefined : ctx.answer(toast),
    show(ctx, screens.shopList(ctx.t, list, page)),
  ]);
}

/**
 * The shop as this user may see it now. A deleted shop, an unlinked one or a forged id for someone
 * else's shop all end the same way: nothing changes, the user is told and sees the list again.
 */
export async function shopFor(
  ctx: MemberContext,
  shopId: number,
  offset: number,
  list: ListKind = 'shops',
): Promise<Shop | null> {
  const shop = await ctx.deps.services.shops.get(viewer(ctx), shopId);
  if (shop) return shop;
  ctx.deps.logger.warn(
    { user: ctx.from.id, shopId },
    'shop not accessible: deleted, unlinked or forged button',
  );
  await ctx.answer(ctx.t.shopGone);
  await showList(ctx, list, offset);
  return null;
}

/**
 * The shop list, a page at a time: every shop for an admin, the linked ones for a seller. The same
 * list, titled for unlinking, is where a seller picks a shop to unlink (unlink-shop.ts).
 */
export const shopListFeature: Feature = {
  callbacks: {
    list: {
      level: 'member',
      run: async (ctx, d) => {
        if (d.list === 'unlink' && ctx.user.role !== 'seller') {
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
  },
};
