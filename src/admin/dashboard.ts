import type { DataSource } from 'typeorm';

export interface DashboardData {
  counts: {
    sellers: number;
    admins: number;
    banned: number;
    inactive: number;
    activeShops: number;
    inactiveShops: number;
  };
  /** Per currency, amounts in minor units (kopecks). */
  paymentsThisMonth: { currency: string; count: number; sum: number }[];
  currency: string;
  rootPath: string;
}

/**
 * The dashboard's figures in two statements: one pass over each of telegram_users and shops with
 * FILTER aggregates, and this calendar month's payments (by the database's time zone) per currency.
 */
export async function dashboardData(
  dataSource: DataSource,
  opts: { currency: string; rootPath: string },
): Promise<DashboardData> {
  const [counts] = (await dataSource.query(`
    SELECT u.sellers, u.admins, u.banned, u.inactive, s.active_shops, s.inactive_shops
    FROM (SELECT count(*) FILTER (WHERE role = 'seller')::int AS sellers,
                 count(*) FILTER (WHERE role = 'admin')::int AS admins,
                 count(*) FILTER (WHERE is_banned)::int AS banned,
                 count(*) FILTER (WHERE NOT is_active)::int AS inactive
          FROM telegram_users) u,
         (SELECT count(*) FILTER (WHERE is_active)::int AS active_shops,
                 count(*) FILTER (WHERE NOT is_active)::int AS inactive_shops
          FROM shops) s`)) as Record<string, number>[];
  const payments = (await dataSource.query(`
    SELECT currency, count(*)::int AS count, coalesce(sum(amount), 0)::bigint AS sum
    FROM payments
    WHERE created_at >= date_trunc('month', now())
    GROUP BY currency
    ORDER BY currency`)) as { currency: string; count: number; sum: string | number }[];
  return {
    counts: {
      sellers: counts!.sellers!,
      admins: counts!.admins!,
      banned: counts!.banned!,
      inactive: counts!.inactive!,
      activeShops: counts!.active_shops!,
      inactiveShops: counts!.inactive_shops!,
    },
    paymentsThisMonth: payments.map((p) => ({
      currency: p.currency.trim(),
      count: p.count,
      sum: Number(p.sum),
    })),
    currency: opts.currency,
    rootPath: opts.rootPath,
  };
}
