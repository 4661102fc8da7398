import { en } from './en.js';
import { ru } from './ru.js';

export { h, cut, shown, MESSAGE_MAX, parsedLength, htmlToText } from './html.js';

/** The shape every catalogue must have: the Russian one is the reference. */
export type Texts = typeof ru;
export type Language = 'ru' | 'en';

export const catalogues: Record<Language, Texts> = { ru, en };

/** Picks the catalogue for a Telegram language code ("en", "en-GB", "ru"…), else the default. */
export function textsFor(languageCode: string | undefined, fallback: Language): Texts {
  const lang = languageCode?.slice(0, 2).toLowerCase();
  return lang === 'ru' || lang === 'en' ? catalogues[lang] : catalogues[fallback];
}

export function languageOf(languageCode: string | undefined, fallback: Language): Language {
  const lang = languageCode?.slice(0, 2).toLowerCase();
  return lang === 'ru' || lang === 'en' ? lang : fallback;
}
