import { shopKeyBudgetSpent } from '../alarms.js';
import type { Feature } from '../feature.js';
import * as screens from '../screens.js';
import { shown } from '../texts/index.js';
import { replace, reply, show } from '../ui.js';
import { lockedText } from './login.js';
import { viewer } from './shop-list.js';

/** A seller adds a shop by typing its API key. */
export const addShopFeature: Feature = {
  callbacks: {
    add_shop: {
      level: 'member',
      roles: ['seller'],
      run: async (ctx) => {
        ctx.expectInput('add_key');
        await ctx.answer(ctx.t.toastAddShop);
        await show(ctx, screens.prompt(ctx.t, ctx.t.addShopPrompt, { a: 'menu' }));
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
          { ...viewer(ctx), telegramId: ctx.from.id },
          apiKey.trim(),
        );
        if (!result.ok && result.budget) await shopKeyBudgetSpent(ctx, result.budget);
        if (result.ok) {
          ctx.session.expect = undefined;
          ctx.deps.logger.info(
            { user: ctx.from.id, shop: result.shop.id, already: result.already },
            'shop added',
          );
          const text = result.already
            ? ctx.t.shopAlreadyLinked(shown(result.shop.name))
            : ctx.t.shopAdded(shown(result.shop.name));
          await replace(ctx, waitId, { text, html: true });
          await reply(ctx, screens.userMenu(ctx.t, ctx.fullName, ctx.user.role));
        } else if (result.reason === 'locked') {
          ctx.session.expect = undefined;
          await replace(
            ctx,
            waitId,
            screens.prompt(ctx.t, lockedText(ctx, result.retryAfterSeconds), { a: 'menu' }),
          );
        } else {
          ctx.deps.logger.info({ user: ctx.from.id }, 'add shop: wrong key');
          ctx.expectInput('add_key');
          await replace(ctx, waitId, screens.prompt(ctx.t, ctx.t.wrongApiKey, { a: 'menu' }));
        }
      },
    },
  },
};
