import { DataSource, EntityManager, type ObjectLiteral } from 'typeorm';

/**
 * The services speak SQL directly: every method is one statement (or one short transaction), so its
 * conditions and its concurrency are visible in one place. These helpers run a statement on a
 * DataSource or on a transaction's EntityManager and turn result rows back into entities.
 */
export type Db = DataSource | EntityManager;
export type Row = Record<string, unknown>;

export interface Result<R = Row> {
  rows: R[];
  /** Rows inserted, updated or deleted (for a SELECT, rows returned). */
  count: number;
}

function managerOf(db: Db): EntityManager {
  return db instanceof EntityManager ? db : db.manager;
}

function dataSourceOf(db: Db): DataSource {
  return db instanceof EntityManager ? db.connection : db;
}

/** Runs `fn` in a transaction; inside another one (an EntityManager of a transaction) as a savepoint. */
export function transaction<T>(db: Db, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return managerOf(db).transaction(fn);
}

/**
 * Runs one statement. Inside `dataSource.transaction(em => …)` pass `em`: the statement then runs on
 * the transaction's connection. (The embedded database runs one transaction at a time, so a query on
 * another connection while a transaction is open would wait for ever.)
 */
export async function run<R = Row>(db: Db, sql: string, params: unknown[] = []): Promise<Result<R>> {
  const em = managerOf(db);
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    const rows = (result.records ?? []) as R[];
    return { rows, count: result.affected ?? rows.length };
  } finally {
    if (!em.queryRunner) await runner.release();
  }
}

type Ctor<T> = new () => T;

interface Mapping {
  columns: { db: string; prop: string }[];
}

const mappings = new WeakMap<DataSource, Map<Ctor<unknown>, Mapping>>();

function mappingOf(db: Db, target: Ctor<unknown>): Mapping {
  const ds = dataSourceOf(db);
  let perDs = mappings.get(ds);
  if (!perDs) mappings.set(ds, (perDs = new Map()));
  let mapping = perDs.get(target);
  if (!mapping) {
    const seen = new Set<string>();
    const columns: Mapping['columns'] = [];
    // Columns marked `select: false` (password and API-key hashes) are never read back.
    for (const c of ds.getMetadata(target).columns) {
      if (!c.isSelect || seen.has(c.databaseName)) continue;
      seen.add(c.databaseName);
      columns.push({ db: c.databaseName, prop: c.propertyName });
    }
    mapping = { columns };
    perDs.set(target, mapping);
  }
  return mapping;
}

/** The entity's readable columns as a select list, e.g. `"s"."id", "s"."name"`. */
export function columns(db: Db, target: Ctor<unknown>, alias?: string): string {
  const prefix = alias ? `"${alias}".` : '';
  return mappingOf(db, target)
    .columns.map((c) => `${prefix}"${c.db}"`)
    .join(', ');
}

/** A result row (snake_case columns) as an entity instance. */
export function hydrate<T extends ObjectLiteral>(db: Db, target: Ctor<T>, row: Row): T {
  const entity = new target() as Record<string, unknown>;
  for (const c of mappingOf(db, target).columns) {
    if (c.db in row) entity[c.prop] = row[c.db];
  }
  return entity as T;
}

/** The name of the unique index or constraint on these columns, as the database reports it in errors. */
export function uniqueIndexName(db: Db, target: Ctor<unknown>, propertyName: string): string | undefined {
  const meta = dataSourceOf(db).getMetadata(target);
  const index = meta.indices.find(
    (i) => i.isUnique && i.columns.length === 1 && i.columns[0]!.propertyName === propertyName,
  );
  return index?.name;
}

interface PgErrorFields {
  code?: string;
  constraint?: string;
  detail?: string;
}

function pgFields(err: unknown): PgErrorFields {
  if (!err || typeof err !== 'object') return {};
  const e = err as PgErrorFields & { driverError?: PgErrorFields };
  return { ...e.driverError, ...e };
}

/** True for a unique violation, optionally on one index or constraint (or on a column named in the detail). */
export function isUniqueViolation(err: unknown, constraint?: string, column?: string): boolean {
  const e = pgFields(err);
  if (e.code !== '23505') return false;
  if (constraint === undefined && column === undefined) return true;
  if (constraint !== undefined && e.constraint === constraint) return true;
  return column !== undefined && (e.detail ?? '').includes(`(${column})`);
}

export function isForeignKeyViolation(err: unknown): boolean {
  return pgFields(err).code === '23503';
}
