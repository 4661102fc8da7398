import type { Locale, LocaleTranslations, ResourceOptions } from 'adminjs';
import { PANEL_LANGUAGES, type PanelLanguage } from '../../services/rules.js';
import { en, type Catalogue } from './en.js';
import { ru } from './ru.js';

export type { Catalogue } from './en.js';
export { PANEL_LANGUAGES, type PanelLanguage };

export const catalogues: Record<PanelLanguage, Catalogue> = { ru, en };

/** The language a browser asks for first among those the panel speaks (Accept-Language, by q); English otherwise. */
export function languageFromHeader(header: string | undefined): PanelLanguage {
  const asked = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((a) => a.tag && a.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of asked) {
    const base = tag.split('-')[0];
    const found = PANEL_LANGUAGES.find((l) => l === base);
    if (found) return found;
  }
  return 'en';
}

/** The language a staff member has: the one chosen on "My account", else the browser's. */
export function languageOf(admin: object | undefined | null): PanelLanguage {
  const l = (admin as { language?: unknown } | undefined | null)?.language;
  return PANEL_LANGUAGES.find((x) => x === l) ?? 'en';
}

/**
 * AdminJS's locale for one language: only that language is offered, so AdminJS's own language
 * menu (which would change the language in this browser tab only) stays hidden; the choice is made
 * on "My account" and kept with the account. Each resource brings its own names (its `translations`).
 */
export function panelLocale(language: PanelLanguage): Locale {
  const translations = { [language]: catalogues[language].adminjs } as unknown as Record<
    string,
    Partial<LocaleTranslations>
  >;
  return { language, availableLanguages: [language], localeDetection: false, translations };
}

/** A resource's `translations` option: its names in every language, from the catalogues. */
export function resourceTranslations(id: keyof Catalogue['resources']): ResourceOptions['translations'] {
  return Object.fromEntries(
    PANEL_LANGUAGES.map((l) => {
      const own = catalogues[l].resources[id];
      // A list's page is titled with the resource's name ("Telegram users"), not "List".
      const name = (own.labels as Record<string, string>)[id]!;
      return [l, { ...own, actions: { list: name, ...own.actions } }];
    }),
  ) as unknown as ResourceOptions['translations'];
}

/** The sentences the panel's own code says, in a staff member's language. */
export function serverTexts(admin: object | undefined | null): Catalogue['server'] {
  return catalogues[languageOf(admin)].server;
}
