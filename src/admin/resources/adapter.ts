import { Resource } from '@adminjs/typeorm';
import { ValidationError, type ActionContext, type BaseRecord, type Filter } from 'adminjs';
import {
  And,
  Equal,
  ILike,
  In,
  Not,
  QueryFailedError,
  Raw,
  type BaseEntity,
  type FindOperator,
  type FindOptionsWhere,
} from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../services/sql.js';

type FilterElement = Filter['filters'][string] & { custom?: unknown; restricted?: true };

/**
 * What staff who are not superusers may read of a resource, enforced where the panel reads it (every
 * list, show, search, reference and action goes through the adapter with the viewer in `context`).
 */
export interface NonSuperuserView {
  /** They read no rows at all (staff accounts: a reference to one populates nothing). */
  none?: true;
  /** Rows whose `path` is one of `values` are not theirs to see. */
  exclude?: { path: string; values: string[] };
  /** Filters they may not use: they would tell hidden values apart. */
  noFilters?: string[];
  /** Their view of a record's (flattened) params. */
  redact?: (params: Record<string, unknown>) => Record<string, unknown>;
}

const isSuperuserContext = (context?: ActionContext) =>
  (context?.currentAdmin as { isSuperuser?: unknown } | undefined)?.isSuperuser === true;
interface SortParams {
  limit?: number;
  offset?: number;
  sort?: { sortBy?: string; direction?: 'asc' | 'desc' };
}

/** `%`, `_` and `\` typed by staff are searched for literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The TypeORM adapter (what AdminJS reads and writes a resource through) with the panel's rules:
 * - text filters are case-insensitive substring searches (ILIKE, wildcards escaped) instead of
 *   LIKE, which is case-sensitive on PostgreSQL;
 * - bigint columns (Telegram ids), which the adapter treats as text, are matched exactly, so the
 *   query can use their index (and `LIKE` on a bigint would be an SQL error);
 * - columns that are never selected (password and API-key hashes) can't be filtered or sorted on:
 *   a filter on them would be an oracle for the hash. Unknown filter keys are dropped, not a crash;
 * - a database error on save becomes a validation error with the database's message, and any other
 *   error is no longer swallowed (the adapter drops them).
 */
export class SafeTypeormAdapter extends Resource {
  constructor(
    private readonly entity: typeof BaseEntity,
    private readonly nonSuperuser: NonSuperuserView = {},
  ) {
    super(entity);
  }

  /** The limits for this reader, or null for a superuser (or a read without a viewer: the app's own). */
  private limitsFor(context?: ActionContext): NonSuperuserView | null {
    if (!context || isSuperuserContext(context)) return null;
    return this.nonSuperuser;
  }

  override async find(filter: Filter, params: SortParams, context?: ActionContext): Promise<BaseRecord[]> {
    const limits = this.limitsFor(context);
    if (limits?.none) return [];
    const sort = this.safeSort(params.sort);
    const rewritten = this.rewrite(filter, limits);
    const offset = params.offset ?? 0;
    const records =
      offset >= DEFERRED_FROM && sort?.sortBy === this.idName()
        ? await this.deepPage(rewritten, offset, params.limit ?? 10, sort.direction ?? 'asc')
        : await super.find(rewritten, { ...params, sort });
    return this.redacted(records, limits);
  }

  /**
   * A page far down a list sorted by id: the ids are found first, from the primary key's index alone
   * (an index-only scan skips the OFFSET's rows without reading them), then only the page's rows are
   * read. Reading whole rows all the way down took 0.7–1 s for row 500,000 of 1,000,000.
   */
  private async deepPage(filter: Filter, offset: number, limit: number, direction: 'asc' | 'desc') {
    const id = this.idName();
    const order = direction === 'desc' ? 'DESC' : 'ASC';
    const ids = (
      await this.entity
        .getRepository()
        .createQueryBuilder()
        .setFindOptions({
          where: await whereOf(filter),
          select: { [id]: true },
          order: { [id]: order },
          skip: offset,
          take: limit,
        })
        .getMany()
    ).map((row) => (row as unknown as Record<string, string | number>)[id]!);
    if (ids.length === 0) return [];
    const rows = await super.findMany(ids);
    const byId = new Map(rows.map((r) => [String(r.id()), r]));
    return ids.map((value) => byId.get(String(value))).filter((r): r is BaseRecord => r !== undefined);
  }

  /**
   * A list's total without counting a large table: the rows are counted up to {@link COUNT_CAP} (a
   * COUNT over a LIMIT, which stops there); beyond that an unfiltered list takes the planner's estimate
   * of the table's rows ("about 1,000,000") and a filtered one says "10,000+". An exact COUNT of
   * 1,000,000 users took 210–390 ms per list page. What it was is left in `context` for the list's
   * response (see {@link countOf}).
   */
  override async count(filter: Filter, context?: ActionContext): Promise<number> {
    const limits = this.limitsFor(context);
    if (limits?.none) return this.counted(context, { total: 0, kind: 'exact' });
    const where = await whereOf(this.rewrite(filter, limits));
    const unfiltered = Object.keys(where).length === 0;
    // A table well past the cap needs no count at all (counting to the cap would cost a scan of it).
    const estimate = unfiltered ? await this.estimatedRows() : 0;
    if (estimate > 2 * COUNT_CAP) return this.counted(context, { total: estimate, kind: 'estimated' });
    const repository = this.entity.getRepository();
    const [sql, params] = repository
      .createQueryBuilder()
      .setFindOptions({ where, select: { [this.idName()]: true }, take: COUNT_CAP + 1 })
      .getQueryAndParameters();
    const [{ n }] = (await repository.query(`SELECT count(*)::int AS n FROM (${sql}) capped`, params)) as {
      n: number;
    }[];
    if (n <= COUNT_CAP) return this.counted(context, { total: n, kind: 'exact' });
    if (!unfiltered) return this.counted(context, { total: COUNT_CAP, kind: 'atLeast' });
    return this.counted(context, { total: Math.max(estimate, n), kind: 'estimated' });
  }

  private counted(context: ActionContext | undefined, count: ListCount): number {
    if (context) (context as CountingContext)[COUNT_KEY] = count;
    return count.total;
  }

  /**
   * The planner's estimate of the table's rows: pg_class.reltuples scaled to the table's current size
   * (so it follows inserts and deletes between two ANALYZEs), as EXPLAIN computes it.
   */
  private async estimatedRows(): Promise<number> {
    const repository = this.entity.getRepository();
    const table = repository.metadata.tablePath
      .split('.')
      .map((part: string) => `"${part.replace(/"/g, '""')}"`);
    const rows = (await repository.query(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table.join('.')}`)) as {
      'QUERY PLAN': unknown;
    }[];
    const raw = rows[0]?.['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: { 'Plan Rows': number } }[];
    return Math.round(plan[0]!.Plan['Plan Rows']);
  }

  override async findOne(id: string, context?: ActionContext): Promise<BaseRecord | null> {
    const limits = this.limitsFor(context);
    if (limits?.none) return null;
    const record = await super.findOne(id);
    if (!record) return null;
    return this.redacted([record], limits)[0] ?? null;
  }

  override async findMany(ids: (string | number)[], context?: ActionContext): Promise<BaseRecord[]> {
    const limits = this.limitsFor(context);
    if (limits?.none) return [];
    return this.redacted(await super.findMany(ids), limits);
  }

  /** Drops the rows a limited reader may not see and rewrites the rest's params for them. */
  private redacted(records: BaseRecord[], limits: NonSuperuserView | null): BaseRecord[] {
    if (!limits) return records;
    const { exclude, redact } = limits;
    const out = exclude
      ? records.filter((r) => !exclude.values.includes(String(r.get(exclude.path))))
      : records;
    if (redact) for (const r of out) r.params = redact(r.params);
    return out;
  }

  override async validateAndSave(instance: BaseEntity): Promise<void> {
    try {
      await instance.save();
    } catch (error) {
      if (error instanceof QueryFailedError) {
        // AdminJS treats a record as valid unless a property has an error: name the columns at fault.
        const message = describeDbError(error);
        const errors: Record<string, { type: string; message: string }> = {};
        for (const path of this.columnsNamedIn(error)) errors[path] = { type: 'QueryFailedError', message };
        if (Object.keys(errors).length === 0) errors[this.idName()] = { type: 'QueryFailedError', message };
        throw new ValidationError(errors, { type: 'QueryFailedError', message });
      }
      throw error;
    }
  }

  /** The properties behind the columns a PostgreSQL error detail names, e.g. "Key (shop_id)=(9) …". */
  private columnsNamedIn(error: QueryFailedError): string[] {
    const detail = (error.driverError as { detail?: string } | undefined)?.detail ?? '';
    const names =
      /Key \(([^)]+)\)/
        .exec(detail)?.[1]
        ?.split(',')
        .map((n) => n.trim().replace(/"/g, '')) ?? [];
    return this.properties()
      .filter((p) => names.includes(p.column.databaseName))
      .map((p) => p.path());
  }

  private column(path: string): ColumnMetadata | undefined {
    return this.property(path)?.column;
  }

  private safeSort(sort: SortParams['sort']): SortParams['sort'] {
    const column = sort?.sortBy ? this.column(sort.sortBy) : undefined;
    const direction = sort?.direction === 'desc' ? 'desc' : 'asc';
    if (!column || !column.isSelect) return { sortBy: this.idName(), direction };
    return { sortBy: sort!.sortBy, direction };
  }

  private rewrite(filter: Filter, limits: NonSuperuserView | null = null): Filter {
    if (!filter?.filters) return filter;
    for (const [key, element] of Object.entries(filter.filters) as [string, FilterElement][]) {
      if (limits?.noFilters?.includes(element.path)) {
        element.custom = Raw(() => 'FALSE');
        continue;
      }
      const column = element.property ? this.column(element.path) : undefined;
      if (!column || !column.isSelect) {
        delete filter.filters[key];
        continue;
      }
      if (element.custom !== undefined || typeof element.value !== 'string') continue;
      const value = element.value.trim();
      const type = element.property.type();
      if (column.type === 'bigint') {
        element.custom = /^-?\d{1,15}$/.test(value) ? Equal(value) : Raw(() => 'FALSE');
      } else if (column.type === 'enum') {
        // An unknown value would be an SQL error (invalid input value for enum).
        if (!(column.enum ?? []).map(String).includes(value)) element.custom = Raw(() => 'FALSE');
      } else if (type === 'number' && !/^-?\d{1,9}$/.test(value)) {
        element.custom = Raw(() => 'FALSE');
      } else if (type === 'boolean' && value !== 'true' && value !== 'false') {
        element.custom = Raw(() => 'FALSE');
      } else if (type === 'string') {
        element.custom = ILike(`%${escapeLike(value)}%`);
      }
    }
    if (limits?.exclude) this.exclude(filter, limits.exclude);
    return filter;
  }

  /** ANDs "not one of `values`" to the filter on `path` (once: count and find share the filter). */
  private exclude(filter: Filter, { path, values }: { path: string; values: string[] }): void {
    const filters = filter.filters as Record<string, FilterElement>;
    const element = filters[path];
    if (element?.restricted) return;
    const notHidden = Not(In(values));
    if (element) {
      const own = element.custom as FindOperator<unknown> | undefined;
      element.custom = own ? And(own, notHidden) : notHidden;
      element.restricted = true;
    } else {
      const property = this.property(path);
      filters[path] = { path, value: '', property, custom: notHidden, restricted: true } as FilterElement;
    }
  }
}

/** From this offset on, a page of a list sorted by id finds its ids first (see `deepPage`). */
const DEFERRED_FROM = 1_000;

/** Lists count exactly up to this many rows; beyond it, see {@link SafeTypeormAdapter.count}. */
export const COUNT_CAP = 10_000;

/** What a list's total is: exact, the planner's estimate of the whole table, or "at least" (capped). */
export interface ListCount {
  total: number;
  kind: 'exact' | 'estimated' | 'atLeast';
}

const COUNT_KEY = Symbol('listCount');
type CountingContext = ActionContext & { [COUNT_KEY]?: ListCount };

/** How the adapter counted for this action (undefined when it didn't, or for another adapter). */
export function countOf(context: ActionContext): ListCount | undefined {
  return (context as CountingContext)[COUNT_KEY];
}

/**
 * The TypeORM `where` the base adapter makes of a filter. Its converter is not exported (the
 * package's exports name only its index), so its `count` is run against a model that keeps the
 * options it is given.
 */
async function whereOf(filter: Filter): Promise<FindOptionsWhere<BaseEntity>> {
  let where: FindOptionsWhere<BaseEntity> = {};
  const keeper = {
    model: {
      count: async (options: { where: FindOptionsWhere<BaseEntity> }) => {
        where = options.where;
        return 0;
      },
    },
  };
  await Resource.prototype.count.call(keeper, filter);
  return where;
}

function describeDbError(error: QueryFailedError): string {
  const e = error.driverError as { code?: string; detail?: string } | undefined;
  if (isUniqueViolation(error)) return `Already taken: ${e?.detail ?? error.message}`;
  if (isForeignKeyViolation(error)) return `Still referenced: ${e?.detail ?? error.message}`;
  return error.message;
}
