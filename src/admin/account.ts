import type { ActionRequest, PageContext } from 'adminjs';
import { isDomainError } from '../services/errors.js';
import { formatLocalTime } from './features/local-times.js';
import { languageOf, serverTexts } from './locale/index.js';
import type { AdminDeps, StaffAdmin } from './types.js';

/** What the "My account" page shows, and answers after a save. */
export interface AccountPageData {
  /** The account's choices; null: not chosen (the browser's language, PANEL_TIME_ZONE). */
  chosenLanguage: 'ru' | 'en' | null;
  chosenTimeZone: string | null;
  defaultTimeZone: string;
  timeZones: string[];
  /** The current time in each offered zone is not sent; this is "now" in the effective zone. */
  now: string;
  notice?: { message: string; type: 'success' | 'error' };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/**
 * The "My account" page (an AdminJS page): GET shows the staff member's language and time zone, POST
 * (with the CSRF header, as every POST of the panel) keeps new ones on the account. The next request
 * reads them (middleware.ts, staffSession), so the page reloads itself after a save.
 */
export function accountPage(deps: Pick<AdminDeps, 'services' | 'config'>) {
  const timeZones = Intl.supportedValuesOf('timeZone');
  if (!timeZones.includes('UTC')) timeZones.unshift('UTC');
  return async (
    request: ActionRequest,
    _response: unknown,
    context: PageContext,
  ): Promise<AccountPageData> => {
    const admin = context.currentAdmin as unknown as StaffAdmin;
    let chosenLanguage = admin.chosenLanguage;
    let chosenTimeZone = admin.chosenTimeZone;
    let notice: AccountPageData['notice'];
    if (request.method === 'post') {
      const payload = request.payload ?? {};
      try {
        const saved = await deps.services.staff.setPanelPreferences(admin.id, {
          language: text(payload.language),
          timeZone: text(payload.timeZone),
        });
        chosenLanguage = saved.language;
        chosenTimeZone = saved.timeZone;
        notice = { message: serverTexts(admin).notices.saved(), type: 'success' };
      } catch (err) {
        if (!isDomainError(err)) throw err;
        notice = { message: err.message, type: 'error' };
      }
    }
    const zone = chosenTimeZone ?? deps.config.panelTimeZone;
    return {
      chosenLanguage,
      chosenTimeZone,
      defaultTimeZone: deps.config.panelTimeZone,
      timeZones,
      now: formatLocalTime(new Date(), chosenLanguage ?? languageOf(admin), zone)!,
      ...(notice ? { notice } : {}),
    };
  };
}
