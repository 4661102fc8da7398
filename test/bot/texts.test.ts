import { describe, expect, it } from '@jest/globals';
import { catalogues, type Texts } from '../../src/bot/texts/index.js';
import { parseHtml } from '../../src/emulator/html.js';

/** Both catalogues complete, and no text can pass Telegram's limits whatever the user data. */
describe('text catalogues', () => {
  const { ru, en } = catalogues;

  it('Russian and English have exactly the same keys, of the same kinds', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
    for (const key of Object.keys(ru) as (keyof Texts)[]) {
      expect([key, typeof en[key]]).toEqual([key, typeof ru[key]]);
      if (typeof ru[key] === 'function') {
        expect([key, (en[key] as (...a: unknown[]) => unknown).length]).toEqual([
          key,
          (ru[key] as (...a: unknown[]) => unknown).length,
        ]);
      }
    }
  });

  it('no text is empty', () => {
    for (const [lang, t] of Object.entries(catalogues)) {
      for (const [key, value] of Object.entries(t)) {
        if (typeof value === 'string')
          expect([lang, key, value.trim().length > 0]).toEqual([lang, key, true]);
      }
    }
  });

  /** Texts sent without parse mode (toasts, invoices, plain notices); the rest are HTML. */
  const PLAIN = new Set(['toastUnlinked', 'loginLocked', 'invoiceDescription', 'paymentSucceeded']);

  /** The longest values the data allows: names 1024 characters, full of characters HTML escapes. */
  const long = ('<&>'.repeat(400) + 'Ж'.repeat(1024)).slice(0, 1024);
  const argFor = (i: number, arity: number, key: string) => {
    // Booleans for the on/off flags, numbers for minutes and days, long strings for the rest.
    if (
      /Screen|shopInfo|subscriptionStatus/.test(key) &&
      i >= (key === 'shopInfo' ? 2 : key === 'subscriptionStatus' ? 2 : 1)
    )
      return true;
    if (/loginLocked|invoiceDescription|supportRateLimited|supportTooLarge/.test(key)) return 99_999;
    // The role in the menu header is a catalogue text (roleAdmin/roleSeller), not user data.
    if (key === 'mainMenu' && i === 1) return 'Продавец';
    // Dates are formatted by the bot, not typed by anyone.
    if ((key === 'subscriptionStatus' && i === 1) || key === 'paymentSucceeded') return '31.12.2099';
    return arity > 0 ? long : undefined;
  };

  it('every function returns valid text within 4096 characters after parsing, for the longest inputs', () => {
    for (const [lang, t] of Object.entries(catalogues)) {
      for (const [key, value] of Object.entries(t)) {
        if (typeof value !== 'function') continue;
        const fn = value as (...a: unknown[]) => unknown;
        const args = Array.from({ length: fn.length }, (_, i) => argFor(i, fn.length, key));
        const out = fn(...args);
        expect([lang, key, typeof out]).toEqual([lang, key, 'string']);
        const text = out as string;
        // HTML texts must parse (user data escaped); their visible length is what Telegram counts.
        let visible = text;
        if (!PLAIN.has(key)) {
          try {
            visible = parseHtml(text).text;
          } catch (err) {
            throw new Error(`${lang}.${key}: ${(err as Error).message}`, { cause: err });
          }
        }
        expect([lang, key, visible.length <= 4096]).toEqual([lang, key, true]);
        expect([lang, key, visible.includes('<&>') || !args.includes(long)]).toEqual([lang, key, true]);
      }
    }
  });

  it('help works with and without an admin contact', () => {
    for (const t of Object.values(catalogues)) {
      expect(t.help(undefined)).not.toContain('@undefined');
      expect(t.help(undefined)).not.toContain('@None');
      expect(t.help('support_bot')).toContain('@support_bot');
    }
  });

  it('toasts fit the 200-character limit of a callback answer', () => {
    for (const t of Object.values(catalogues)) {
      for (const [key, value] of Object.entries(t)) {
        if (key.startsWith('toast') && typeof value === 'string')
          expect([key, value.length <= 200]).toEqual([key, true]);
      }
    }
  });
});
