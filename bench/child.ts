/**
 * What every bot under test is told by the driver, through its environment: where Telegram (the
 * emulator) is, its token, its database (a PostgreSQL URL, or a data folder for the embedded one)
 * and how many sellers to make room for.
 */
import fs from 'node:fs/promises';
import type { OpenOptions } from '../src/db/data-source.js';

export interface BotEnv {
  apiRoot: string;
  token: string;
  /** PostgreSQL; absent: the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  sellers: number;
  /**
   * BENCH_PGLITE_TEMPLATE: an embedded data-dir dump to start from, in memory, instead of a fresh
   * folder (the smoke test's shortcut past initdb; start figures are then not an operator's).
   */
  template?: string;
}

/** How a bot under test opens the embedded database: a fresh folder, or the template in memory. */
export async function embeddedOptions(env: BotEnv): Promise<OpenOptions> {
  if (!env.template) return { dataDir: env.dataDir };
  return { loadDataDir: new Blob([await fs.readFile(env.template)]) };
}

export function botEnv(): BotEnv {
  const need = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set (bench children are started by bench/compare.ts)`);
    return v;
  };
  return {
    apiRoot: need('BENCH_API_ROOT'),
    token: need('BENCH_TOKEN'),
    databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
    dataDir: need('BENCH_DATA_DIR'),
    sellers: Number(need('BENCH_SELLERS')),
    template: process.env.BENCH_PGLITE_TEMPLATE || undefined,
  };
}
