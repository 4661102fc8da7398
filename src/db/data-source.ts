import 'reflect-metadata';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { entities } from './entities/index.js';
import { SnakeNamingStrategy } from './naming.js';
import { migrations } from '../../migrations/index.js';
import { claimServerFile, runningServer, startEmbeddedServer } from './embedded.js';
import { servesOneSession } from '../services/sql.js';

export interface Database {
  dataSource: DataSource;
  /** The postgres:// URL every client (TypeORM, the panel's session store) connects to. */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
  /** Embedded only: a snapshot of the data dir, to start other databases from (tests). */
  dumpDataDir?: () => Promise<Blob>;
}

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    // Telegram ids are int8: read them as JS numbers (they stay below 2^53).
    parseInt8: true,
    extra: { max: poolSize, connectionTimeoutMillis: 10_000 },
    logging: false,
  };
}

export interface OpenOptions {
  /** PostgreSQL server; when absent, an embedded PostgreSQL (PGlite) is started. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files; undefined keeps it in memory. */
  dataDir?: string;
  /** A PGlite data-dir dump to start the embedded database from (tests use a migrated template). */
  loadDataDir?: Blob;
  poolSize?: number;
  /**
   * Embedded: the data dir tarball an empty data folder starts from instead of running initdb
   * (default: the one `npm run build` makes, dist/pglite/cluster.tar.gz; without it, initdb runs).
   */
  emptyCluster?: string;
}

/**
 * One code path for both databases: the embedded PGlite is served over the PostgreSQL wire protocol
 * on a loopback port, so TypeORM, pg and the panel's session store talk to it exactly as to a server.
 * It runs in a worker thread of its own (embedded-worker.ts), so its statements don't take the
 * caller's event loop.
 * PGlite runs one statement at a time and a transaction holds it, so code must never wait on a second
 * connection while holding a transaction open (inside `transaction(em => …)` use only `em`).
 */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const dataSource = new DataSource(dataSourceOptions(opts.databaseUrl, opts.poolSize));
    await dataSource.initialize();
    return { dataSource, url: opts.databaseUrl, embedded: false, close: () => dataSource.destroy() };
  }
  let dataDir: string | undefined;
  const root = opts.dataDir ? path.resolve(opts.dataDir) : undefined;
  if (root) {
    dataDir = path.join(root, 'pglite');
    await fs.mkdir(dataDir, { recursive: true });
    // Another process (the running app) serves these files: connect to it rather than open them twice.
    const running = await runningServer(root);
    if (running) {
      const dataSource = new DataSource(dataSourceOptions(running.url, opts.poolSize ?? 2));
      servesOneSession(dataSource);
      await dataSource.initialize();
      return { dataSource, url: running.url, embedded: true, close: () => dataSource.destroy() };
    }
  }
  const server = await startEmbeddedServer(
    { dataDir, loadDataDir: opts.loadDataDir ? await opts.loadDataDir.arrayBuffer() : undefined },
    opts.emptyCluster,
  );
  const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
  const release = root ? await claimServerFile(root, url) : async () => undefined;
  const dataSource = new DataSource(dataSourceOptions(url, opts.poolSize ?? 4));
  servesOneSession(dataSource);
  await dataSource.initialize();
  return {
    dataSource,
    url,
    embedded: true,
    dumpDataDir: () => server.dump(),
    async close() {
      await dataSource.destroy();
      await server.close();
      await release();
    },
  };
}

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const done = await dataSource.runMigrations({ transaction: 'each' });
  return done.map((m) => m.name);
}

/** The SQL that would bring the schema in line with the entities; empty when migrations and entities agree. */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
