/**
 * The bot's text catalogue for the tests: simulated users press buttons by catalogue key in their
 * own language (`u.pressKey((t) => t.btnShopList)`), so rewording a button breaks no test.
 */
import { textsFor, type Language, type Texts } from '../../src/bot/texts/index.js';
import type { TestUser } from '../../src/emulator/emulator.js';

export type { Texts };

/** A user of a bot emulator that knows the bot's catalogue. */
export type BotUser = TestUser<Texts>;

/** The catalogue a Telegram language code gets, as the bot picks it. */
export const botTexts =
  (fallback: Language = 'ru') =>
  (languageCode: string | undefined): Texts =>
    textsFor(languageCode, fallback);
