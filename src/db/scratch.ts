import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from './data-source.js';

/** The scratch database could not be made; the message says why and what to do. */
export class ScratchDatabaseError extends Error {
  override name = 'ScratchDatabaseError';
}

/**
 * An empty database to build the migrations' schema in, dropped on close: an in-memory PGlite beside
 * an embedded database, or a temporary database on the same server beside PostgreSQL (which needs the
 * CREATEDB privilege; the error says so).
 */
export async function openScratchDatabase(beside: Database): Promise<Database> {
  if (beside.embedded) return openDatabase({});
  const name = `market_bot_check_${randomBytes(6).toString('hex')}`;
  try {
    await beside.dataSource.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    throw new ScratchDatabaseError(
      `cannot create a scratch database for the check (${(e as Error).message}); ` +
        'run "migrate" first, or give the database user CREATEDB',
      { cause: e },
    );
  }
  const url = new URL(beside.url);
  url.pathname = `/${name}`;
  const drop = () => beside.dataSource.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  let db: Database;
  try {
    db = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
  } catch (e) {
    await drop();
    throw e;
  }
  return {
    ...db,
    async close() {
      await db.close();
      await drop();
    },
  };
}
