import { createHash } from 'node:crypto';
import pg from 'pg';
import pgUtils from 'pg/lib/utils.js';
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

/** What pg keeps per connection about the statements it has parsed there (pg 8, pinned). */
type PgClient = pg.PoolClient & { connection?: { parsedStatements?: Record<string, string> } };

/** Statement names by text: one hash per hot statement, computed once. */
const names = new Map<string, string>();

/**
 * The name a statement is prepared under: derived from its text, so one name always means one text
 * (two processes sharing an embedded database's session, or two versions of a statement, can't mix).
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `mb_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/** PostgreSQL's "prepared statement already exists" and "prepared statement does not exist". */
const DUPLICATE_PREPARED = '42P05';
const UNKNOWN_PREPARED = '26000';

/**
 * Runs one of the statements every update runs (session, access, the shop screens) as a named
 * prepared statement, straight on a pooled pg client: parsed and planned once per database session,
 * then only bound and executed, and without TypeORM's query runner around it (planning cost 5–8×
 * the execution of these reads, and the runner was a visible share of the bot's CPU).
 *
 * The embedded database serves every connection from ONE PostgreSQL session (pglite-socket), so a
 * name another connection prepared already exists there: the DataSource is marked (servesOneSession)
 * and a connection is told what the session holds. A name it does not know of (another process
 * connected to the same embedded server prepared it) fails with 42P05 on the first Parse and is then
 * known as parsed (the name is the text's hash, so the statement there is this very one). That
 * failure can't abort a transaction, as this runs outside any: inside
 * `transaction(em => …)` (or on a manager bound to a query runner) the statement goes through `run`.
 */
export async function runPrepared<R = Row>(db: Db, text: string, params: unknown[] = []): Promise<Result<R>> {
  const em = managerOf(db);
  if (em.queryRunner) return run<R>(db, text, params);
  const ds = dataSourceOf(db);
  const pool = (ds.driver as unknown as { master: pg.Pool }).master;
  const name = statementName(text);
  const session = sharedSessions.get(ds);
  const client = (await pool.connect()) as PgClient;
  const parsed = client.connection?.parsedStatements;
  // Prepared in the shared session already (by another connection): only bind and execute here.
  if (parsed && session?.has(name)) parsed[name] ??= text;
  let broken: Error | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await execute(client, name, text, params);
        session?.add(name);
        const rows = result.rows as R[];
        return { rows, count: result.rowCount ?? rows.length };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!parsed || attempt === 3 || (code !== DUPLICATE_PREPARED && code !== UNKNOWN_PREPARED)) throw err;
        // Known to the session but not to this connection (another process sharing the embedded
        // database prepared it): use it. Or the other way round (pg closes a statement whose
        // parameters it could not bind, on a shared session for everyone): parse it again, and if
        // another connection re-parsed it meanwhile, the third attempt uses theirs.
        if (code === DUPLICATE_PREPARED) {
          parsed[name] = text;
          session?.add(name);
        } else {
          delete parsed[name];
          session?.delete(name);
        }
      }
    }
  } catch (err) {
    // A server's answer (an SQL error) leaves the connection usable; anything else may not have.
    if ((err as { code?: string }).code === undefined) broken = err as Error;
    throw err;
  } finally {
    client.release(broken);
  }
}

/** A statement's result columns as the server describes them, and what reads them. */
interface Shape {
  fields: pg.FieldDef[];
  parsers: ((value: string) => unknown)[];
  /** A row with every column, null: each row starts as a copy (a plain object, quick to copy). */
  template: Record<string, unknown>;
}

/** What pg's Result has besides its typings (pg 8, pinned). */
interface PgResult {
  fields: pg.FieldDef[];
  _parsers: Shape['parsers'];
  addFields(fields: pg.FieldDef[]): void;
  parseRow(values: (string | null)[]): Row;
}

/** The result shapes of the prepared statements, by name: the same on every execution. */
const shapes = new Map<string, Shape>();

const sameFields = (a: pg.FieldDef[], b: pg.FieldDef[]) =>
  a === b ||
  (a.length === b.length &&
    a.every(
      (f, i) => f.name === b[i]!.name && f.dataTypeID === b[i]!.dataTypeID && f.format === b[i]!.format,
    ));

/**
 * pg's Result, for a named statement: pg builds its parsers and its row template (a null-prototype
 * object, slow to copy) anew for every execution. That was the driver's largest cost per update
 * after the socket writes. Here they are built once per statement name and checked against the
 * columns each execution is read with (ShapedQuery's, described once per connection): the same text
 * on another database can describe other columns, and is then read with those.
 */
class ShapedResult extends (pg.Result as unknown as new () => PgResult) {
  private shape: Shape | undefined;

  constructor(private readonly statement: string) {
    super();
  }

  override addFields(fields: pg.FieldDef[]): void {
    if (fields.some((f) => f.format !== 'text')) {
      // Binary columns (not asked for by the app) are left to pg as they are.
      super.addFields(fields);
      this.shape = undefined;
      return;
    }
    let shape = shapes.get(this.statement);
    if (!shape || !sameFields(shape.fields, fields)) {
      super.addFields(fields);
      const template: Record<string, unknown> = {};
      for (const f of fields) template[f.name] = null;
      shape = { fields, parsers: this._parsers, template };
      shapes.set(this.statement, shape);
    }
    this.fields = shape.fields;
    this._parsers = shape.parsers;
    this.shape = shape;
  }

  override parseRow(values: (string | null)[]): Row {
    if (!this.shape) return super.parseRow(values);
    const { fields, parsers, template } = this.shape;
    const row: Row = { ...template };
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      row[fields[i]!.name] = value === null || value === undefined ? null : parsers[i]!(value);
    }
    return row;
  }
}

/** What pg's Connection and Query have besides their typings (pg 8, pinned). */
interface PgConnection {
  parsedStatements: Record<string, string>;
  bind(config: object): void;
  close(config: { type: 'S'; name: string }): void;
  sync(): void;
}
interface PgQuery {
  name: string;
  portal: string;
  values: unknown[];
  binary: boolean;
  rows: number | undefined;
  _result: PgResult;
  _results: PgResult;
  handleRowDescription(msg: { fields: pg.FieldDef[] }): void;
  handleError(err: unknown, connection: PgConnection): void;
  _getRows(connection: PgConnection, rows: number | undefined): void;
}

/** Per connection: the result columns of each named statement the server described there. */
const described = new WeakMap<PgConnection, Map<string, pg.FieldDef[]>>();

/**
 * pg's Query, for a named statement: pg asks the server to describe the result on every execution
 * (a Describe message, answered with a RowDescription of every column, which pg parses each time).
 * A prepared statement's result columns can't change on its connection (the server refuses to run
 * it then: "cached plan must not change result type"), so here a statement is described on the
 * first execution on each connection (and after it was parsed again there), and later executions
 * are only bound and executed, read with the columns described then.
 */
class ShapedQuery extends (pg.Query as unknown as new (
  text: string,
  values: unknown[],
  callback: (err: Error | undefined, result: unknown) => void,
) => PgQuery) {
  private describing?: PgConnection;

  prepare(connection: PgConnection): void {
    const fields =
      connection.parsedStatements[this.name] !== undefined
        ? described.get(connection)?.get(this.name)
        : undefined;
    if (!fields) {
      this.describing = connection;
      (pg.Query.prototype as unknown as { prepare(c: PgConnection): void }).prepare.call(this, connection);
      return;
    }
    // As pg's Query.prepare does for a statement parsed on this connection, without the Describe.
    this.handleRowDescription({ fields });
    try {
      connection.bind({
        portal: this.portal,
        statement: this.name,
        values: this.values,
        binary: this.binary,
        valueMapper: pgUtils.prepareValue,
      });
    } catch (err) {
      connection.close({ type: 'S', name: this.name });
      connection.sync();
      this.handleError(err, connection);
      return;
    }
    this._getRows(connection, this.rows);
  }

  override handleRowDescription(msg: { fields: pg.FieldDef[] }): void {
    super.handleRowDescription(msg);
    if (!this.describing) return;
    let byName = described.get(this.describing);
    if (!byName) described.set(this.describing, (byName = new Map()));
    byName.set(this.name, msg.fields);
    this.describing = undefined;
  }
}

/**
 * Runs a named statement on a client: a ShapedQuery built from the text (pg copies a config
 * object's every property descriptor, a visible cost per statement), named, with a ShapedResult.
 */
function execute(
  client: pg.PoolClient,
  name: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new ShapedQuery(text, values, (err: Error | undefined, result: unknown) =>
      err ? reject(err) : resolve(result as pg.QueryResult),
    );
    query.name = name;
    query._result = query._results = new ShapedResult(name);
    client.query(query as unknown as pg.Query);
  });
}

/**
 * DataSources whose connections all share one database session (the embedded database), with the
 * statement names prepared in it: a connection the pool opens later (after an idle timeout closed
 * one) binds them straight away instead of first being told they exist.
 */
const sharedSessions = new WeakMap<DataSource, Set<string>>();

/** Marks a DataSource whose connections share one session (see runPrepared). */
export function servesOneSession(dataSource: DataSource): void {
  if (!sharedSessions.has(dataSource)) sharedSessions.set(dataSource, new Set());
}

const texts = new WeakMap<DataSource, Map<string, string>>();

/**
 * A hot statement's text, built once per DataSource under `key` (a string literal naming the
 * statement and its variant) and then reused as the very same string: building it from the
 * entities' columns, and hashing a new copy to find its prepared name, cost a little on every update.
 */
export function sqlOnce(db: Db, key: string, build: () => string): string {
  const ds = dataSourceOf(db);
  let perDs = texts.get(ds);
  if (!perDs) texts.set(ds, (perDs = new Map()));
  let text = perDs.get(key);
  if (text === undefined) perDs.set(key, (text = build()));
  return text;
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
