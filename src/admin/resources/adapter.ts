import { Resource } from '@adminjs/typeorm';
import { ValidationError, type BaseRecord, type Filter } from 'adminjs';
import { Equal, ILike, QueryFailedError, Raw, type BaseEntity } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../services/sql.js';

type FilterElement = Filter['filters'][string] & { custom?: unknown };
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
  constructor(model: typeof BaseEntity) {
    super(model);
  }

  override async find(filter: Filter, params: SortParams): Promise<BaseRecord[]> {
    return super.find(this.rewrite(filter), { ...params, sort: this.safeSort(params.sort) });
  }

  override async count(filter: Filter): Promise<number> {
    return super.count(this.rewrite(filter));
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

  private rewrite(filter: Filter): Filter {
    if (!filter?.filters) return filter;
    for (const [key, element] of Object.entries(filter.filters) as [string, FilterElement][]) {
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
    return filter;
  }
}

function describeDbError(error: QueryFailedError): string {
  const e = error.driverError as { code?: string; detail?: string } | undefined;
  if (isUniqueViolation(error)) return `Already taken: ${e?.detail ?? error.message}`;
  if (isForeignKeyViolation(error)) return `Still referenced: ${e?.detail ?? error.message}`;
  return error.message;
}
