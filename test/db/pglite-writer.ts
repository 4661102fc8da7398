/**
 * The child of pglite-kill.test.ts: opens the embedded database the way the app does (PGlite in
 * DATA_DIR, in its own thread, served over the wire protocol), then commits one row per transaction
 * for ever, printing each id once its COMMIT has returned. The test kills it with SIGKILL and checks every printed id.
 */
import 'reflect-metadata';
import { openDatabase } from '../../src/db/data-source.js';
import { emptyTemplate } from '../support/template-path.js';

// A new data folder starts from the run's empty cluster, as the app's from the one the build makes.
const template = process.env.MARKET_BOT_TEST_TEMPLATE;
const db = await openDatabase({
  dataDir: process.argv[2],
  emptyCluster: template ? emptyTemplate(template) : undefined,
});
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
