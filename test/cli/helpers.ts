import type { Prompt, CommandDeps } from '../../src/cli/command.js';
import { createServices } from '../../src/services/index.js';
import type { Database } from '../support/db.js';
import { sql } from '../support/sql.js';

/** The services as the CLI builds them from the default configuration (production bcrypt cost). */
const cliServiceOptions = {
  subscription: { price: 10000, currency: 'RUB', periodDays: 30, newUsersActive: true },
  login: { maxFailures: 5, windowMinutes: 15, wrongKeysPerMinute: 20, wrongKeysPerHour: 200 },
};

/** Deps for calling a command in-process, with everything it prints kept for the assertions. */
export function cliDeps(db: Database, extra: Partial<CommandDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CommandDeps = {
    services: createServices(db.dataSource, cliServiceOptions),
    dataSource: db.dataSource,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {},
    ...extra,
  };
  return {
    deps,
    out,
    err,
    /** Everything printed, both streams. */
    printed: () => [...out, ...err].join('\n'),
  };
}

/** Answers given in order, as piped stdin (interactive: false) or a person at a terminal (true). */
export function scriptedPrompt(answers: string[], interactive = false): Prompt & { questions: string[] } {
  const queue = [...answers];
  const questions: string[] = [];
  return {
    interactive,
    questions,
    async ask(question) {
      questions.push(question);
      return queue.shift();
    },
  };
}

export async function publicTables(db: Database): Promise<string[]> {
  const rows: { tablename: string }[] = await sql(
    db,
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  return rows.map((r) => r.tablename);
}

/** Every row of every table, as the database returns it: equal snapshots mean nothing was written. */
export async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const t of await publicTables(db)) {
    result[t] = await sql(db, `SELECT * FROM "${t}" ORDER BY 1`);
  }
  return result;
}

export async function rowCounts(db: Database): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const t of await publicTables(db)) {
    const [{ n }] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM "${t}"`);
    result[t] = n;
  }
  return result;
}

/** Tables with a row whose text contains `needle` anywhere (any column). */
export async function tablesContaining(db: Database, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const t of await publicTables(db)) {
    const [{ n }] = await sql<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM "${t}" AS r WHERE strpos(r::text, $1) > 0`,
      [needle],
    );
    if (n > 0) found.push(t);
  }
  return found;
}

/** Empties what the CLI writes, keeping the seeded telegram_admins group. */
export async function resetData(db: Database): Promise<void> {
  await sql(
    db,
    `TRUNCATE shop_links, storages, payments, shops, notifications, telegram_users, user_groups, users
     RESTART IDENTITY CASCADE`,
  );
  await sql(db, `DELETE FROM groups WHERE name <> 'telegram_admins'`);
}
