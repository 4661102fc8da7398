/**
 * The one codec for inline-button data. Every button carries its whole target (which shop, which
 * page, which value it sets), so buttons need no server-side state and stay valid across restarts.
 * Format: `<version>:<action>[:<arg>…]`, ASCII only, asserted at most 64 bytes (Telegram's limit).
 * Anything that doesn't decode (another version, a forged or truncated string) is `null`: the bot
 * answers "this button is outdated" and shows a fresh menu.
 */
export const CALLBACK_VERSION = '1';
export const MAX_CALLBACK_BYTES = 64;

/** Which shop list a page or shop screen belongs to: the browsing list or the unlink list. */
export type ListKind = 'shops' | 'unlink';

export type CallbackData =
  | { a: 'role_admin' }
  | { a: 'role_seller' }
  | { a: 'roles' }
  | { a: 'cancel' }
  | { a: 'menu' }
  | { a: 'help' }
  | { a: 'subscription' }
  | { a: 'pay' }
  | { a: 'add_shop' }
  | { a: 'noop' }
  | { a: 'support' }
  | { a: 'support_end' }
  /** A quick answer the support platform offered (its text is the button's own label). */
  | { a: 'support_answer'; i: number }
  | { a: 'support_phone' }
  | { a: 'list'; list: ListKind; offset: number }
  | { a: 'shop'; shopId: number; offset: number }
  | { a: 'info'; shopId: number; offset: number }
  | { a: 'activation'; shopId: number; offset: number }
  | { a: 'set_active'; shopId: number; value: boolean; offset: number }
  | { a: 'prices'; shopId: number; offset: number }
  | { a: 'set_prices'; shopId: number; value: boolean; offset: number }
  | { a: 'unlink_ask'; shopId: number; offset: number }
  | { a: 'unlink_yes'; shopId: number; offset: number };

export type Action = CallbackData['a'];

const SIMPLE: Record<string, Action> = {
  ra: 'role_admin',
  rs: 'role_seller',
  r: 'roles',
  c: 'cancel',
  m: 'menu',
  h: 'help',
  s: 'subscription',
  p: 'pay',
  add: 'add_shop',
  n: 'noop',
  sup: 'support',
  se: 'support_end',
  sph: 'support_phone',
};
const SIMPLE_CODES = Object.fromEntries(Object.entries(SIMPLE).map(([code, a]) => [a, code])) as Record<
  Action,
  string
>;

const SHOP_SCREENS = {
  shop: 'sm',
  info: 'si',
  activation: 'sa',
  prices: 'sp',
  unlink_ask: 'ua',
  unlink_yes: 'uy',
} as const;
type ShopScreen = keyof typeof SHOP_SCREENS;
const SHOP_SCREEN_BY_CODE = Object.fromEntries(
  Object.entries(SHOP_SCREENS).map(([a, c]) => [c, a]),
) as Record<string, ShopScreen>;

export function encode(d: CallbackData): string {
  let body: string;
  switch (d.a) {
    case 'list':
      body = `${d.list === 'shops' ? 'l' : 'ul'}:${d.offset}`;
      break;
    case 'set_active':
    case 'set_prices':
      body = `${d.a === 'set_active' ? 'ta' : 'tp'}:${d.shopId}:${d.value ? 1 : 0}:${d.offset}`;
      break;
    case 'shop':
    case 'info':
    case 'activation':
    case 'prices':
    case 'unlink_ask':
    case 'unlink_yes':
      body = `${SHOP_SCREENS[d.a]}:${d.shopId}:${d.offset}`;
      break;
    case 'support_answer':
      body = `sq:${d.i}`;
      break;
    default:
      body = SIMPLE_CODES[d.a];
  }
  const data = `${CALLBACK_VERSION}:${body}`;
  if (Buffer.byteLength(data, 'utf8') > MAX_CALLBACK_BYTES) {
    throw new RangeError(`callback data over ${MAX_CALLBACK_BYTES} bytes: ${data}`);
  }
  return data;
}

const MAX_ID = 2 ** 31 - 1;
function id(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_ID ? n : null;
}

export function decode(raw: string | undefined): CallbackData | null {
  if (!raw || Buffer.byteLength(raw, 'utf8') > MAX_CALLBACK_BYTES) return null;
  const [version, code, ...args] = raw.split(':');
  if (version !== CALLBACK_VERSION || code === undefined) return null;
  if (args.length === 0 && code in SIMPLE) return { a: SIMPLE[code] } as CallbackData;
  if ((code === 'l' || code === 'ul') && args.length === 1) {
    const offset = id(args[0]);
    return offset === null ? null : { a: 'list', list: code === 'l' ? 'shops' : 'unlink', offset };
  }
  if ((code === 'ta' || code === 'tp') && args.length === 3) {
    const shopId = id(args[0]);
    const offset = id(args[2]);
    if (shopId === null || offset === null || (args[1] !== '0' && args[1] !== '1')) return null;
    return { a: code === 'ta' ? 'set_active' : 'set_prices', shopId, value: args[1] === '1', offset };
  }
  if (code === 'sq' && args.length === 1) {
    const i = id(args[0]);
    return i === null || i > 99 ? null : { a: 'support_answer', i };
  }
  const screen = SHOP_SCREEN_BY_CODE[code];
  if (screen && args.length === 2) {
    const shopId = id(args[0]);
    const offset = id(args[1]);
    return shopId === null || offset === null ? null : { a: screen, shopId, offset };
  }
  return null;
}
