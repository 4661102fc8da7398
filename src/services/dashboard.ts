import { run, type Db } from './sql.js';

export interface DashboardCounts {
  sellers: number;
  admins: number;
  banned: number;
  inactive: number;
  activeShops: number;
  inactiveShops: number;
}

/** One currency's payments; amounts in minor units (kopecks). */
export interface PaymentTotal {
  currency: string;
  count: number;
  sum: number;
}

export interface DashboardFigures {
  counts: DashboardCounts;
  /** Per currency, this calendar month (by the database's time zone). */
  paymentsThisMonth: PaymentTotal[];
  /** The support desk: conversations open now, and messages relayed today both ways (a counter, no texts). */
  support: { openConversations: number; relayedToday: number };
}

/** The back office's overview figures. */
export class DashboardService {
  constructor(private readonly ds: Db) {}

  /**
   * The figures in two statements: one pass over each of telegram_users and shops with FILTER
   * aggregates, and this calendar month's payments per currency.
   */
  async figures(): Promise<DashboardFigures> {
    const { rows: counts } = await run<Record<string, number>>(
      this.ds,
      `SELECT u.sellers, u.admins, u.banned, u.inactive, s.active_shops, s.inactive_shops
       FROM (SELECT count(*) FILTER (WHERE role = 'seller')::int AS sellers,
                    count(*) FILTER (WHERE role = 'admin')::int AS admins,
                    count(*) FILTER (WHERE is_banned)::int AS banned,
                    count(*) FILTER (WHERE NOT is_active)::int AS inactive
             FROM telegram_users) u,
            (SELECT count(*) FILTER (WHERE is_active)::int AS active_shops,
                    count(*) FILTER (WHERE NOT is_active)::int AS inactive_shops
             FROM shops) s`,
    );
    const { rows: payments } = await run<{ currency: string; count: number; sum: string | number }>(
      this.ds,
      `SELECT currency, count(*)::int AS count, coalesce(sum(amount), 0)::bigint AS sum
       FROM payments
       WHERE created_at >= date_trunc('month', now())
       GROUP BY currency
       ORDER BY currency`,
    );
    const { rows: support } = await run<{ open: number; relayed: number }>(
      this.ds,
      `SELECT (SELECT count(*)::int FROM support_conversations WHERE status = 'open') AS open,
              coalesce((SELECT to_operator + to_seller FROM support_daily_counts WHERE day = current_date), 0)::int
                AS relayed`,
    );
    const c = counts[0]!;
    return {
      counts: {
        sellers: c.sellers!,
        admins: c.admins!,
        banned: c.banned!,
        inactive: c.inactive!,
        activeShops: c.active_shops!,
        inactiveShops: c.inactive_shops!,
      },
      paymentsThisMonth: payments.map((p) => ({
        currency: p.currency.trim(),
        count: p.count,
        sum: Number(p.sum),
      })),
      support: { openConversations: support[0]!.open, relayedToday: support[0]!.relayed },
    };
  }
}
