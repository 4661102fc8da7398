/**
 * The one way tests query a database directly, past every service: to read what the tables say
 * after the user-visible action, or to set up a state no screen can reach.
 */
import pg from 'pg';
import type { Database } from './db.js';

/** A test database, or anything that holds one (the bot, panel and service harnesses). */
export type HasDatabase = Pick<Database, 'dataSource'> | { db: Pick<Database, 'dataSource'> };

/** Runs SQL on the test database; plain rows back. */
export async function sql<T = Record<string, unknown>>(
  target: HasDatabase,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const { dataSource } = 'db' in target ? target.db : target;
  return (await dataSource.query(text, params)) as T[];
}

/** The first row of a query that must return one. */
export async function sqlOne<T = Record<string, unknown>>(
  target: HasDatabase,
  text: string,
  params: unknown[] = [],
): Promise<T> {
  const [row] = await sql<T>(target, text, params);
  if (row === undefined) throw new Error(`sqlOne: no row for ${text.trim().split('\n')[0]}`);
  return row;
}

/**
 * A statement on the PostgreSQL server as the role of TEST_DATABASE_URL, outside any test
 * database's pool (create and drop databases, end connections).
 */
export async function onServer(
  text: string,
  params: unknown[] = [],
  url = process.env.TEST_DATABASE_URL,
): Promise<pg.QueryResult> {
  if (!url) throw new Error('onServer: TEST_DATABASE_URL is not set');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}
