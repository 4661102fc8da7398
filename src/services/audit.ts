import { createHmac } from 'node:crypto';
import { run, transaction, type Db } from './sql.js';

/** One change made in the panel, as the audit log keeps it. */
export interface AuditEntry {
  /** The staff account that made the change (null when unknown). */
  actorId: number | null;
  actorUsername: string;
  action: string;
  resource: string;
  /** The record id(s), at most 64 characters. */
  recordId: string | null;
  /** Snapshots with secrets already stripped, or null. */
  before: unknown;
  after: unknown;
}

/** What `verify()` found. */
export interface AuditVerification {
  /** True when every chained row checks out. */
  ok: boolean;
  /** Rows whose hash was checked (up to the first broken one). */
  checked: number;
  /** Rows from before the chain began (no hash): not covered. */
  unchained: number;
  /** The last good row: note its id and hash elsewhere to detect a later cut of the log's tail. */
  head: { id: number; hash: string } | null;
  /** The first row that doesn't check out, and why. */
  broken?: { id: number; reason: string };
}

/**
 * The key when AUDIT_KEY is unset (development and tests only; production requires AUDIT_KEY). It is
 * public, so such a chain still shows edits, deletions and careless inserts, but not a forger who read it.
 */
export const DEVELOPMENT_AUDIT_KEY = 'market-bot public development audit key: set AUDIT_KEY';

/** The advisory lock that serialises appends, so concurrent inserts can't fork the chain. */
const CHAIN_LOCK = 0x6175_6474; // "audt"
const PAGE = 500;

interface StoredRow {
  id: number;
  actor_id: number | null;
  actor_username: string;
  action: string;
  resource: string;
  record_id: string | null;
  before: unknown;
  after: unknown;
  created_at: Date;
  hash: string | null;
}

/** A JSON value as jsonb gives it back (dates as strings, no undefined), or null. */
function normalised(value: unknown): unknown {
  return value === null || value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** JSON with object keys sorted at every level: the same text whatever order jsonb keeps keys in. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(object[k])}`).join(',')}}`;
}

/** HMAC-SHA256 over the previous hash ('' at the start of the chain) and the row's canonical content. */
function chainHash(key: string, previous: string, row: Omit<StoredRow, 'hash'>): string {
  const content = canonical([
    row.id,
    row.actor_id,
    row.actor_username,
    row.action,
    row.resource,
    row.record_id,
    row.before,
    row.after,
    row.created_at.toISOString(),
  ]);
  return createHmac('sha256', key).update(previous).update('\n').update(content).digest('hex');
}

/**
 * The audit log: append-only in the database (UPDATE, DELETE and TRUNCATE are refused) and
 * tamper-evident: each row's `hash` is an HMAC, with a key the database doesn't hold, chained over
 * the previous row's. `verify()` walks the chain.
 */
export class AuditService {
  private readonly key: string;

  constructor(
    private readonly ds: Db,
    options: { key?: string } = {},
  ) {
    this.key = options.key ?? DEVELOPMENT_AUDIT_KEY;
  }

  /**
   * Appends one row, chained to the last one. One short transaction under an advisory lock: the next
   * append waits, then sees this row, so the chain never forks; the id and time are taken under the lock
   * too, so ids follow the chain.
   */
  async record(entry: AuditEntry): Promise<void> {
    await transaction(this.ds, async (em) => {
      await run(em, 'SELECT pg_advisory_xact_lock($1::bigint)', [CHAIN_LOCK]);
      const { rows } = await run<{ id: number; at: Date; previous: string | null }>(
        em,
        `SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))::integer AS id,
                date_trunc('milliseconds', clock_timestamp()) AS at,
                (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS previous`,
      );
      const { id, at, previous } = rows[0]!;
      const row = {
        id,
        actor_id: entry.actorId,
        actor_username: entry.actorUsername,
        action: entry.action,
        resource: entry.resource,
        record_id: entry.recordId,
        before: normalised(entry.before),
        after: normalised(entry.after),
        created_at: at,
      };
      await run(
        em,
        `INSERT INTO audit_log
           (id, actor_id, actor_username, action, resource, record_id, "before", "after", created_at, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)`,
        [
          row.id,
          row.actor_id,
          row.actor_username,
          row.action,
          row.resource,
          row.record_id,
          json(row.before),
          json(row.after),
          row.created_at,
          chainHash(this.key, previous ?? '', row),
        ],
      );
    });
  }

  /**
   * Walks the log in id order and recomputes each hash. Rows without a hash before the first chained
   * row are counted as unchained; after it, a missing or wrong hash is the first broken row (a row
   * edited, inserted with the wrong key or none, or the row after one that was deleted).
   */
  async verify(): Promise<AuditVerification> {
    let previous: StoredRow | null = null;
    let head: AuditVerification['head'] = null;
    let checked = 0;
    let unchained = 0;
    for (let after = -Infinity; ;) {
      const { rows } = await run<StoredRow>(
        this.ds,
        `SELECT id, actor_id, actor_username, action, resource, record_id, "before", "after", created_at, hash
         FROM audit_log ${after === -Infinity ? '' : 'WHERE id > $2'} ORDER BY id LIMIT $1`,
        after === -Infinity ? [PAGE] : [PAGE, after],
      );
      for (const row of rows) {
        const chainStarted = head !== null || (previous?.hash ?? null) !== null;
        if (row.hash === null) {
          if (chainStarted)
            return { ok: false, checked, unchained, head, broken: { id: row.id, reason: 'no hash' } };
          unchained++;
        } else if (row.hash !== chainHash(this.key, previous?.hash ?? '', row)) {
          const reason = 'hash mismatch: this row, or the one before it, was changed, inserted or removed';
          return { ok: false, checked, unchained, head, broken: { id: row.id, reason } };
        } else {
          checked++;
          head = { id: row.id, hash: row.hash };
        }
        previous = row;
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
    return { ok: true, checked, unchained, head };
  }
}

/** A JSON document for a jsonb parameter; null is SQL NULL. */
function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}
