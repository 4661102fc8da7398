import { EntityManager, type DataSource, type QueryRunner } from 'typeorm';
import { AuditService } from './audit.js';
import { DomainError, isDomainError } from './errors.js';
import { apiKeyPrefix, hashApiKey } from './secrets.js';
import { slugify } from './slug.js';
import {
  decodeBody,
  parseInbound,
  rawWithoutKey,
  withoutKey,
  type CreateBody,
  type InboundChange,
  type UpdateBody,
} from './sync-contract.js';
import { isForeignKeyViolation, isUniqueViolation, run, transaction, type Db, type Row } from './sql.js';

/** An outbox row the relay publishes: the event for one committed change of one shop. */
export interface OutboxEvent {
  id: number;
  shopId: number;
  operation: 'create' | 'update' | 'delete';
  version: number;
  body: Record<string, unknown>;
  attempts: number;
}

/** An inbound message as it came off the queue. */
export interface InboundMessage {
  /** The AMQP message id; without one, a hash of the operation and the body stands in. */
  messageId: string;
  operation: unknown;
  body: Buffer;
}

/** What became of an inbound message (all of them end acknowledged). */
export type Received =
  | { outcome: 'applied'; operation: 'create' | 'update' | 'delete'; shopId: number }
  /** Its message id was applied (or dead-lettered) before: nothing changed. */
  | { outcome: 'duplicate' }
  /** The shop already holds this version or a newer one (or a delete found no shop): nothing changed. */
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'dead'; reason: string; deadLetterId: number };

export interface DeadLetter {
  id: number;
  messageId: string | null;
  operation: string | null;
  reason: string;
  payload: unknown;
  status: 'open' | 'applied' | 'dismissed';
  receivedAt: Date;
  retriedAt: Date | null;
}

export interface SyncStatus {
  /** Outbox rows not yet confirmed by the broker. */
  backlog: number;
  oldestPendingAt: Date | null;
  /** Pending rows that failed at least once, and the last error among them. */
  failing: number;
  lastError: string | null;
  lastSentAt: Date | null;
  openDeadLetters: number;
}

/** Who applied an inbound change, in the audit log. */
export const SYNC_ACTOR = 'marketplace sync';
/** The relay's leader lock: one publisher at a time keeps each shop's events in order. */
const RELAY_LOCK = 0x7379_6e63; // "sync"
/** How long sent outbox rows and applied message ids are kept. */
const KEEP_SENT_DAYS = 7;
const KEEP_SEEN_DAYS = 30;

/** A problem with the message itself (bad value, broken constraint): dead-lettered, not retried. */
function isRefusal(err: unknown): boolean {
  if (isDomainError(err)) return true;
  const code =
    (err as { code?: string; driverError?: { code?: string } })?.driverError?.code ??
    (err as { code?: string })?.code;
  // Class 22 (data exception) and 23 (integrity constraint violation).
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function reasonOf(err: unknown): string {
  if (isDomainError(err)) return err.message;
  const e = err as { driverError?: { detail?: string }; detail?: string; message?: string };
  const detail = e.driverError?.detail ?? e.detail;
  return [e.message ?? String(err), detail].filter(Boolean).join(': ').slice(0, 1000);
}

/**
 * The shop sync's database side: the outbox the relay drains, the inbound apply (idempotent, ordered
 * by version, echo-free), the dead letters and the figures the panel's Sync page shows.
 */
export class SyncService {
  constructor(
    private readonly ds: Db,
    private readonly opts: { auditKey?: string } = {},
  ) {}

  // ----- outbound ---------------------------------------------------------------------------------

  /**
   * Due events, oldest first. A shop whose earlier event is waiting out a back-off has none of its
   * later events handed out meanwhile, so each shop's events leave in commit order.
   */
  async pending(limit = 100): Promise<OutboxEvent[]> {
    const { rows } = await run<Row>(
      this.ds,
      `SELECT o.id, o.shop_id, o.operation, o.version, o.body, o.attempts
         FROM shop_sync_outbox o
        WHERE o.sent_at IS NULL AND o.next_attempt_at <= now()
          AND NOT EXISTS (SELECT 1 FROM shop_sync_outbox p
                           WHERE p.sent_at IS NULL AND p.shop_id = o.shop_id AND p.id < o.id
                             AND p.next_attempt_at > now())
        ORDER BY o.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      shopId: r.shop_id as number,
      operation: r.operation as OutboxEvent['operation'],
      version: Number(r.version),
      body: r.body as Record<string, unknown>,
      attempts: r.attempts as number,
    }));
  }

  /** The broker confirmed these events: they are sent, and their shops were synced now. */
  async markSent(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await run(
      this.ds,
      `WITH sent AS (
         UPDATE shop_sync_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL
          WHERE id = ANY($1::bigint[]) AND sent_at IS NULL
         RETURNING shop_id
       )
       UPDATE shops SET synced_at = now() WHERE id IN (SELECT shop_id FROM sent)`,
      [ids],
    );
  }

  /** These events were not confirmed: they (and their shops' later events) wait `delaySeconds`. */
  async retryLater(ids: number[], delaySeconds: number, error: string): Promise<void> {
    if (ids.length === 0) return;
    await run(
      this.ds,
      `UPDATE shop_sync_outbox
          SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2),
              last_error = $3
        WHERE id = ANY($1::bigint[]) AND sent_at IS NULL`,
      [ids, delaySeconds, error.slice(0, 1000)],
    );
  }

  /** Every pending event is due now (the broker is back: no need to wait out the back-off). */
  async retryNow(): Promise<void> {
    await run(
      this.ds,
      `UPDATE shop_sync_outbox SET next_attempt_at = now() WHERE sent_at IS NULL AND next_attempt_at > now()`,
    );
  }

  /** Drops sent events and remembered message ids past their keeping time. */
  async prune(): Promise<{ sent: number; seen: number }> {
    const sent = await run(
      this.ds,
      `DELETE FROM shop_sync_outbox WHERE sent_at < now() - make_interval(days => $1)`,
      [KEEP_SENT_DAYS],
    );
    const seen = await run(
      this.ds,
      `DELETE FROM shop_sync_seen WHERE seen_at < now() - make_interval(days => $1)`,
      [KEEP_SEEN_DAYS],
    );
    return { sent: sent.count, seen: seen.count };
  }

  /**
   * Tries to become the relay's one publisher: a session lock held on a connection of its own for as
   * long as the returned lease lives (another process takes over when this one dies). Null: another
   * process holds it.
   */
  async lead(): Promise<RelayLease | null> {
    const dataSource: DataSource = this.ds instanceof EntityManager ? this.ds.connection : this.ds;
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      const rows = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [RELAY_LOCK])) as {
        ok: boolean;
      }[];
      if (rows[0]?.ok) return new RelayLease(runner);
    } catch {
      // The database is away: nobody leads from here for now.
    }
    await runner.release().catch(() => undefined);
    return null;
  }

  // ----- inbound ----------------------------------------------------------------------------------

  /**
   * Applies one inbound message in one transaction, or dead-letters it. Throws only when the
   * database itself failed (the message is then redelivered later).
   */
  async receive(message: InboundMessage): Promise<Received> {
    const decoded = decodeBody(message.body);
    if (!decoded.ok) {
      return this.deadLetter(message, decoded.reason, rawWithoutKey(message.body), undefined);
    }
    const apiKey = (decoded.value as { api_key?: unknown } | null)?.api_key;
    const key = typeof apiKey === 'string' && apiKey.trim() ? apiKey : undefined;
    const parsed = parseInbound(message.operation, decoded.value);
    if (!parsed.ok) return this.deadLetter(message, parsed.reason, withoutKey(decoded.value), key);
    try {
      return await transaction(this.ds, async (em) => {
        await run(em, `SET LOCAL market_bot.sync_apply = 'on'`);
        const { count } = await run(
          em,
          `INSERT INTO shop_sync_seen (message_id) VALUES ($1) ON CONFLICT DO NOTHING`,
          [message.messageId],
        );
        if (count === 0) return { outcome: 'duplicate' } as const;
        return this.applyChange(
          em,
          parsed.change,
          key ? { hash: hashApiKey(key), prefix: apiKeyPrefix(key) } : undefined,
        );
      });
    } catch (err) {
      if (!isRefusal(err)) throw err;
      return this.deadLetter(message, reasonOf(err), withoutKey(decoded.value), key);
    }
  }

  /** Records a message that can't be applied (once per message id), without its key. */
  private async deadLetter(
    message: InboundMessage,
    reason: string,
    payload: unknown,
    apiKey: string | undefined,
  ): Promise<Received> {
    return transaction(this.ds, async (em) => {
      const { count } = await run(
        em,
        `INSERT INTO shop_sync_seen (message_id) VALUES ($1) ON CONFLICT DO NOTHING`,
        [message.messageId],
      );
      if (count === 0) return { outcome: 'duplicate' } as const;
      const operation = typeof message.operation === 'string' ? message.operation.slice(0, 32) : null;
      const { rows } = await run<{ id: number }>(
        em,
        `INSERT INTO shop_sync_dead_letters (message_id, operation, reason, payload, api_key_hash, api_key_prefix)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id`,
        [
          message.messageId,
          operation,
          reason,
          JSON.stringify(payload ?? null),
          apiKey ? hashApiKey(apiKey) : null,
          apiKey ? apiKeyPrefix(apiKey) : null,
        ],
      );
      return { outcome: 'dead', reason, deadLetterId: rows[0]!.id } as const;
    });
  }

  /** The change, applied under `market_bot.sync_apply` (no outbox row, no version bump) if it is newer. */
  private async applyChange(
    em: EntityManager,
    change: InboundChange,
    key: { hash: string; prefix: string } | undefined,
  ): Promise<Received> {
    const { body } = change;
    const { rows } = await run<Row>(
      em,
      `SELECT id, name, slug, client_id, vendor_name, is_active, update_prices, version, external_id
         FROM shops WHERE external_id = $1 FOR UPDATE`,
      [body.id],
    );
    let current = rows[0];
    if (!current && change.operation !== 'delete' && change.body.bot_id !== undefined) {
      // The marketplace's answer to a shop made in the bot (published with id null): it names the
      // bot's id, and the shop takes the marketplace's id. Linked even when no field is newer.
      const linked = await run<Row>(
        em,
        `UPDATE shops SET external_id = $2, synced_at = now() WHERE id = $1 AND external_id IS NULL
         RETURNING id, name, slug, client_id, vendor_name, is_active, update_prices, version, external_id`,
        [change.body.bot_id, body.id],
      );
      current = linked.rows[0];
      if (current) {
        await this.audit(em, 'sync link', current.id as number, null, snapshot(current));
        if (change.body.version <= Number(current.version)) {
          return { outcome: 'applied', operation: change.operation, shopId: current.id as number };
        }
      }
    }
    if (change.operation === 'delete') {
      if (!current) return { outcome: 'ignored', reason: `no shop has id ${body.id}` };
      if (change.body.version !== undefined && change.body.version < Number(current.version)) {
        return {
          outcome: 'ignored',
          reason: `version ${change.body.version} is older than ${String(current.version)}`,
        };
      }
      await this.deleteShop(em, current);
      await this.audit(em, 'sync delete', current.id as number, snapshot(current), null);
      return { outcome: 'applied', operation: 'delete', shopId: current.id as number };
    }
    if (!current) {
      if (change.operation === 'update' && !isComplete(change.body)) {
        throw new DomainError('not_found', `update: no shop has id ${body.id} (send a create first)`);
      }
      if (!key) throw new DomainError('invalid', `${change.operation}: api_key: required for a new shop`);
      const id = await this.insertShop(em, change.body as CreateBody, key);
      const after = await this.snapshotOf(em, id);
      await this.audit(em, `sync ${change.operation}`, id, null, after);
      return { outcome: 'applied', operation: change.operation, shopId: id };
    }
    if (change.body.version <= Number(current.version)) {
      return {
        outcome: 'ignored',
        reason: `version ${change.body.version} is not newer than ${String(current.version)}`,
      };
    }
    await this.updateShop(em, current.id as number, change.body, key);
    const after = await this.snapshotOf(em, current.id as number);
    await this.audit(em, `sync ${change.operation}`, current.id as number, snapshot(current), after);
    return { outcome: 'applied', operation: change.operation, shopId: current.id as number };
  }

  private async insertShop(em: EntityManager, body: CreateBody, key: { hash: string; prefix: string }) {
    const slug = body.slug ?? (await freeSlug(em, slugify(body.name)));
    try {
      const { rows } = await run<{ id: number }>(
        em,
        `INSERT INTO shops (external_id, name, slug, api_key_hash, api_key_prefix, client_id, vendor_name,
                            is_active, update_prices, version, synced_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now()) RETURNING id`,
        [
          body.id,
          body.name,
          slug,
          key.hash,
          key.prefix,
          body.client_id,
          body.vendor_name,
          body.is_active,
          body.price_updating,
          body.version,
        ],
      );
      return rows[0]!.id;
    } catch (err) {
      throw conflictOf(err, slug) ?? err;
    }
  }

  private async updateShop(
    em: EntityManager,
    shopId: number,
    body: UpdateBody,
    key: { hash: string; prefix: string } | undefined,
  ): Promise<void> {
    const patch: Record<string, unknown> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.slug !== undefined) patch.slug = body.slug;
    if (body.client_id !== undefined) patch.client_id = body.client_id;
    if (body.vendor_name !== undefined) patch.vendor_name = body.vendor_name;
    if (body.is_active !== undefined) patch.is_active = body.is_active;
    if (body.price_updating !== undefined) patch.update_prices = body.price_updating;
    if (key) {
      patch.api_key_hash = key.hash;
      patch.api_key_prefix = key.prefix;
    }
    patch.version = body.version;
    const set = Object.keys(patch);
    try {
      await run(
        em,
        `UPDATE shops SET ${set.map((c, i) => `${c} = $${i + 2}`).join(', ')}, synced_at = now(), updated_at = now()
          WHERE id = $1`,
        [shopId, ...Object.values(patch)],
      );
    } catch (err) {
      throw conflictOf(err, body.slug) ?? err;
    }
  }

  /** The project's rule: a shop that still has storages is not deleted (the dead letter says so). */
  private async deleteShop(em: EntityManager, shop: Row): Promise<void> {
    const { rows } = await run<{ n: number }>(
      em,
      `SELECT count(*)::int AS n FROM storages WHERE shop_id = $1`,
      [shop.id],
    );
    const n = rows[0]!.n;
    const refusal = new DomainError(
      'conflict',
      `delete refused: shop "${String(shop.name)}" still has ${n} storage(s); delete or move them first`,
    );
    if (n > 0) throw refusal;
    try {
      await run(em, `DELETE FROM shops WHERE id = $1`, [shop.id]);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw refusal;
      throw err;
    }
  }

  private async snapshotOf(em: EntityManager, shopId: number): Promise<Record<string, unknown>> {
    const { rows } = await run<Row>(
      em,
      `SELECT id, name, slug, client_id, vendor_name, is_active, update_prices, version, external_id
         FROM shops WHERE id = $1`,
      [shopId],
    );
    return snapshot(rows[0]!);
  }

  private async audit(em: EntityManager, action: string, shopId: number, before: unknown, after: unknown) {
    await new AuditService(em, { key: this.opts.auditKey }).record({
      actorId: null,
      actorUsername: SYNC_ACTOR,
      action,
      resource: 'Shop',
      recordId: String(shopId),
      before,
      after,
    });
  }

  // ----- the panel --------------------------------------------------------------------------------

  async status(): Promise<SyncStatus> {
    const { rows } = await run<Row>(
      this.ds,
      `SELECT
         (SELECT count(*)::int FROM shop_sync_outbox WHERE sent_at IS NULL) AS backlog,
         (SELECT min(created_at) FROM shop_sync_outbox WHERE sent_at IS NULL) AS oldest,
         (SELECT count(*)::int FROM shop_sync_outbox WHERE sent_at IS NULL AND attempts > 0) AS failing,
         (SELECT last_error FROM shop_sync_outbox WHERE sent_at IS NULL AND last_error IS NOT NULL
           ORDER BY id DESC LIMIT 1) AS last_error,
         (SELECT max(sent_at) FROM shop_sync_outbox) AS last_sent,
         (SELECT count(*)::int FROM shop_sync_dead_letters WHERE status = 'open') AS dead`,
    );
    const r = rows[0]!;
    return {
      backlog: r.backlog as number,
      oldestPendingAt: (r.oldest as Date | null) ?? null,
      failing: r.failing as number,
      lastError: (r.last_error as string | null) ?? null,
      lastSentAt: (r.last_sent as Date | null) ?? null,
      openDeadLetters: r.dead as number,
    };
  }

  /** The newest dead letters first; `status` narrows to open (default), or all. */
  async deadLetters(opts: { limit?: number; all?: boolean } = {}): Promise<DeadLetter[]> {
    const { rows } = await run<Row>(
      this.ds,
      `SELECT id, message_id, operation, reason, payload, status, received_at, retried_at
         FROM shop_sync_dead_letters WHERE $2::boolean OR status = 'open'
        ORDER BY id DESC LIMIT $1`,
      [Math.min(Math.max(opts.limit ?? 50, 1), 500), opts.all ?? false],
    );
    return rows.map((r) => ({
      id: r.id as number,
      messageId: (r.message_id as string | null) ?? null,
      operation: (r.operation as string | null) ?? null,
      reason: r.reason as string,
      payload: r.payload,
      status: r.status as DeadLetter['status'],
      receivedAt: r.received_at as Date,
      retriedAt: (r.retried_at as Date | null) ?? null,
    }));
  }

  /**
   * Applies an open dead letter again (after the cause was fixed: the storages moved, the slug freed).
   * The stored payload carries the key's hash, not the key. 'applied' closes it; otherwise its reason
   * is updated and it stays open.
   */
  async retryDeadLetter(id: number): Promise<Received> {
    const { rows } = await run<Row>(
      this.ds,
      `SELECT id, operation, payload, api_key_hash, api_key_prefix FROM shop_sync_dead_letters
        WHERE id = $1 AND status = 'open'`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new DomainError('not_found', `There is no open dead letter #${id}.`);
    const key =
      row.api_key_hash && row.api_key_prefix
        ? { hash: String(row.api_key_hash), prefix: String(row.api_key_prefix) }
        : undefined;
    // The key was replaced by a marker when stored; a valid placeholder passes the contract's check.
    const payload = row.payload as Record<string, unknown> | null;
    const body =
      payload && typeof payload === 'object' && 'api_key' in payload
        ? { ...payload, api_key: 'x'.repeat(16) }
        : payload;
    const parsed = parseInbound(row.operation, body);
    let result: Received;
    if (!parsed.ok) {
      result = { outcome: 'dead', reason: parsed.reason, deadLetterId: id };
    } else {
      try {
        result = await transaction(this.ds, async (em) => {
          await run(em, `SET LOCAL market_bot.sync_apply = 'on'`);
          return this.applyChange(em, parsed.change, key);
        });
      } catch (err) {
        if (!isRefusal(err)) throw err;
        result = { outcome: 'dead', reason: reasonOf(err), deadLetterId: id };
      }
    }
    await run(
      this.ds,
      `UPDATE shop_sync_dead_letters SET retried_at = now(), status = $2, reason = $3 WHERE id = $1`,
      [
        id,
        result.outcome === 'dead' ? 'open' : 'applied',
        result.outcome === 'dead' ? result.reason : `${String(row.operation)}: ${result.outcome}`,
      ],
    );
    return result;
  }

  /** Closes a dead letter without applying it. */
  async dismissDeadLetter(id: number): Promise<void> {
    const { count } = await run(
      this.ds,
      `UPDATE shop_sync_dead_letters SET status = 'dismissed' WHERE id = $1 AND status = 'open'`,
      [id],
    );
    if (count === 0) throw new DomainError('not_found', `There is no open dead letter #${id}.`);
  }
}

/** The relay's leadership: held while this connection lives. */
export class RelayLease {
  constructor(private readonly runner: QueryRunner) {}

  /** True while the lock's connection still answers (a dropped connection has lost the lock). */
  async alive(): Promise<boolean> {
    try {
      await this.runner.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async release(): Promise<void> {
    try {
      await this.runner.query('SELECT pg_advisory_unlock($1::bigint)', [RELAY_LOCK]);
    } catch {
      // The connection is gone, and the lock with it.
    }
    await this.runner.release().catch(() => undefined);
  }
}

function isComplete(body: UpdateBody): body is UpdateBody & CreateBody {
  return (
    body.name !== undefined &&
    body.client_id !== undefined &&
    body.vendor_name !== undefined &&
    body.is_active !== undefined &&
    body.price_updating !== undefined
  );
}

function snapshot(row: Row): Record<string, unknown> {
  return {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    slug: row.slug,
    clientId: row.client_id,
    vendorName: row.vendor_name,
    isActive: row.is_active,
    updatePrices: row.update_prices,
    version: row.version === undefined ? undefined : Number(row.version),
  };
}

function conflictOf(err: unknown, slug: string | undefined): DomainError | undefined {
  if (!isUniqueViolation(err)) return undefined;
  if (isUniqueViolation(err, undefined, 'api_key_hash')) {
    return new DomainError('conflict', 'another shop already has this API key');
  }
  if (slug !== undefined && isUniqueViolation(err, undefined, 'slug')) {
    return new DomainError('conflict', `the slug "${slug}" is taken by another shop`);
  }
  return new DomainError('conflict', reasonOf(err));
}

async function freeSlug(em: EntityManager, base: string): Promise<string> {
  const { rows } = await run<{ slug: string }>(em, `SELECT slug FROM shops WHERE slug = $1 OR slug LIKE $2`, [
    base,
    `${base.replace(/[\\%_]/g, '\\$&')}-%`,
  ]);
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
