import type { DashboardFigures, Services } from '../services/index.js';
import { formatLocalTime } from './features/local-times.js';
import { languageOf } from './locale/index.js';
import type { StaffAdmin } from './types.js';

/** What the Dashboard component shows: the figures, and what it needs to present them. */
export interface DashboardData extends DashboardFigures {
  currency: string;
  rootPath: string;
  /** When the figures were read, in the staff member's time zone and language. */
  readAt: string;
  timeZone: string;
}

export async function dashboardData(
  services: Pick<Services, 'dashboard'>,
  opts: { currency: string; rootPath: string; admin?: StaffAdmin; now?: Date },
): Promise<DashboardData> {
  const figures = await services.dashboard.figures();
  const timeZone = opts.admin?.timeZone ?? 'UTC';
  const readAt = formatLocalTime(opts.now ?? new Date(), languageOf(opts.admin), timeZone)!;
  return { ...figures, currency: opts.currency, rootPath: opts.rootPath, readAt, timeZone };
}
