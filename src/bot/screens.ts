import type { InlineKeyboardButton } from 'telegraf/types';
import type { Shop, TelegramUser } from '../db/entities/index.js';
import { encode, type CallbackData, type ListKind } from './callback-data.js';
import { cut, shown, type Texts } from './texts/index.js';

/**
 * Every screen as a pure function of data: text, parse mode and keyboard. Handlers decide which
 * screen to show; ui.ts decides whether it replaces the pressed message or arrives as a new one.
 * Stored text goes in through shown() (cut with an ellipsis), so every screen fits Telegram's
 * limits whatever the data; ui.ts checks the whole text once more before sending.
 */
export interface Screen {
  text: string;
  html?: boolean;
  keyboard?: InlineKeyboardButton[][];
}

const btn = (text: string, data: CallbackData): InlineKeyboardButton => ({
  text,
  callback_data: encode(data),
});

/** Shop names can be 1024 characters; a button shows the start. */
const BUTTON_NAME = 48;

export function roleChoice(t: Texts, prefix?: string): Screen {
  return {
    text: prefix ? `${prefix}\n\n${t.chooseRole}` : t.chooseRole,
    keyboard: [[btn(t.btnAdmin, { a: 'role_admin' }), btn(t.btnSeller, { a: 'role_seller' })]],
  };
}

function baseRow(t: Texts): InlineKeyboardButton[] {
  return [btn(t.btnHelp, { a: 'help' }), btn(t.btnSubscription, { a: 'subscription' })];
}

export function menuKeyboard(t: Texts, role: TelegramUser['role']): InlineKeyboardButton[][] {
  const list = [btn(t.btnShopList, { a: 'list', list: 'shops', offset: 0 })];
  const support = [btn(t.btnSupport, { a: 'support' })];
  if (role === 'admin') return [baseRow(t), list, support];
  return [
    baseRow(t),
    [btn(t.btnAddShop, { a: 'add_shop' })],
    [btn(t.btnUnlinkShop, { a: 'list', list: 'unlink', offset: 0 })],
    list,
    support,
  ];
}

export function userMenu(t: Texts, fullName: string, role: TelegramUser['role'], prefix?: string): Screen {
  const menu = t.mainMenu(shown(fullName), role === 'admin' ? t.roleAdmin : t.roleSeller);
  return { text: prefix ? `${prefix}\n\n${menu}` : menu, html: true, keyboard: menuKeyboard(t, role) };
}

export function help(t: Texts, admin: string | undefined, loggedIn: boolean): Screen {
  return {
    text: t.help(admin),
    html: true,
    keyboard: [[loggedIn ? btn(t.btnMenu, { a: 'menu' }) : btn(t.btnBack, { a: 'roles' })]],
  };
}

export function banned(t: Texts): Screen {
  return { text: t.banned };
}

export function notActive(t: Texts): Screen {
  return { text: t.notActive, keyboard: [baseRow(t)] };
}

export function prompt(t: Texts, text: string, back: CallbackData, backLabel = t.btnBack): Screen {
  return { text, keyboard: [[btn(backLabel, back)]] };
}

export function wrongCredentials(t: Texts): Screen {
  return {
    text: t.wrongCredentials,
    keyboard: [[btn(t.btnEnterUsername, { a: 'role_admin' }), btn(t.btnCancel, { a: 'cancel' })]],
  };
}

export interface ShopPage {
  items: { id: number; name: string; isActive: boolean }[];
  total: number;
  offset: number;
  limit: number;
}

export function shopList(t: Texts, list: ListKind, page: ShopPage): Screen {
  const rows: InlineKeyboardButton[][] = page.items.map((s) => [
    btn(`${cut(s.name, BUTTON_NAME)} ${s.isActive ? '🟢' : '🔴'}`, {
      a: list === 'shops' ? 'shop' : 'unlink_ask',
      shopId: s.id,
      offset: page.offset,
    }),
  ]);
  const pages = Math.ceil(page.total / page.limit);
  if (pages > 1) {
    const current = Math.floor(page.offset / page.limit) + 1;
    const nav: InlineKeyboardButton[] = [];
    if (page.offset > 0)
      nav.push(btn('«', { a: 'list', list, offset: Math.max(0, page.offset - page.limit) }));
    nav.push(btn(`${current} / ${pages}`, { a: 'noop' }));
    if (page.offset + page.limit < page.total)
      nav.push(btn('»', { a: 'list', list, offset: page.offset + page.limit }));
    rows.push(nav);
  }
  rows.push([btn(t.btnBack, { a: 'menu' })]);
  const title = list === 'shops' ? t.shopListTitle : t.unlinkTitle;
  return { text: page.total === 0 ? `${title}\n${t.shopListEmpty}` : title, html: true, keyboard: rows };
}

export function shopMenu(t: Texts, shop: Shop, offset: number): Screen {
  const s = { shopId: shop.id, offset };
  return {
    text: t.shopMenu(shown(shop.name)),
    html: true,
    keyboard: [
      [btn(t.btnShopInfo, { a: 'info', ...s })],
      [btn(t.btnActivation, { a: 'activation', ...s })],
      [btn(t.btnPrices, { a: 'prices', ...s })],
      [btn(t.btnBack, { a: 'list', list: 'shops', offset })],
    ],
  };
}

export function shopInfo(t: Texts, shop: Shop, offset: number): Screen {
  return {
    text: t.shopInfo(shown(shop.name), shown(shop.vendorName), shop.isActive, shop.updatePrices),
    html: true,
    keyboard: [[btn(t.btnBack, { a: 'shop', shopId: shop.id, offset })]],
  };
}

/**
 * A screen with one switch: its button carries the value it sets (the opposite of what the screen
 * shows), so a stale screen or a double press can't undo a change.
 */
function switchScreen(
  t: Texts,
  text: string,
  on: boolean,
  labels: { turnOff: string; turnOn: string },
  action: 'set_active' | 'set_prices',
  shop: Shop,
  offset: number,
): Screen {
  const target = { shopId: shop.id, offset };
  return {
    text,
    html: true,
    keyboard: [
      [btn(on ? labels.turnOff : labels.turnOn, { a: action, value: !on, ...target })],
      [btn(t.btnBack, { a: 'shop', ...target })],
    ],
  };
}

export function activation(t: Texts, shop: Shop, offset: number): Screen {
  const labels = { turnOff: t.btnDeactivate, turnOn: t.btnActivate };
  return switchScreen(
    t,
    t.activationScreen(shown(shop.name), shop.isActive),
    shop.isActive,
    labels,
    'set_active',
    shop,
    offset,
  );
}

/** "ON" means prices ARE updated (update_prices = true), the same as the info screen says. */
export function prices(t: Texts, shop: Shop, offset: number): Screen {
  const labels = { turnOff: t.btnPricesOff, turnOn: t.btnPricesOn };
  return switchScreen(
    t,
    t.pricesScreen(shown(shop.name), shop.updatePrices),
    shop.updatePrices,
    labels,
    'set_prices',
    shop,
    offset,
  );
}

export function unlinkConfirm(t: Texts, shop: Shop, offset: number): Screen {
  return {
    text: t.unlinkConfirm(shown(shop.name)),
    html: true,
    keyboard: [
      [
        btn(t.btnYes, { a: 'unlink_yes', shopId: shop.id, offset }),
        btn(t.btnNo, { a: 'list', list: 'unlink', offset }),
      ],
    ],
  };
}

/** No "Pay" for an open-ended subscription: paying would put it on a clock and shorten it. */
export function subscription(t: Texts, username: string, paidUntil: string | null, active: boolean): Screen {
  const pay = active && paidUntil === null ? [] : [[btn(t.btnPay, { a: 'pay' })]];
  return {
    text: t.subscriptionStatus(shown(username), paidUntil, active),
    html: true,
    keyboard: [...pay, [btn(t.btnBack, { a: 'menu' })]],
  };
}

/** Support mode: everything the user sends goes to support until "Back to menu". */
export function support(t: Texts, offHours?: string): Screen {
  return {
    text: offHours === undefined ? t.supportIntro : `${t.supportIntro}\n\n${t.supportOffHours(offHours)}`,
    html: true,
    keyboard: [
      [btn(t.btnEndConversation, { a: 'support_end' })],
      [btn(t.btnSharePhone, { a: 'support_phone' })],
      [btn(t.btnBackToMenu, { a: 'menu' })],
    ],
  };
}
