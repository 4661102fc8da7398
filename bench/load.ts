/**
 * The load every bot under test gets: seller n logs in with their shop key, opens the shop list,
 * opens their shop, its activation screen, and switches it off (7 updates). Shared by the driver,
 * the emulator process that plays the sellers, and the bots that seed their databases from it.
 */

/** Telegram ids of the simulated sellers: seller n is user (and private chat) SELLER_BASE + n. */
export const SELLER_BASE = 7_000_000_000;

export const sellerKey = (n: number): string => `bench-key-${n}-${(n * 7919).toString(36)}`;
export const shopName = (n: number): string => `Магазин ${n}`;

/** A pattern that crosses the IPC channel (a RegExp does not). */
export interface Pattern {
  source: string;
  flags?: string;
}

/** What a seller does: types a text, presses a button by the bot's catalogue key, or by its label. */
export type Action = { send: string } | { pressKey: string } | { press: Pattern };

/** One step: the action, and the answer that ends it (text the message includes, or a pattern). */
export interface Step {
  action: Action;
  expect: string | Pattern;
}

export interface SellerInfo {
  id: number;
  first_name: string;
  language_code: string;
}

export const sellerInfo = (n: number): SellerInfo => ({
  id: SELLER_BASE + n,
  first_name: `Seller${n}`,
  language_code: 'en',
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Seller n's journey, checked against market-bot's real screens; the baselines send the same
 * screens (bench/baselines/screens.ts), so the same checks hold for every bot.
 */
export function journey(n: number): Step[] {
  return [
    { action: { send: '/start' }, expect: 'Choose a role' },
    { action: { pressKey: 'btnSeller' }, expect: 'API key' },
    { action: { send: sellerKey(n) }, expect: 'logged in as Seller' },
    { action: { pressKey: 'btnShopList' }, expect: 'Available shops' },
    {
      action: { press: { source: `^${escape(shopName(n))} ` } },
      expect: { source: `^Shop: ${escape(shopName(n))}$` },
    },
    { action: { pressKey: 'btnActivation' }, expect: 'Active: 🟢' },
    { action: { pressKey: 'btnDeactivate' }, expect: 'Active: 🔴' },
  ];
}

export const STEPS_PER_SELLER = 7;
