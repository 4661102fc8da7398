/**
 * The child of pglite-kill.test.ts: opens the embedded database the way the app does (PGlite in
 * DATA_DIR, served over the wire protocol), then commits one row per transaction for ever, printing
 * each id once its COMMIT has returned. The test kills it with SIGKILL and checks every printed id.
 */
import 'reflect-metadata';
import { openDatabase } from '../../src/db/data-source.js';

const db = await openDatabase({ dataDir: process.argv[2] });
await db.dataSource.query(
  `CREATE TABLE IF NOT EXISTS kill_probe (id integer PRIMARY KEY, body text NOT NULL)`,
);
const [{ max }] = (await db.dataSource.query(`SELECT coalesce(max(id), 0)::int AS max FROM kill_probe`)) as {
  max: number;
}[];
process.stdout.write('ready\n');
for (let id = max + 1; ; id++) {
  await db.dataSource.query(`INSERT INTO kill_probe (id, body) VALUES ($1, $2)`, [id, 'x'.repeat(500)]);
  process.stdout.write(`${id}\n`);
}
