import type AdminJS from 'adminjs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * What the panel's URLs name, read before AdminJS sees them: the resource and action a path is
 * for, and whether a list request's parameters make sense. AdminJS throws on an unknown resource
 * or action and on some malformed parameters, which became 500s with error lines in the log;
 * here they become a 404 or a 400 with a sentence.
 */

/** Largest page size a list is asked for (AdminJS caps perPage at 500 itself). */
const MAX_PER_PAGE = 500;
/** Largest page number; far beyond any real list, small enough that page × perPage stays exact. */
const MAX_PAGE = 1_000_000;

/**
 * A path as the router may end up reading it: percent-escapes decoded until none is left (so
 * `Us%65r` and `Us%2565r` are `User`), `.`, `..` and repeated slashes resolved, no trailing slash,
 * lower case (express matches routes case-insensitively). Undefined when an escape is malformed.
 */
export function canonicalPath(rawPath: string): string | undefined {
  let path = rawPath;
  for (let i = 0; i < 5; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return undefined;
    }
    if (decoded === path) break;
    path = decoded;
  }
  const out: string[] = [];
  for (const segment of path.split(/[\\/]+/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`.toLowerCase();
}

interface PanelTarget {
  api: boolean;
  resourceId: string;
  /** The action of `/actions/<name>` or `/records/<id>/<name>`, when the path names one. */
  action?: string;
}

/** The resource (and action) a path names, decoded once as express decodes route parameters. */
function targetOf(rawPath: string): PanelTarget | undefined {
  const parts = rawPath.split('/').slice(1);
  const api = parts[0] === 'api';
  if (api) parts.shift();
  if (parts[0]?.toLowerCase() !== 'resources' || !parts[1]) return undefined;
  const decode = (s: string | undefined) => {
    if (s === undefined || s === '') return undefined;
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const resourceId = decode(parts[1])!;
  const kind = parts[2]?.toLowerCase();
  const action = kind === 'actions' ? decode(parts[3]) : kind === 'records' ? decode(parts[4]) : undefined;
  return { api, resourceId, action };
}

function refuse(req: Request, res: Response, status: 400 | 404, message: string): void {
  if (req.path.startsWith('/api/')) {
    res.status(status).json({ error: status === 404 ? 'not found' : 'bad request', message });
  } else {
    res.status(status).type('text').send(message);
  }
}

/** A filter or sort value checked against the property's type; the sentence says what is wrong. */
type PropertyLike = {
  type(): string;
  availableValues(): Array<{ value: unknown }> | null;
};

function badFilterValue(key: string, value: unknown, property: PropertyLike): string | undefined {
  if (typeof value !== 'string') return `filter "${key}" must be a single value`;
  const type = property.type();
  const allowed = property.availableValues();
  if (allowed && allowed.length && !allowed.some((a) => String(a.value) === value)) {
    return `filter "${key}" must be one of ${allowed.map((a) => String(a.value)).join(', ')}`;
  }
  if ((type === 'number' || type === 'float' || type === 'currency') && !Number.isFinite(Number(value))) {
    return `filter "${key}" must be a number`;
  }
  if (type === 'boolean' && value !== 'true' && value !== 'false') {
    return `filter "${key}" must be true or false`;
  }
  if ((type === 'date' || type === 'datetime') && Number.isNaN(Date.parse(value))) {
    return `filter "${key}" must be a date`;
  }
  return undefined;
}

function wholeNumber(value: unknown, min: number, max: number): boolean {
  return typeof value === 'string' && /^\d{1,10}$/.test(value) && +value >= min && +value <= max;
}

/** The list action's parameters: a sentence for the first that makes no sense, or undefined. */
function badListQuery(
  query: Request['query'],
  resource: ReturnType<AdminJS['findResource']>,
): string | undefined {
  const decorated = resource.decorate();
  if (query.page !== undefined && !wholeNumber(query.page, 1, MAX_PAGE)) {
    return `page must be a whole number from 1 to ${MAX_PAGE}`;
  }
  if (query.perPage !== undefined && !wholeNumber(query.perPage, 1, MAX_PER_PAGE)) {
    return `perPage must be a whole number from 1 to ${MAX_PER_PAGE}`;
  }
  if (query.direction !== undefined && query.direction !== 'asc' && query.direction !== 'desc') {
    return 'direction must be asc or desc';
  }
  if (query.sortBy !== undefined) {
    const property = typeof query.sortBy === 'string' ? decorated.getPropertyByKey(query.sortBy) : undefined;
    const shown = property && (property.isVisible('list') || property.isVisible('show'));
    if (!property || !property.isSortable() || !shown) {
      return `the list can't be sorted by "${String(query.sortBy)}"`;
    }
  }
  // AdminJS reads `filters.<path>=…` (flattened) and `filters[<path>]=…` alike.
  const filters: Array<[string, unknown]> = Object.entries(query)
    .filter(([k]) => k.startsWith('filters.'))
    .map(([k, v]) => [k.slice('filters.'.length), v]);
  if (query.filters !== undefined) {
    if (typeof query.filters !== 'object' || Array.isArray(query.filters))
      return 'filters must name properties';
    filters.push(...Object.entries(query.filters));
  }
  for (const [key, value] of filters) {
    const base = key.replace(/~~(from|to)$/, '');
    const property = decorated.getPropertyByKey(base);
    if (!property || !property.isVisible('filter')) return `there is no filter "${key}"`;
    const bad = badFilterValue(key, value, property);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * Refuses, before AdminJS: a resource or an action that doesn't exist (404; a resource named in the
 * wrong case is one that doesn't exist), and a list request with a bad page, perPage, sort,
 * direction, filter name or filter value (400). Mount it after the superuser gate.
 */
export function panelRequestGuard(admin: AdminJS): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const target = targetOf(req.path);
    if (!target) return next();
    const resource = admin.resources.find((r) => r.decorate().id() === target.resourceId);
    if (!resource) return refuse(req, res, 404, `There is no resource "${target.resourceId}"`);
    if (target.action !== undefined && !resource.decorate().actions[target.action]) {
      return refuse(req, res, 404, `There is no action "${target.action}" on ${target.resourceId}`);
    }
    if (target.api && target.action === 'list' && req.method === 'GET') {
      const bad = badListQuery(req.query, resource);
      if (bad) return refuse(req, res, 400, bad);
    }
    next();
  };
}
