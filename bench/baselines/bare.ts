/**
 * Baseline 1, the floor: a bare Telegraf bot sending market-bot's answers with no database at all
 * (a seller's shop is known from their Telegram id, its flag kept in memory). What is left is
 * Telegraf, HTTP and JSON: the cost of any bot on this emulator and machine.
 *
 * Started by bench/compare.ts (environment: bench/child.ts). Operations: check, stop.
 */
import { botEnv } from '../child.js';
import { ready, serve } from '../ipc.js';
import { SELLER_BASE, shopName } from '../load.js';
import { baselineBot, startPolling, type Seller } from './screens.js';

const env = botEnv();
const sellers = new Map<number, Seller>();
const bot = baselineBot(env.token, env.apiRoot, {
  load: async (chatId) => {
    let s = sellers.get(chatId);
    if (!s) {
      const n = chatId - SELLER_BASE;
      s = { shopId: n + 1, shopName: shopName(n), active: true };
      sellers.set(chatId, s);
    }
    return s;
  },
  save: async () => undefined,
});
startPolling(bot, (e) => {
  console.error(e);
  process.exit(1);
});

serve({
  check: () => ({ switchedOff: [...sellers.values()].filter((s) => !s.active).length }),
  stop: () => bot.stop('bench'),
});
ready();
