import 'reflect-metadata';
import fs from 'node:fs/promises';
import { openDatabase, runMigrations } from '../../src/db/data-source.js';

/** Migrates an in-memory embedded database and writes its data dir to the path given as argument. */
const target = process.argv[2];
if (!target) throw new Error('usage: make-template.ts <output.tar>');
const db = await openDatabase({});
try {
  await runMigrations(db.dataSource);
  const dump = await db.dumpDataDir!();
  await fs.writeFile(target, Buffer.from(await dump.arrayBuffer()));
} finally {
  await db.close();
}
