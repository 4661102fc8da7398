/**
 * The child of embedded.test.ts's memory test: opens an empty data folder the way the app does
 * (from the empty cluster given, as `npm run build` ships one), migrates it, and prints the
 * process's peak and current RSS from /proc/self/status (kB) and its tables as JSON.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import { openDatabase, runMigrations } from '../../src/db/data-source.js';

const [dataDir, emptyCluster] = process.argv.slice(2);
const db = await openDatabase({ dataDir, emptyCluster });
await runMigrations(db.dataSource);
const status = fs.readFileSync('/proc/self/status', 'utf8');
const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
const [{ tables }] = (await db.dataSource.query(
  `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`,
)) as { tables: number }[];
await db.close();
process.stdout.write(`${JSON.stringify({ peakKb: kb('VmHWM'), rssKb: kb('VmRSS'), tables })}\n`);
