/**
 * Counts the statements the app sends to the database: every query a pg client of the DataSource's
 * pool runs is one round trip (BEGIN and COMMIT included), on PostgreSQL and on the embedded
 * database alike (both are reached through the same pg pool).
 */
import type { DataSource } from 'typeorm';
import type pg from 'pg';

export interface Statement {
  text: string;
  /** The prepared statement's name, when the statement was sent as a named one. */
  name?: string;
}

/** What a statement is about, for the per-kind tables. */
export type StatementKind = 'inbox' | 'session' | 'app';

export function kindOf(s: Statement): StatementKind {
  if (/\btg_inbox\b/.test(s.text)) return 'inbox';
  if (/\bbot_sessions\b/.test(s.text) && !/\btelegram_users\b/.test(s.text)) return 'session';
  return 'app';
}

export interface StatementCounter {
  /** Statements since the last reset, in the order they were sent. */
  readonly statements: Statement[];
  reset(): void;
  /** Resolves once no statement has been sent for `quietMs` (the session save and the inbox's done marks come after the answer). */
  quiet(quietMs?: number, timeoutMs?: number): Promise<void>;
  stop(): void;
}

type Query = (...args: unknown[]) => unknown;
const COUNTED = Symbol('counted');

/**
 * Starts counting on the DataSource's pool. `ignore` leaves out statements that are nobody's
 * update (timers of the app that run whatever the users do).
 */
export function countStatements(
  dataSource: DataSource,
  ignore: (s: Statement) => boolean = () => false,
): StatementCounter {
  const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  const statements: Statement[] = [];
  let lastAt = performance.now();
  let active = true;
  const patch = (client: pg.PoolClient) => {
    const c = client as unknown as { query: Query; [COUNTED]?: boolean };
    if (c[COUNTED]) return;
    c[COUNTED] = true;
    const query = c.query.bind(client) as Query;
    c.query = (...args: unknown[]) => {
      if (active) {
        const first = args[0] as string | { text: string; name?: string };
        const s: Statement =
          typeof first === 'string' ? { text: first } : { text: first.text, name: first.name };
        if (!ignore(s)) {
          statements.push(s);
          lastAt = performance.now();
        }
      }
      return query(...args);
    };
  };
  // 'acquire' comes with every checkout, so clients opened before counting started are counted too.
  pool.on('acquire', patch);
  return {
    statements,
    reset() {
      statements.length = 0;
    },
    async quiet(quietMs = 200, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const idle = performance.now() - lastAt;
        if (idle >= quietMs) return;
        if (performance.now() > deadline) throw new Error('quiet(): the app kept querying');
        await new Promise((r) => setTimeout(r, quietMs - idle + 1));
      }
    },
    stop() {
      active = false;
      pool.off('acquire', patch);
    },
  };
}

/** Statements per kind, e.g. { app: 3, session: 1, inbox: 2, total: 6 }. */
export function tally(statements: Statement[]): Record<StatementKind | 'total', number> {
  const out = { app: 0, session: 0, inbox: 0, total: statements.length };
  for (const s of statements) out[kindOf(s)]++;
  return out;
}
