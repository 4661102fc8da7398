/**
 * The baselines' bot: a plain Telegraf bot that answers the benchmark's journey with the very
 * Bot API calls market-bot makes (the same texts, keyboards, parse mode, callback answers, the key
 * message deleted, "please wait" then the menu), so the driver checks the same screens and the
 * Bot API side of the work is the same. What it keeps per seller is up to its store: nothing but
 * memory (bare.ts) or one indexed SELECT and one UPDATE per update (minimal.ts).
 */
import { Telegraf } from 'telegraf';
import type { InlineKeyboardButton } from 'telegraf/types';

export interface Seller {
  shopId: number;
  shopName: string;
  active: boolean;
}

export interface Store {
  /** The seller's row (one read per update). */
  load(chatId: number): Promise<Seller>;
  /** What this update changed (one write per update): the screen shown, the shop's flag. */
  save(chatId: number, screen: string, active: boolean): Promise<void>;
}

const button = (text: string, data: string): InlineKeyboardButton => ({ text, callback_data: data });
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const plain = { link_preview_options: { is_disabled: true } };
const rich = { ...plain, parse_mode: 'HTML' as const };
const keyboard = (rows: InlineKeyboardButton[][]) => ({ reply_markup: { inline_keyboard: rows } });

const mainMenu = (firstName: string) => ({
  text: `✅ You are logged in as Seller.\n\nMain menu (${html(firstName)}: Seller):`,
  extra: {
    ...rich,
    ...keyboard([
      [button('❔ Help ❔', '1:h'), button('⚡️ Subscription ⚡️', '1:s')],
      [button('➕ Add shop ➕', '1:add')],
      [button('➖ Unlink shop ➖', '1:ul:0')],
      [button('📋 Shop list 📋', '1:l:0')],
      [button('💬 Support', '1:sup')],
    ]),
  },
});

const shopMenu = (s: Seller) => ({
  text: `Shop: <code>${html(s.shopName)}</code>`,
  extra: {
    ...rich,
    ...keyboard([
      [button('ℹ️ Shop info ℹ️', `1:si:${s.shopId}:0`)],
      [button('🔘 Activation 🔘', `1:sa:${s.shopId}:0`)],
      [button('💰 Price updating 💰', `1:sp:${s.shopId}:0`)],
      [button('⟵', '1:l:0')],
    ]),
  },
});

const activation = (s: Seller) => ({
  text: `Shop: <code>${html(s.shopName)}</code>\nActive: ${s.active ? '🟢' : '🔴'}`,
  extra: {
    ...rich,
    ...keyboard([
      [
        s.active
          ? button('⏹ Deactivate ⏹', `1:ta:${s.shopId}:0:0`)
          : button('▶️ Activate ▶️', `1:ta:${s.shopId}:1:0`),
      ],
      [button('⟵', `1:sm:${s.shopId}:0`)],
    ]),
  },
});

export function baselineBot(token: string, apiRoot: string, store: Store): Telegraf {
  const bot = new Telegraf(token, { telegram: { apiRoot, webhookReply: false }, handlerTimeout: 60_000 });

  bot.on('message', async (ctx) => {
    const chatId = ctx.chat.id;
    const seller = await store.load(chatId);
    const text = 'text' in ctx.message ? ctx.message.text : '';
    if (text === '/start') {
      await store.save(chatId, 'roles', seller.active);
      await ctx.reply('Choose a role:', {
        ...plain,
        ...keyboard([[button('Admin', '1:ra'), button('Seller', '1:rs')]]),
      });
      return;
    }
    // Any other text is the seller's key (market-bot checks it; the baselines only answer).
    await store.save(chatId, 'menu', seller.active);
    await ctx.deleteMessage(ctx.message.message_id);
    const wait = await ctx.reply('API key received.\nPlease wait.', { ...plain, ...keyboard([]) });
    const menu = mainMenu(ctx.from.first_name);
    await ctx.telegram.editMessageText(chatId, wait.message_id, undefined, menu.text, menu.extra);
  });

  bot.on('callback_query', async (ctx) => {
    const data = 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : '';
    const chatId = ctx.chat!.id;
    const seller = await store.load(chatId);
    const [, kind] = data.split(':');
    const edit = async (answer: string | undefined, screen: string, s: { text: string; extra: object }) => {
      await store.save(chatId, screen, seller.active);
      await ctx.answerCbQuery(answer);
      await ctx.editMessageText(s.text, s.extra);
    };
    switch (kind) {
      case 'rs':
        return edit(undefined, 'key', {
          text: "Enter your shop's API key 🔑:",
          extra: { ...plain, ...keyboard([[button('⟵', '1:r')]]) },
        });
      case 'l':
        return edit('Shop list', 'list', {
          text: 'Available shops and their activity:',
          extra: {
            ...rich,
            ...keyboard([
              [button(`${seller.shopName} ${seller.active ? '🟢' : '🔴'}`, `1:sm:${seller.shopId}:0`)],
              [button('⟵', '1:m')],
            ]),
          },
        });
      case 'sm':
        return edit('Shop menu', 'shop', shopMenu(seller));
      case 'sa':
        return edit('Activation', 'activation', activation(seller));
      case 'ta': {
        seller.active = data.split(':')[3] === '1';
        return edit(seller.active ? 'Shop activated' : 'Shop deactivated', 'activation', activation(seller));
      }
      default:
        await ctx.answerCbQuery();
    }
  });

  return bot;
}

/** Starts long polling (Telegraf's own loop) as the bench's bots do: 1 s polls, nothing dropped. */
export function startPolling(bot: Telegraf, onError: (e: unknown) => void): void {
  bot.launch({ dropPendingUpdates: false, allowedUpdates: ['message', 'callback_query'] }).catch(onError);
}
