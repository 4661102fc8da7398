import 'reflect-metadata';
import fs from 'node:fs/promises';
import { openDatabase, runMigrations } from '../../src/db/data-source.js';
import { emptyTemplate } from './template-path.js';

/**
 * Writes two data dirs of an embedded database: `<target>.empty.tar` as initdb left it (for tests of
 * an unmigrated database: initdb is the slow part of a fresh one) and `<target>` migrated.
 */
const target = process.argv[2];
if (!target) throw new Error('usage: make-template.ts <output.tar>');
const db = await openDatabase({});
try {
  const empty = await db.dumpDataDir!();
  await fs.writeFile(emptyTemplate(target), Buffer.from(await empty.arrayBuffer()));
  await runMigrations(db.dataSource);
  const dump = await db.dumpDataDir!();
  await fs.writeFile(target, Buffer.from(await dump.arrayBuffer()));
} finally {
  await db.close();
}
