import { run, type Db } from './sql.js';

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

/** The append-only audit log (the database refuses updates and deletes of its rows). */
export class AuditService {
  constructor(private readonly ds: Db) {}

  /** Appends one row, in its own statement. */
  async record(entry: AuditEntry): Promise<void> {
    await run(
      this.ds,
      `INSERT INTO audit_log (actor_id, actor_username, action, resource, record_id, "before", "after")
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`,
      [
        entry.actorId,
        entry.actorUsername,
        entry.action,
        entry.resource,
        entry.recordId,
        json(entry.before),
        json(entry.after),
      ],
    );
  }
}

/** A JSON document for a jsonb parameter; null and undefined are SQL NULL. */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
