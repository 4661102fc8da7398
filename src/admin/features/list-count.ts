import { buildFeature, type ActionContext, type ActionResponse, type After, type FeatureType } from 'adminjs';
import { languageOf, serverTexts } from '../locale/index.js';
import { countOf } from '../resources/adapter.js';

/** What a list's `meta` carries beside AdminJS's own `total` (which its pagination needs as a number). */
export interface ListTotalMeta {
  /** Whether `total` is exact, the planner's estimate of the whole table, or a floor (capped count). */
  totalKind: 'exact' | 'estimated' | 'atLeast';
  /** The total as the list's title shows it: "1,234", "about 1,000,000", "10,000+" (or in Russian). */
  totalLabel: string;
}

/**
 * A list's total told honestly (the adapter counts large tables approximately, see
 * SafeTypeormAdapter.count): after `list`, `meta` says what kind of total it is and how to show it,
 * and the list component (PanelList) shows that label beside the title instead of a bare number.
 * A page shorter than a full one ends the list, so there the total is known exactly after all.
 */
export function listCountFeature(): FeatureType {
  const label: After<ActionResponse> = async (response, _request, context: ActionContext) => {
    const meta = response?.meta as
      ({ total: number; page: number; perPage: number } & Partial<ListTotalMeta>) | undefined;
    if (!meta) return response;
    const counted = countOf(context) ?? { total: meta.total, kind: 'exact' as const };
    let { total, kind } = counted;
    const shown = Array.isArray(response.records) ? response.records.length : 0;
    // (An empty first page too: the estimate lags a mass delete until the next VACUUM or ANALYZE.)
    if (kind !== 'exact' && (shown > 0 || meta.page === 1) && shown < meta.perPage) {
      total = (meta.page - 1) * meta.perPage + shown;
      kind = 'exact';
    }
    const language = languageOf(context.currentAdmin);
    const number = new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-GB').format(total);
    const texts = serverTexts(context.currentAdmin).listTotal;
    meta.total = total;
    meta.totalKind = kind;
    meta.totalLabel = kind === 'exact' ? number : texts[kind](number);
    return response;
  };
  return buildFeature({ actions: { list: { after: [label] } } });
}
