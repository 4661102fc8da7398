import type { DashboardFigures, Services } from '../services/index.js';

/** What the Dashboard component shows: the figures, and what it needs to present them. */
export interface DashboardData extends DashboardFigures {
  currency: string;
  rootPath: string;
}

export async function dashboardData(
  services: Pick<Services, 'dashboard'>,
  opts: { currency: string; rootPath: string },
): Promise<DashboardData> {
  const figures = await services.dashboard.figures();
  return { ...figures, currency: opts.currency, rootPath: opts.rootPath };
}
