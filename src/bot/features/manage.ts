import { cut } from '../texts/index.js';
import type { Feature } from '../router.js';
import * as screens from '../screens.js';
import { replace, reply, show } from '../ui.js';
import { lockedText } from './login.js';
import { shopFor, showList, viewer } from './shops.js';

/** A seller adds a shop by its API key, or unlinks one after confirming. */
export const manageFeature: Feature = {
  callbacks: {
    add_shop: {
      level: 'member',
      roles: ['seller'],
      run: async (ctx) => {
        ctx.session.expect = { kind: 'add_key', at: Date.now() };
        await ctx.answer(ctx.t.toastAddShop);
        await show(ctx, screens.prompt(ctx.t, ctx.t.addShopPrompt, { a: 'menu' }));
      },
    },
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
        const removed = shop ? await ctx.deps.services.links.unlink(ctx.user!.id, d.shopId) : false;
        if (shop && removed) {
          ctx.deps.logger.info({ user: ctx.from!.id, shop: d.shopId }, 'shop unlinked');
          await ctx.answer(ctx.t.toastUnlinked(cut(shop.name, 150)), true);
        } else {
          // Pressed twice, or unlinked elsewhere: the list below shows the truth.
          await ctx.answer(ctx.t.shopGone);
        }
        await showList(ctx, 'unlink', d.offset);
      },
    },
  },
  inputs: {
    add_key: {
      level: 'member',
      roles: ['seller'],
      run: async (ctx, apiKey) => {
        const waitId = await reply(ctx, { text: ctx.t.apiKeyReceived });
        const result = await ctx.deps.services.auth.addShop(
          { ...viewer(ctx), telegramId: ctx.from!.id },
          apiKey.trim(),
        );
        if (result.ok) {
          ctx.session.expect = undefined;
          ctx.deps.logger.info(
            { user: ctx.from!.id, shop: result.shop.id, already: result.already },
            'shop added',
          );
          const text = result.already
            ? ctx.t.shopAlreadyLinked(result.shop.name)
            : ctx.t.shopAdded(result.shop.name);
          await replace(ctx, waitId, { text, html: true });
          await reply(ctx, screens.userMenu(ctx.t, ctx.fullName, ctx.user!.role));
        } else if (result.reason === 'locked') {
          ctx.session.expect = undefined;
          await replace(
            ctx,
            waitId,
            screens.prompt(ctx.t, lockedText(ctx, result.retryAfterSeconds ?? 60), { a: 'menu' }),
          );
        } else {
          ctx.deps.logger.info({ user: ctx.from!.id }, 'add shop: wrong key');
          ctx.session.expect = { kind: 'add_key', at: Date.now() };
          await replace(ctx, waitId, screens.prompt(ctx.t, ctx.t.wrongApiKey, { a: 'menu' }));
        }
      },
    },
  },
};
