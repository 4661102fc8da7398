import { createHash, randomBytes } from 'node:crypto';
import {
  SUPPORT_CHANNEL_KINDS,
  type ConversationStatus,
  type SupportChannelKind,
  type SupportChannelStatus,
  type SupportDirection,
} from '../db/entities/index.js';
import { DomainError } from './errors.js';
import { safeEqual } from './secrets.js';
import { Sealer } from './sealer.js';
import { isUniqueViolation, run, transaction, type Db } from './sql.js';

/** A setting whose name ends like this is a secret: sealed at rest, write-only in the panel and the API. */
export const isSecretSetting = (key: string) => /(token|secret|password|apikey|key)$/i.test(key);

const NAME_RULE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface ChannelRecord {
  id: number;
  name: string;
  kind: SupportChannelKind;
  /** Settings with secrets opened: for the channel itself only, never for display. */
  settings: Record<string, unknown>;
  running: boolean;
  isDefault: boolean;
  status: SupportChannelStatus;
  lastError: string | null;
  updatedAt: Date;
}

export interface ConversationRecord {
  id: number;
  telegramUserId: number;
  channelId: number;
  externalId: string | null;
  status: ConversationStatus;
  needsOpen: boolean;
  operatorName: string | null;
  state: Record<string, unknown>;
}

/** Who is behind a conversation, for delivering to them. */
export interface SellerAddress {
  telegramUserId: number;
  telegramId: number;
  chatId: number;
  languageCode: string | null;
  isReachable: boolean;
}

export interface SellerCardData {
  telegramId: number;
  firstName: string;
  lastName: string;
  username: string;
  languageCode: string | null;
  role: 'seller' | 'admin';
  shops: string[];
  isActive: boolean;
  paidUntil: Date | null;
  /** Digits only, when the seller shared it. */
  phone: string | null;
}

/** One leased outbox row (the head of its conversation's queue, or an album's item). */
export interface OutboxRow<P = unknown> {
  id: number;
  conversationId: number;
  mediaGroupId: string | null;
  attempts: number;
  createdAt: Date;
  payload: P;
}

export interface SupportFigures {
  openConversations: number;
  relayedToday: number;
}

type Raw = Record<string, unknown>;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * The support desk's tables: channels (settings with sealed secrets, a hashed API token),
 * conversations (one open per seller: a per-seller advisory lock plus a partial unique index), id
 * pairs, the inbound de-duplication, and the two-way outbox (sealed payloads, leased like the
 * notifications outbox, in order per conversation). No message text is stored in the clear.
 */
export class SupportService {
  private readonly sealer: Sealer;

  constructor(
    private readonly db: Db,
    options: { secretKey?: string } = {},
  ) {
    this.sealer = new Sealer(options.secretKey);
  }

  // --- channels -------------------------------------------------------------------------------

  private sealSettings(settings: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(settings)) {
      if (v === undefined || v === null || v === '') continue;
      out[k] = isSecretSetting(k) ? { $sealed: this.sealer.seal(String(v)) } : v;
    }
    return out;
  }

  private openSettings(stored: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(stored ?? {})) {
      const sealed = v && typeof v === 'object' && '$sealed' in v ? (v as { $sealed: string }).$sealed : null;
      out[k] = sealed === null ? v : this.sealer.open(sealed);
    }
    return out;
  }

  /** Settings for display: secrets shown only as set. */
  static shownSettings(settings: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(settings).map(([k, v]) => [k, isSecretSetting(k) ? '••••••' : v]),
    );
  }

  private channelOf(r: Raw): ChannelRecord {
    return {
      id: r.id as number,
      name: r.name as string,
      kind: r.kind as SupportChannelKind,
      settings: this.openSettings(r.settings as Record<string, unknown>),
      running: r.running as boolean,
      isDefault: r.is_default as boolean,
      status: r.status as SupportChannelStatus,
      lastError: (r.last_error as string | null) ?? null,
      updatedAt: r.updated_at as Date,
    };
  }

  private static readonly CHANNEL_COLUMNS = `id, name, kind, settings, running, is_default, status, last_error, updated_at`;

  /**
   * Creates a channel and its management token (returned once; only its hash is kept). The first
   * channel becomes the default.
   */
  async createChannel(input: {
    name: string;
    kind: string;
    settings?: Record<string, unknown>;
    isDefault?: boolean;
    running?: boolean;
  }): Promise<{ channel: ChannelRecord; token: string }> {
    const name = input.name.trim();
    if (!NAME_RULE.test(name))
      throw new DomainError(
        'invalid',
        'A channel name is 1 to 64 characters: lower-case letters, digits, "-" and "_", starting with a letter or digit.',
      );
    if (!(SUPPORT_CHANNEL_KINDS as readonly string[]).includes(input.kind))
      throw new DomainError('invalid', `The kind is one of: ${SUPPORT_CHANNEL_KINDS.join(', ')}.`);
    const token = `sc_${randomBytes(24).toString('base64url')}`;
    try {
      return await transaction(this.db, async (em) => {
        const { rows: existing } = await run<{ n: number }>(
          em,
          `SELECT count(*)::int AS n FROM support_channels`,
        );
        const makeDefault = input.isDefault === true || existing[0]!.n === 0;
        if (makeDefault) await run(em, `UPDATE support_channels SET is_default = false WHERE is_default`);
        const { rows } = await run(
          em,
          `INSERT INTO support_channels (name, kind, settings, running, is_default, api_token_hash)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SupportService.CHANNEL_COLUMNS}`,
          [
            name,
            input.kind,
            JSON.stringify(this.sealSettings(input.settings ?? {})),
            input.running ?? false,
            makeDefault,
            hashToken(token),
          ],
        );
        return { channel: this.channelOf(rows[0]!), token };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new DomainError('conflict', `A channel named "${name}" exists.`);
      throw err;
    }
  }

  async listChannels(): Promise<ChannelRecord[]> {
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CHANNEL_COLUMNS} FROM support_channels ORDER BY name`,
    );
    return rows.map((r) => this.channelOf(r));
  }

  async channel(nameOrId: string | number): Promise<ChannelRecord | null> {
    const byId = typeof nameOrId === 'number';
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CHANNEL_COLUMNS} FROM support_channels WHERE ${byId ? 'id' : 'name'} = $1`,
      [nameOrId],
    );
    return rows[0] ? this.channelOf(rows[0]) : null;
  }

  /** The channel if `token` is its management token; null otherwise (also for an unknown name). */
  async channelByToken(name: string, token: string): Promise<ChannelRecord | null> {
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CHANNEL_COLUMNS}, api_token_hash FROM support_channels WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    const expected = (row?.api_token_hash as string | null) ?? 'x'.repeat(64);
    const ok = safeEqual(hashToken(token), expected);
    return row && ok ? this.channelOf(row) : null;
  }

  /**
   * Changes settings (merged: a key set to "" or null is removed; a secret left out stays), the
   * running flag, or the default. Returns the channel, or null when there is none by that name.
   */
  async updateChannel(
    name: string,
    change: { settings?: Record<string, unknown>; replaceSettings?: boolean; running?: boolean },
  ): Promise<ChannelRecord | null> {
    return transaction(this.db, async (em) => {
      const { rows } = await run(em, `SELECT settings FROM support_channels WHERE name = $1 FOR UPDATE`, [
        name,
      ]);
      if (!rows[0]) return null;
      let settings = rows[0].settings as Record<string, unknown>;
      if (change.settings) {
        const merged: Record<string, unknown> = change.replaceSettings
          ? Object.fromEntries(Object.entries(settings).filter(([k]) => isSecretSetting(k)))
          : { ...settings };
        for (const [k, v] of Object.entries(change.settings)) {
          if (v === null || v === '') delete merged[k];
          else if (v !== undefined)
            merged[k] = isSecretSetting(k) ? { $sealed: this.sealer.seal(String(v)) } : v;
        }
        settings = merged;
      }
      const { rows: updated } = await run(
        em,
        `UPDATE support_channels SET settings = $2, running = coalesce($3, running), updated_at = now()
         WHERE name = $1 RETURNING ${SupportService.CHANNEL_COLUMNS}`,
        [name, JSON.stringify(settings), change.running ?? null],
      );
      return this.channelOf(updated[0]!);
    });
  }

  async setDefault(name: string): Promise<boolean> {
    return transaction(this.db, async (em) => {
      const { count } = await run(em, `SELECT 1 FROM support_channels WHERE name = $1`, [name]);
      if (!count) return false;
      await run(em, `UPDATE support_channels SET is_default = false WHERE is_default AND name <> $1`, [name]);
      await run(em, `UPDATE support_channels SET is_default = true WHERE name = $1`, [name]);
      return true;
    });
  }

  /** What the running channel reports: online, offline, or failed with the reason. */
  async setStatus(id: number, status: SupportChannelStatus, error: string | null): Promise<void> {
    await run(
      this.db,
      `UPDATE support_channels SET status = $2, last_error = $3 WHERE id = $1
         AND (status IS DISTINCT FROM $2 OR last_error IS DISTINCT FROM $3)`,
      [id, status, error?.slice(0, 1000) ?? null],
    );
  }

  /** Removes the channel with its conversations, pairs and waiting messages. */
  async removeChannel(name: string): Promise<boolean> {
    const { count } = await run(this.db, `DELETE FROM support_channels WHERE name = $1`, [name]);
    return count > 0;
  }

  /** A fresh management token for the channel (the old one stops working); null when there is none. */
  async rotateToken(name: string): Promise<string | null> {
    const token = `sc_${randomBytes(24).toString('base64url')}`;
    const { count } = await run(this.db, `UPDATE support_channels SET api_token_hash = $2 WHERE name = $1`, [
      name,
      hashToken(token),
    ]);
    return count ? token : null;
  }

  // --- conversations --------------------------------------------------------------------------

  private static conversationOf(r: Raw): ConversationRecord {
    return {
      id: r.id as number,
      telegramUserId: r.telegram_user_id as number,
      channelId: r.channel_id as number,
      externalId: (r.external_id as string | null) ?? null,
      status: r.status as ConversationStatus,
      needsOpen: r.needs_open as boolean,
      operatorName: (r.operator_name as string | null) ?? null,
      state: (r.state as Record<string, unknown>) ?? {},
    };
  }

  private static readonly CONVERSATION_COLUMNS = `id, telegram_user_id, channel_id, external_id, status, needs_open, operator_name, state`;

  async openConversationOf(telegramUserId: number): Promise<ConversationRecord | null> {
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CONVERSATION_COLUMNS} FROM support_conversations
        WHERE telegram_user_id = $1 AND status = 'open'`,
      [telegramUserId],
    );
    return rows[0] ? SupportService.conversationOf(rows[0]) : null;
  }

  /**
   * The seller's open conversation, or a new one on `channelId` (or, when the channel keeps history,
   * their last closed one there, reopened). A per-seller advisory lock makes two first messages at
   * once wait for each other, and the partial unique index backs it up.
   */
  async openOrCreate(
    telegramUserId: number,
    channelId: number,
    reopens: boolean,
  ): Promise<{ conversation: ConversationRecord; created: boolean; reopened: boolean }> {
    return transaction(this.db, async (em) => {
      await run(em, `SELECT pg_advisory_xact_lock(74110, $1)`, [telegramUserId]);
      const { rows: open } = await run(
        em,
        `SELECT ${SupportService.CONVERSATION_COLUMNS} FROM support_conversations
          WHERE telegram_user_id = $1 AND status = 'open'`,
        [telegramUserId],
      );
      if (open[0])
        return { conversation: SupportService.conversationOf(open[0]), created: false, reopened: false };
      if (reopens) {
        const { rows } = await run(
          em,
          `UPDATE support_conversations SET status = 'open', closed_at = NULL, needs_open = true,
                  last_activity_at = now()
            WHERE id = (SELECT id FROM support_conversations
                         WHERE telegram_user_id = $1 AND channel_id = $2 AND external_id IS NOT NULL
                         ORDER BY id DESC LIMIT 1)
          RETURNING ${SupportService.CONVERSATION_COLUMNS}`,
          [telegramUserId, channelId],
        );
        if (rows[0])
          return { conversation: SupportService.conversationOf(rows[0]), created: false, reopened: true };
      }
      const { rows } = await run(
        em,
        `INSERT INTO support_conversations (telegram_user_id, channel_id) VALUES ($1, $2)
         RETURNING ${SupportService.CONVERSATION_COLUMNS}`,
        [telegramUserId, channelId],
      );
      return { conversation: SupportService.conversationOf(rows[0]!), created: true, reopened: false };
    });
  }

  async conversation(id: number): Promise<ConversationRecord | null> {
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CONVERSATION_COLUMNS} FROM support_conversations WHERE id = $1`,
      [id],
    );
    return rows[0] ? SupportService.conversationOf(rows[0]) : null;
  }

  /** The open conversation of this channel with that external id, else its most recent one. */
  async conversationByExternalId(channelId: number, externalId: string): Promise<ConversationRecord | null> {
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CONVERSATION_COLUMNS} FROM support_conversations
        WHERE channel_id = $1 AND external_id = $2
        ORDER BY (status = 'open') DESC, id DESC LIMIT 1`,
      [channelId, externalId],
    );
    return rows[0] ? SupportService.conversationOf(rows[0]) : null;
  }

  /** The open conversations of a channel that were opened on its platform (a channel resumes them at start). */
  async openConversationsOf(channelId: number): Promise<ConversationRecord[]> {
    const { rows } = await run(
      this.db,
      `SELECT ${SupportService.CONVERSATION_COLUMNS} FROM support_conversations
        WHERE channel_id = $1 AND status = 'open' AND external_id IS NOT NULL AND NOT needs_open ORDER BY id`,
      [channelId],
    );
    return rows.map((r) => SupportService.conversationOf(r));
  }

  /** The channel has opened (or reopened) the conversation on its platform. */
  /** The seller who shared this phone number (digits only), the latest to write if several did. */
  async userIdByPhone(phone: string): Promise<number | null> {
    const { rows } = await run(
      this.db,
      `SELECT id FROM telegram_users WHERE phone = $1 AND NOT is_banned ORDER BY updated_at DESC LIMIT 1`,
      [phone.replace(/\D/g, '')],
    );
    return rows[0] ? Number(rows[0].id) : null;
  }

  /** The platform's name of a conversation (a Planfix task number), shown in the panel. */
  async setReference(id: number, reference: string): Promise<void> {
    await this.mergeState(id, { reference: reference.slice(0, 200) });
  }

  /** Sets keys of a conversation's state, keeping the others. */
  async mergeState(id: number, patch: Record<string, unknown>): Promise<void> {
    await run(this.db, `UPDATE support_conversations SET state = state || $2::jsonb WHERE id = $1`, [
      id,
      JSON.stringify(patch),
    ]);
  }

  async setOpened(id: number, externalId: string, state?: Record<string, unknown>): Promise<void> {
    await run(
      this.db,
      `UPDATE support_conversations SET external_id = $2, needs_open = false,
              state = coalesce($3::jsonb, state) - 'lost', last_activity_at = now() WHERE id = $1`,
      [id, externalId, state === undefined ? null : JSON.stringify(state)],
    );
  }

  /**
   * The platform lost the conversation (a deleted topic): the next delivery opens a new one. The old
   * external id stays, marked lost in the state, so the channel can say in the new one what happened.
   */
  async markLost(id: number): Promise<void> {
    await run(
      this.db,
      `UPDATE support_conversations SET needs_open = true, state = state || '{"lost": true}'::jsonb WHERE id = $1`,
      [id],
    );
  }

  /** Closes it if open; true when this call closed it. */
  async closeConversation(id: number): Promise<boolean> {
    const { count } = await run(
      this.db,
      `UPDATE support_conversations SET status = 'closed', closed_at = now() WHERE id = $1 AND status = 'open'`,
      [id],
    );
    return count > 0;
  }

  async touch(id: number, operatorName?: string): Promise<void> {
    await run(
      this.db,
      `UPDATE support_conversations SET last_activity_at = now(),
              operator_name = coalesce($2, operator_name) WHERE id = $1`,
      [id, operatorName?.slice(0, 255) ?? null],
    );
  }

  async sellerOf(conversationId: number): Promise<SellerAddress | null> {
    const { rows } = await run(
      this.db,
      `SELECT u.id, u.telegram_id, u.chat_id, u.language_code, u.is_reachable
         FROM support_conversations c JOIN telegram_users u ON u.id = c.telegram_user_id WHERE c.id = $1`,
      [conversationId],
    );
    const r = rows[0];
    return r
      ? {
          telegramUserId: r.id as number,
          telegramId: Number(r.telegram_id),
          chatId: Number(r.chat_id),
          languageCode: (r.language_code as string | null) ?? null,
          isReachable: r.is_reachable as boolean,
        }
      : null;
  }

  async sellerCard(telegramUserId: number): Promise<SellerCardData | null> {
    const { rows } = await run(
      this.db,
      `SELECT u.telegram_id, u.first_name, u.last_name, u.username, u.language_code, u.role, u.is_active,
              u.subscription_paid_until, u.phone,
              coalesce((SELECT array_agg(s.name ORDER BY s.name) FROM shop_links l JOIN shops s ON s.id = l.shop_id
                         WHERE l.telegram_user_id = u.id), '{}') AS shops
         FROM telegram_users u WHERE u.id = $1`,
      [telegramUserId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      telegramId: Number(r.telegram_id),
      firstName: r.first_name as string,
      lastName: r.last_name as string,
      username: r.username as string,
      languageCode: (r.language_code as string | null) ?? null,
      role: r.role as 'seller' | 'admin',
      shops: r.shops as string[],
      isActive: r.is_active as boolean,
      paidUntil: (r.subscription_paid_until as Date | null) ?? null,
      phone: (r.phone as string | null) ?? null,
    };
  }

  // --- pairs and de-duplication ------------------------------------------------------------------

  async addPairs(
    conversationId: number,
    chatId: number,
    direction: SupportDirection,
    pairs: { messageId: number; externalId: string }[],
  ): Promise<void> {
    if (!pairs.length) return;
    const values = pairs.map((_, i) => `($1, $2, $3, $${4 + i * 2}, $${5 + i * 2})`).join(', ');
    await run(
      this.db,
      `INSERT INTO support_message_pairs (conversation_id, chat_id, direction, message_id, external_id) VALUES ${values}`,
      [conversationId, chatId, direction, ...pairs.flatMap((p) => [p.messageId, p.externalId])],
    );
  }

  /** The pair of a message in the seller's chat (the newest, when an album made several). */
  async pairByTelegram(
    chatId: number,
    messageId: number,
  ): Promise<{ conversationId: number; externalId: string; direction: SupportDirection } | null> {
    const { rows } = await run(
      this.db,
      `SELECT conversation_id, external_id, direction FROM support_message_pairs
        WHERE chat_id = $1 AND message_id = $2 ORDER BY id DESC LIMIT 1`,
      [chatId, messageId],
    );
    const r = rows[0];
    return r
      ? {
          conversationId: r.conversation_id as number,
          externalId: r.external_id as string,
          direction: r.direction as SupportDirection,
        }
      : null;
  }

  /** The seller-chat message paired with a platform message of the conversation. */
  async pairByExternal(
    conversationId: number,
    externalId: string,
  ): Promise<{ chatId: number; messageId: number } | null> {
    const { rows } = await run(
      this.db,
      `SELECT chat_id, message_id FROM support_message_pairs
        WHERE conversation_id = $1 AND external_id = $2 ORDER BY id LIMIT 1`,
      [conversationId, externalId],
    );
    const r = rows[0];
    return r ? { chatId: Number(r.chat_id), messageId: r.message_id as number } : null;
  }

  /** Every seller-chat message paired with a platform message of the conversation, in order. */
  async pairsByExternal(
    conversationId: number,
    externalId: string,
  ): Promise<{ chatId: number; messageId: number }[]> {
    const { rows } = await run(
      this.db,
      `SELECT chat_id, message_id FROM support_message_pairs
        WHERE conversation_id = $1 AND external_id = $2 ORDER BY id`,
      [conversationId, externalId],
    );
    return rows.map((r) => ({ chatId: Number(r.chat_id), messageId: r.message_id as number }));
  }

  /** True the first time (channel, external message id) is seen. */
  async firstSeen(channelId: number, externalMessageId: string): Promise<boolean> {
    const { count } = await run(
      this.db,
      `INSERT INTO support_inbound_seen (channel_id, external_message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [channelId, externalMessageId.slice(0, 255)],
    );
    return count > 0;
  }

  /** Drops de-duplication marks and id pairs older than the given ages. */
  async prune(seenDays = 7, pairDays = 90): Promise<{ seen: number; pairs: number }> {
    const seen = await run(
      this.db,
      `DELETE FROM support_inbound_seen WHERE seen_at < now() - make_interval(days => $1)`,
      [seenDays],
    );
    const pairs = await run(
      this.db,
      `DELETE FROM support_message_pairs WHERE created_at < now() - make_interval(days => $1)`,
      [pairDays],
    );
    return { seen: seen.count, pairs: pairs.count };
  }

  // --- outbox --------------------------------------------------------------------------------

  /**
   * Queues a unit for delivery, sealed. An album's item waits `delaySeconds` and pushes its earlier
   * items' time along with it, so the album leaves as one unit once no item came for that long.
   */
  async enqueue(
    direction: SupportDirection,
    conversationId: number,
    payload: unknown,
    opts: { mediaGroupId?: string; delaySeconds?: number } = {},
  ): Promise<number> {
    const delay = opts.delaySeconds ?? 0;
    const { rows } = await run<{ id: number }>(
      this.db,
      `INSERT INTO support_outbox (direction, conversation_id, media_group_id, payload, next_attempt_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING id`,
      [direction, conversationId, opts.mediaGroupId ?? null, this.sealer.sealJson(payload), delay],
    );
    if (opts.mediaGroupId)
      await run(
        this.db,
        `UPDATE support_outbox SET next_attempt_at = now() + make_interval(secs => $4)
          WHERE conversation_id = $1 AND direction = $2 AND media_group_id = $3 AND attempts = 0`,
        [conversationId, direction, opts.mediaGroupId, delay],
      );
    return rows[0]!.id;
  }

  private outboxOf<P>(r: Raw): OutboxRow<P> {
    return {
      id: r.id as number,
      conversationId: r.conversation_id as number,
      mediaGroupId: (r.media_group_id as string | null) ?? null,
      attempts: r.attempts as number,
      createdAt: r.created_at as Date,
      payload: this.sealer.openJson<P>(r.payload as string),
    };
  }

  /**
   * Leases the due head of each conversation's queue (a row with no earlier row of its conversation
   * waiting), oldest first; SKIP LOCKED passes over rows another worker holds. The lease pushes the
   * next attempt two minutes ahead, so a worker that dies gives its rows back.
   */
  async lease<P>(direction: SupportDirection, batch = 20): Promise<OutboxRow<P>[]> {
    const { rows } = await run(
      this.db,
      `UPDATE support_outbox o SET attempts = o.attempts + 1, next_attempt_at = now() + interval '2 minutes'
         FROM (SELECT id FROM support_outbox h
                WHERE h.direction = $1 AND h.next_attempt_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM support_outbox p
                                   WHERE p.conversation_id = h.conversation_id AND p.direction = h.direction
                                     AND p.id < h.id)
                ORDER BY h.id LIMIT $2 FOR UPDATE SKIP LOCKED) due
        WHERE o.id = due.id
      RETURNING o.id, o.conversation_id, o.media_group_id, o.attempts, o.created_at, o.payload`,
      [direction, batch],
    );
    return rows.map((r) => this.outboxOf<P>(r)).sort((a, b) => a.id - b.id);
  }

  /** The album's other items queued right after the head, in order. */
  async albumRest<P>(head: OutboxRow<P>, direction: SupportDirection): Promise<OutboxRow<P>[]> {
    if (!head.mediaGroupId) return [];
    const { rows } = await run(
      this.db,
      `SELECT id, conversation_id, media_group_id, attempts, created_at, payload FROM support_outbox
        WHERE conversation_id = $1 AND direction = $2 AND media_group_id = $3 AND id > $4 ORDER BY id`,
      [head.conversationId, direction, head.mediaGroupId, head.id],
    );
    return rows.map((r) => this.outboxOf<P>(r));
  }

  /** The channel is back: its waiting messages are due now instead of at their next check. */
  async dueNow(channelId: number): Promise<number> {
    const { count } = await run(
      this.db,
      `UPDATE support_outbox SET next_attempt_at = now()
        WHERE direction = 'to_operator' AND next_attempt_at > now()
          AND conversation_id IN (SELECT id FROM support_conversations WHERE channel_id = $1)`,
      [channelId],
    );
    return count;
  }

  /** Delivered: the rows are deleted, and the day's counter goes up by `units`. */
  async delivered(ids: number[], direction: SupportDirection, units = 1): Promise<void> {
    await run(this.db, `DELETE FROM support_outbox WHERE id = ANY($1::int[])`, [ids]);
    const column = direction === 'to_operator' ? 'to_operator' : 'to_seller';
    await run(
      this.db,
      `INSERT INTO support_daily_counts (day, ${column}) VALUES (current_date, $1)
       ON CONFLICT (day) DO UPDATE SET ${column} = support_daily_counts.${column} + $1`,
      [units],
    );
  }

  /** Given up (or not deliverable): the rows are deleted, with their sealed text. */
  async drop(ids: number[]): Promise<void> {
    await run(this.db, `DELETE FROM support_outbox WHERE id = ANY($1::int[])`, [ids]);
  }

  async retryLater(ids: number[], delaySeconds: number, error: string): Promise<void> {
    await run(
      this.db,
      `UPDATE support_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3
        WHERE id = ANY($1::int[])`,
      [ids, delaySeconds, error.slice(0, 500)],
    );
  }

  async waiting(direction?: SupportDirection): Promise<number> {
    const { rows } = await run<{ n: number }>(
      this.db,
      `SELECT count(*)::int AS n FROM support_outbox WHERE $1::text IS NULL OR direction = $1`,
      [direction ?? null],
    );
    return rows[0]!.n;
  }

  // --- staff actions (the panel) ----------------------------------------------------------------

  /**
   * Staff close conversations: each open one is closed, the channel is told (its outbox row) and the
   * seller too. Returns how many were open. (The payloads are the desk's ToOperator/ToSeller.)
   */
  async closeByStaff(conversationIds: number[]): Promise<number> {
    let closed = 0;
    for (const id of conversationIds) {
      if (!(await this.closeConversation(id))) continue;
      closed++;
      await this.enqueue('to_operator', id, { type: 'close', by: 'staff' });
      await this.enqueue('to_seller', id, { type: 'line', line: 'closed' });
    }
    return closed;
  }

  /** Sets or lifts the support ban of the sellers behind these conversations. */
  async setSupportBannedByConversation(conversationIds: number[], banned: boolean): Promise<number> {
    const { count } = await run(
      this.db,
      `UPDATE telegram_users SET support_banned = $2, support_ban_told = false
        WHERE id IN (SELECT telegram_user_id FROM support_conversations WHERE id = ANY($1::int[]))
          AND support_banned IS DISTINCT FROM $2`,
      [conversationIds, banned],
    );
    return count;
  }

  /** Start or stop channels by id (the running app follows within seconds). */
  async setRunning(channelIds: number[], running: boolean): Promise<number> {
    const { count } = await run(
      this.db,
      `UPDATE support_channels SET running = $2, updated_at = now()
        WHERE id = ANY($1::int[]) AND running IS DISTINCT FROM $2`,
      [channelIds, running],
    );
    return count;
  }

  /** The plain settings and the names of the secret ones (set, never shown), for a form. */
  async settingsForForm(id: number): Promise<{ plain: Record<string, unknown>; secrets: string[] } | null> {
    const c = await this.channel(id);
    if (!c) return null;
    const plain: Record<string, unknown> = {};
    const secrets: string[] = [];
    for (const [k, v] of Object.entries(c.settings)) {
      if (isSecretSetting(k)) secrets.push(k);
      else plain[k] = v;
    }
    return { plain, secrets };
  }

  // --- bans and figures ------------------------------------------------------------------------

  /** Sets or lifts the support ban (by our user id); the "told once" marker starts over. */
  async setSupportBanned(telegramUserIds: number[], banned: boolean): Promise<number> {
    const { count } = await run(
      this.db,
      `UPDATE telegram_users SET support_banned = $2, support_ban_told = false
        WHERE id = ANY($1::int[]) AND support_banned IS DISTINCT FROM $2`,
      [telegramUserIds, banned],
    );
    return count;
  }

  /** True the first time a support-banned user is refused (they are told once). */
  async tellBanOnce(telegramUserId: number): Promise<boolean> {
    const { count } = await run(
      this.db,
      `UPDATE telegram_users SET support_ban_told = true WHERE id = $1 AND support_banned AND NOT support_ban_told`,
      [telegramUserId],
    );
    return count > 0;
  }

  async figures(): Promise<SupportFigures> {
    const { rows } = await run<{ open: number; relayed: number }>(
      this.db,
      `SELECT (SELECT count(*)::int FROM support_conversations WHERE status = 'open') AS open,
              coalesce((SELECT to_operator + to_seller FROM support_daily_counts WHERE day = current_date), 0)::int
                AS relayed`,
    );
    return { openConversations: rows[0]!.open, relayedToday: rows[0]!.relayed };
  }
}
