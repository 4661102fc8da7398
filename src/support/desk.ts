import { createHash } from 'node:crypto';
import { Telegram, TelegramError } from 'telegraf';
import type { Message, Update } from 'telegraf/types';
import { encode } from '../bot/callback-data.js';
import { isBlocked, retryAfterSeconds } from '../bot/telegram-errors.js';
import { h, textsFor, type Language, type Texts } from '../bot/texts/index.js';
import type { Config } from '../config.js';
import type { TelegramUser } from '../db/entities/index.js';
import type { Logger } from '../logger.js';
import type { ChannelRecord, ConversationRecord, OutboxRow, Services } from '../services/index.js';
import {
  ChannelError,
  type ChannelEvent,
  type ChannelFactory,
  type ChannelKind,
  type ChannelRuntime,
  type ConversationRef,
  type DeliveryOutcome,
  type InboundRequest,
  type InboundResponse,
  type OperatorMessage,
  type SellerCard,
  type SellerMessage,
  type SupportChannel,
} from './channel.js';
import { channelFactories } from './channels/index.js';
import { ATTACHMENT_MAX_BYTES, FileLinks, fetchAttachment } from './files.js';
import { isOpenAt, parseWorkingHours, type WorkingHours } from './hours.js';
import { mergeAlbum, unitOf, type StoredUnit, type Unrelayable } from './units.js';

/** What waits in the outbox towards the operators. */
export type ToOperator =
  | { type: 'message'; unit: StoredUnit }
  | { type: 'edit'; unit: StoredUnit }
  | { type: 'close'; by: 'seller' | 'staff' }
  | { type: 'notice'; text: string; echo?: boolean }
  /** Whether an operator message reached the seller, for channels that show delivery (delivered()). */
  | { type: 'status'; externalMessageId: string; outcome: DeliveryOutcome };

/** Lines of the bot's own the seller gets through the outbox (worded in their language when sent). */
export type SellerLine = 'closed' | 'rejected' | 'undelivered' | 'greeting' | 'waiting' | 'joined';

/** What waits in the outbox towards the seller. */
export type ToSeller =
  | { type: 'operator'; message: OperatorMessage }
  | {
      type: 'edit';
      externalMessageId: string;
      text?: string;
      operatorName?: string;
    }
  | { type: 'line'; line: SellerLine; text?: string };

/** What became of a seller's message. */
export type RelayOutcome =
  | { kind: 'queued' }
  | { kind: 'unavailable' }
  | { kind: 'banned'; tell: boolean }
  | { kind: 'rate_limited' }
  | { kind: 'unrelayable'; what: Unrelayable }
  | { kind: 'too_large'; maxBytes: number };

export interface SupportDeskDeps {
  services: Services;
  config: Config;
  logger: Logger;
  /** The key file links are signed with (SECRET_KEY or the one kept in DATA_DIR). */
  secretKey?: string;
  /** Channel kinds by name (tests add their own); default: channels/index.ts. */
  factories?: Partial<Record<ChannelKind, ChannelFactory>>;
  now?: () => number;
  /** How often the workers look for due rows and the registry for changed settings. */
  intervalMs?: number;
  syncIntervalMs?: number;
}

/** A unit's retries stop after this long; the row is deleted and the sender told. */
const GIVE_UP_MS = 24 * 60 * 60 * 1000;
/** A channel that failed its start-up check is tried again this often (the forum's rights may be fixed). */
const RETRY_FAILED_MS = 60_000;
/** An album's items arrive as separate updates: the unit leaves once none came for this long. */
const ALBUM_DEBOUNCE_SECONDS = 1;

interface Running {
  record: ChannelRecord;
  channel?: SupportChannel;
  online: boolean;
  startedAt: number;
  hours?: WorkingHours;
  /**
   * Known from its row only (a desk that follows: another process runs the channel): `channel` is an
   * instance never started, read for its capabilities.
   */
  passive?: boolean;
}

const backoff = (attempts: number) => Math.min(600, 2 ** Math.min(attempts, 10));

/** Errors say what happened without the texts or tokens they may quote. */
function describe(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/bot\d+:[\w-]+/g, 'bot<token>').slice(0, 300);
}

/**
 * The support desk's core: the registry of running channels (started, stopped and restarted as
 * their rows change; a channel whose start-up check fails is marked with the reason while the
 * others work), the seller's side (relay, edit, end), the inbound events of channels, and the two
 * delivery workers over the outbox: in order per conversation, with backoff, Telegram's 429 waited,
 * a blocked seller marked unreachable and the operators told.
 */
export class SupportDesk {
  readonly files: FileLinks;
  private telegram?: Telegram;
  private readonly channels = new Map<number, Running>();
  private readonly factories: Partial<Record<ChannelKind, ChannelFactory>>;
  private readonly now: () => number;
  private readonly recent = new Map<number, number[]>();
  /** Clears each loop's timer. */
  private timers: (() => void)[] = [];
  /** Runs a delivery round now: something was just queued in this process. */
  private wakeOperators = () => undefined as void;
  private wakeSellers = () => undefined as void;
  private inFlight = new Set<Promise<unknown>>();
  private stopped = true;
  private syncing?: Promise<void>;
  /** Whether any channel exists (as of the last sync): without one the workers skip their rounds. */
  private configured = false;

  constructor(private readonly deps: SupportDeskDeps) {
    this.factories = deps.factories ?? channelFactories;
    this.now = deps.now ?? Date.now;
    this.files = new FileLinks(deps.secretKey, deps.config.publicUrl, this.now);
  }

  private get services() {
    return this.deps.services;
  }

  private get log() {
    return this.deps.logger;
  }

  /**
   * The Telegram client the desk and its channels use: the bot's token, without the bot's own 429
   * waiting (a 429 goes back to the outbox, which waits retry_after without holding others up).
   */
  private client(): Telegram {
    this.telegram ??= new Telegram(this.deps.config.botToken ?? '', {
      apiRoot: this.deps.config.telegramApiRoot,
      webhookReply: false,
    } as ConstructorParameters<typeof Telegram>[1]);
    return this.telegram;
  }

  /** For the file handler: the client, once the desk runs. */
  readonly telegramClient = (): Telegram | undefined =>
    this.stopped && !this.following ? undefined : this.client();

  /** Following: the registry is read from the table; another process runs channels and outboxes. */
  private following = false;

  /**
   * The desk of a process that does not lead (README "Running more than one process"): the leader
   * runs the channels and the two outbox workers; here the registry is only read from the table
   * every few seconds, with each channel online as the leader marked it, so the seller's side
   * (enter, relay, edit, end) works in every process: what it queues, the leader's outbox workers
   * send within their interval. A forum's own updates need the running channel: with a broker they
   * go to the desk queue, which only the leader consumes (src/pipeline/partition.ts, forDesk), so
   * none should reach a follower; one that does (published by an older version into a partition)
   * is logged and left.
   */
  async follow(): Promise<void> {
    if (this.following || !this.stopped) return;
    this.following = true;
    const refresh = async () => {
      const records = await this.services.support.listChannels();
      this.configured = records.length > 0;
      const seen = new Set<number>();
      for (const record of records) {
        seen.add(record.id);
        if (!record.running) {
          this.channels.delete(record.id);
          continue;
        }
        const hours = parseWorkingHours(record.settings, this.deps.config.panelTimeZone);
        let channel: SupportChannel | undefined;
        try {
          channel = this.factories[record.kind]?.(this.runtimeFor(record), this.client());
        } catch {
          channel = undefined;
        }
        this.channels.set(record.id, {
          record,
          channel,
          online: record.status === 'online',
          startedAt: this.now(),
          hours: hours.hours,
          passive: true,
        });
      }
      for (const id of [...this.channels.keys()]) if (!seen.has(id)) this.channels.delete(id);
    };
    const round = () =>
      refresh().catch((err: unknown) =>
        this.log.warn({ err: describe(err) }, 'support registry refresh failed'),
      );
    await round();
    const timer = setInterval(() => void round(), this.deps.syncIntervalMs ?? 3000);
    timer.unref();
    this.timers.push(() => clearInterval(timer));
  }

  /** Stops following (before start(): this process leads now). */
  unfollow(): void {
    if (!this.following) return;
    this.following = false;
    for (const clear of this.timers) clear();
    this.timers = [];
    this.channels.clear();
  }

  // --- lifecycle and registry -------------------------------------------------------------------

  async start(): Promise<void> {
    this.unfollow();
    this.stopped = false;
    await this.sync();
    /** A loop with one timer; `wake()` runs a round now (or right after the one in progress). */
    const loop = (fn: () => Promise<unknown>, ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      let running = false;
      let again = false;
      const schedule = (delay: number) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void tick(), delay);
      };
      const tick = async () => {
        timer = undefined;
        if (this.stopped) return;
        running = true;
        const p = fn().catch((err: unknown) =>
          this.log.warn({ err: describe(err) }, 'support worker round failed'),
        );
        this.inFlight.add(p);
        await p;
        this.inFlight.delete(p);
        running = false;
        if (this.stopped) return;
        schedule(again ? 0 : ms);
        again = false;
      };
      schedule(ms);
      this.timers.push(() => timer && clearTimeout(timer));
      return () => {
        if (this.stopped) return;
        if (running) again = true;
        else schedule(0);
      };
    };
    const every = this.deps.intervalMs ?? 500;
    // No channel configured: nothing can be waiting, and the database is not asked twice a second.
    this.wakeOperators = loop(
      () => (this.configured ? this.deliverToOperators() : Promise.resolve(0)),
      every,
    );
    this.wakeSellers = loop(() => (this.configured ? this.deliverToSellers() : Promise.resolve(0)), every);
    loop(() => this.sync(), this.deps.syncIntervalMs ?? 3000);
    // De-duplication marks older than a week and id pairs older than 90 days are dropped hourly.
    loop(() => this.services.support.prune(), 3_600_000);
  }

  async stop(): Promise<void> {
    this.unfollow();
    this.stopped = true;
    for (const clear of this.timers) clear();
    this.timers = [];
    await Promise.allSettled([...this.inFlight]);
    await this.syncing?.catch(() => undefined);
    for (const [id, running] of this.channels) {
      await this.stopChannel(running, false);
      this.channels.delete(id);
    }
  }

  /** Starts, stops and restarts channels to match their rows (called on every change and every few seconds). */
  sync(): Promise<void> {
    this.syncing ??= this.syncNow().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    if (this.stopped) return;
    const records = await this.services.support.listChannels();
    this.configured = records.length > 0;
    const seen = new Set<number>();
    for (const record of records) {
      seen.add(record.id);
      const current = this.channels.get(record.id);
      const changed = !current || current.record.updatedAt.getTime() !== record.updatedAt.getTime();
      if (!record.running) {
        if (current) {
          await this.stopChannel(current, true);
          this.channels.delete(record.id);
        } else if (record.status !== 'offline')
          await this.services.support.setStatus(record.id, 'offline', null);
        continue;
      }
      if (current && !changed) {
        current.record = { ...record, updatedAt: current.record.updatedAt };
        if (!current.online && this.now() - current.startedAt > RETRY_FAILED_MS)
          await this.startChannel(record);
        continue;
      }
      if (current) await this.stopChannel(current, false);
      await this.startChannel(record);
    }
    for (const [id, running] of this.channels) {
      if (seen.has(id)) continue;
      await this.stopChannel(running, false);
      this.channels.delete(id);
    }
  }

  private async startChannel(record: ChannelRecord): Promise<void> {
    const running: Running = { record, online: false, startedAt: this.now() };
    this.channels.set(record.id, running);
    const hours = parseWorkingHours(record.settings, this.deps.config.panelTimeZone);
    running.hours = hours.hours;
    const factory = this.factories[record.kind];
    const fail = async (reason: string) => {
      this.log.warn({ channel: record.name, reason }, 'support channel failed its start-up check');
      await this.services.support.setStatus(record.id, 'failed', reason);
    };
    if (hours.problem) return fail(hours.problem);
    if (!factory) return fail(`The "${record.kind}" channel kind is not available in this build.`);
    try {
      const channel = factory(this.runtimeFor(record), this.client());
      running.channel = channel;
      const check = await channel.start();
      if (!check.ok) {
        await channel.stop().catch(() => undefined);
        running.channel = undefined;
        return fail(check.reason);
      }
      running.online = true;
      await this.services.support.setStatus(record.id, 'online', null);
      // What waited for it goes now (rows retried every 15 s while it was down).
      if (await this.services.support.dueNow(record.id)) this.wakeOperators();
      this.log.info({ channel: record.name, kind: record.kind }, 'support channel online');
    } catch (err) {
      running.channel = undefined;
      await fail(describe(err));
    }
  }

  private async stopChannel(running: Running, markOffline: boolean): Promise<void> {
    running.online = false;
    try {
      await running.channel?.stop();
    } catch (err) {
      this.log.warn({ channel: running.record.name, err: describe(err) }, 'support channel stop failed');
    }
    running.channel = undefined;
    if (markOffline) await this.services.support.setStatus(running.record.id, 'offline', null);
    this.log.info({ channel: running.record.name }, 'support channel stopped');
  }

  /** The default channel, when it is meant to run (it may be failing: messages then wait for it). */
  private defaultChannel(): Running | undefined {
    return [...this.channels.values()].find((r) => r.record.isDefault && r.record.running);
  }

  private runtimeFor(record: ChannelRecord): ChannelRuntime {
    const log = this.log.child({ channel: record.name });
    return {
      name: record.name,
      settings: record.settings,
      publicUrl: this.deps.config.publicUrl,
      emit: (event) => this.onEvent(record.id, event),
      conversationByExternalId: async (externalId) => {
        const c = await this.services.support.conversationByExternalId(record.id, externalId);
        return c ? refOf(c) : null;
      },
      openConversations: async () =>
        (await this.services.support.openConversationsOf(record.id)).map((c) => refOf(c)),
      limits: { twinMaxSockets: this.deps.config.support.twinMaxSockets },
      setReference: (conversationId, reference) =>
        this.services.support.setReference(conversationId, reference),
      saveState: (conversationId, patch) => this.services.support.mergeState(conversationId, patch),
      conversationByPhone: (phone) => this.conversationByPhone(record, phone),
      log: {
        info: (obj, msg) => log.info(obj, msg),
        warn: (obj, msg) => log.warn(obj, msg),
        error: (obj, msg) => log.error(obj, msg),
      },
    };
  }

  /**
   * A platform writes first to a phone number: the seller who shared it gets (or keeps) a conversation
   * on that channel, opened on the platform now so the platform learns its id. A seller talking on
   * another channel keeps that conversation (null: the platform is told the contact is unknown).
   */
  private async conversationByPhone(record: ChannelRecord, phone: string): Promise<ConversationRef | null> {
    const userId = await this.services.support.userIdByPhone(phone);
    const running = this.channels.get(record.id);
    if (userId === null || !running?.channel) return null;
    const { conversation } = await this.services.support.openOrCreate(
      userId,
      record.id,
      running.channel.capabilities.reopens,
    );
    if (conversation.channelId !== record.id) return null;
    return this.opened(conversation, running.channel);
  }

  /**
   * A platform's HTTP call for a channel of `kind`: to the running channel called `name`, or without a
   * name to the kind's channel named like the kind, else its only one. 404 when there is no such
   * channel (nothing says which part was wrong), 503 while it is stopped or failing its check, so the
   * platform tries again later.
   */
  async inbound(
    kind: ChannelKind,
    name: string | undefined,
    request: InboundRequest,
  ): Promise<InboundResponse> {
    const ofKind = [...this.channels.values()].filter((r) => r.record.kind === kind);
    const running =
      name !== undefined
        ? ofKind.find((r) => r.record.name === name)
        : (ofKind.find((r) => r.record.name === kind) ?? (ofKind.length === 1 ? ofKind[0] : undefined));
    if (!running) return { status: 404, json: { error: 'unknown channel' } };
    if (!running.online || !running.channel?.inbound)
      return { status: 503, json: { error: 'channel offline' } };
    try {
      return await running.channel.inbound(request);
    } catch (err) {
      this.log.error(
        { channel: running.record.name, err: describe(err) },
        'support channel inbound request failed',
      );
      return { status: 500, json: { error: 'internal' } };
    }
  }

  /** Updates from chats other than a seller's private chat (a forum's), offered to the running channels. */
  async handleUpdate(update: Update): Promise<boolean> {
    for (const running of this.channels.values()) {
      if (running.passive && running.online && running.channel?.handleUpdate) {
        this.log.warn(
          { channel: running.record.name },
          'a forum update reached a process that does not run the support channels; left',
        );
        return true;
      }
      if (!running.online || !running.channel?.handleUpdate) continue;
      try {
        if (await running.channel.handleUpdate(update)) return true;
      } catch (err) {
        this.log.warn({ channel: running.record.name, err: describe(err) }, 'support channel update failed');
        return true;
      }
    }
    return false;
  }

  // --- the seller's side -----------------------------------------------------------------------

  /** Entering support mode: whether there is a channel to write to, and its hours when closed now. */
  async enter(
    user: TelegramUser,
  ): Promise<{ kind: 'ok'; offHours?: string } | { kind: 'unavailable' } | { kind: 'banned' }> {
    if (user.supportBanned) return { kind: 'banned' };
    const channel = await this.channelFor(user);
    if (!channel) return { kind: 'unavailable' };
    const open = isOpenAt(channel.hours, new Date(this.now()));
    return open ? { kind: 'ok' } : { kind: 'ok', offHours: this.offHoursText(channel) };
  }

  private offHoursText(channel: Running): string {
    const notice = channel.record.settings.offHoursNotice;
    return typeof notice === 'string' && notice ? notice : (channel.hours?.text ?? '');
  }

  /** The channel the seller's conversation is on, or the default for a new one. */
  private async channelFor(user: TelegramUser): Promise<Running | undefined> {
    const open = await this.services.support.openConversationOf(user.id);
    const running = open ? this.channels.get(open.channelId) : undefined;
    return running?.record.running ? running : this.defaultChannel();
  }

  private rateLimited(user: TelegramUser, countsOnce: boolean): boolean {
    const window = 60_000;
    const now = this.now();
    const times = (this.recent.get(user.id) ?? []).filter((t) => now - t < window);
    if (times.length >= this.deps.config.support.ratePerMinute) {
      this.recent.set(user.id, times);
      return true;
    }
    if (!countsOnce) times.push(now);
    this.recent.set(user.id, times);
    return false;
  }

  /** A message the seller sent in support mode: queued for the operators, or refused with a reason. */
  async relay(user: TelegramUser, message: Message): Promise<RelayOutcome> {
    if (user.supportBanned) return { kind: 'banned', tell: await this.services.support.tellBanOnce(user.id) };
    const unit = unitOf(message);
    if ('unrelayable' in unit) return { kind: 'unrelayable', what: unit.unrelayable };
    const albumId = (message as { media_group_id?: string }).media_group_id;
    const albumSeen = albumId !== undefined && this.albums.has(`${user.id}:${albumId}`);
    if (this.rateLimited(user, albumSeen)) return { kind: 'rate_limited' };
    const channel = await this.channelFor(user);
    if (!channel) return { kind: 'unavailable' };
    const max = channel.channel?.capabilities.maxFileBytes;
    const size = unit.files.reduce((n, f) => Math.max(n, f.size ?? 0), 0);
    if (max !== undefined && size > max) return { kind: 'too_large', maxBytes: max };
    const reopens = channel.channel?.capabilities.reopens ?? false;
    const { conversation, created } = await this.services.support.openOrCreate(
      user.id,
      channel.record.id,
      reopens,
    );
    if (created) {
      const greeting = channel.record.settings.greeting;
      const echoes = channel.channel?.capabilities.echoes ?? false;
      if (typeof greeting === 'string' && greeting) {
        await this.services.support.enqueue('to_seller', conversation.id, {
          type: 'line',
          line: 'greeting',
          text: greeting,
        } satisfies ToSeller);
        if (echoes)
          await this.services.support.enqueue('to_operator', conversation.id, {
            type: 'notice',
            text: greeting,
            echo: true,
          } satisfies ToOperator);
      }
      // The seller was told on entering that support is closed now: the platform's history says so too.
      if (echoes && !isOpenAt(channel.hours, new Date(this.now())))
        await this.services.support.enqueue('to_operator', conversation.id, {
          type: 'notice',
          text: this.offHoursText(channel),
          echo: true,
        } satisfies ToOperator);
    }
    if (albumId !== undefined) {
      this.albums.set(`${user.id}:${albumId}`, this.now());
      this.pruneAlbums();
    }
    await this.services.support.enqueue(
      'to_operator',
      conversation.id,
      { type: 'message', unit } satisfies ToOperator,
      {
        mediaGroupId: albumId,
        delaySeconds: albumId === undefined ? 0 : ALBUM_DEBOUNCE_SECONDS,
      },
    );
    this.log.info(
      {
        user: user.telegramId,
        conversation: conversation.id,
        kind: unit.kind,
        files: unit.files.length,
        album: albumId !== undefined,
      },
      'support message queued',
    );
    if (created) this.wakeSellers();
    this.wakeOperators();
    return { kind: 'queued' };
  }

  /** Albums seen lately (an album counts once against the rate limit). */
  private readonly albums = new Map<string, number>();
  private pruneAlbums(): void {
    const now = this.now();
    for (const [k, at] of this.albums) if (now - at > 60_000) this.albums.delete(k);
  }

  /** The seller edited a message: carried to the platform when it was relayed. */
  async relayEdit(user: TelegramUser, message: Message): Promise<boolean> {
    const pair = await this.services.support.pairByTelegram(message.chat.id, message.message_id);
    const open = await this.services.support.openConversationOf(user.id);
    const conversationId = pair?.direction === 'to_operator' ? pair.conversationId : open?.id;
    if (conversationId === undefined || user.supportBanned) return false;
    const unit = unitOf(message);
    if ('unrelayable' in unit) return false;
    await this.services.support.enqueue('to_operator', conversationId, {
      type: 'edit',
      unit,
    } satisfies ToOperator);
    this.wakeOperators();
    return true;
  }

  /** "End conversation": closes the open conversation; false when there was none. */
  async end(user: TelegramUser, by: 'seller' | 'staff' = 'seller'): Promise<boolean> {
    const open = await this.services.support.openConversationOf(user.id);
    if (!open) return false;
    return this.closeConversation(open, by);
  }

  /** Closes a conversation (the seller's button, or staff in the panel) and tells the channel. */
  async closeConversation(conversation: ConversationRecord, by: 'seller' | 'staff'): Promise<boolean> {
    if (!(await this.services.support.closeConversation(conversation.id))) return false;
    await this.services.support.enqueue('to_operator', conversation.id, {
      type: 'close',
      by,
    } satisfies ToOperator);
    if (by === 'staff')
      await this.services.support.enqueue('to_seller', conversation.id, {
        type: 'line',
        line: 'closed',
      } satisfies ToSeller);
    this.log.info({ conversation: conversation.id, by }, 'support conversation closed');
    this.wakeOperators();
    this.wakeSellers();
    return true;
  }

  // --- inbound events ----------------------------------------------------------------------------

  private async onEvent(channelId: number, event: ChannelEvent): Promise<void> {
    const conv = await this.services.support.conversation(event.conversation.id);
    if (!conv || conv.channelId !== channelId) {
      this.log.warn({ channel: channelId, type: event.type }, 'support event for an unknown conversation');
      return;
    }
    const support = this.services.support;
    switch (event.type) {
      case 'operator_message': {
        if (!(await support.firstSeen(channelId, event.message.externalMessageId))) return;
        await support.enqueue('to_seller', conv.id, {
          type: 'operator',
          message: event.message,
        } satisfies ToSeller);
        await support.touch(conv.id, event.message.operatorName);
        this.wakeSellers();
        this.log.info(
          {
            conversation: conv.id,
            external: event.message.externalMessageId,
            copy: Boolean(event.message.copy),
          },
          'operator message queued',
        );
        return;
      }
      case 'operator_edit':
        await support.enqueue('to_seller', conv.id, {
          type: 'edit',
          externalMessageId: event.externalMessageId,
          text: event.text,
        } satisfies ToSeller);
        this.wakeSellers();
        return;
      case 'assigned':
        await support.touch(conv.id, event.operatorName);
        await support.enqueue('to_seller', conv.id, {
          type: 'line',
          line: 'joined',
          text: event.operatorName,
        } satisfies ToSeller);
        return;
      case 'typing': {
        const seller = await support.sellerOf(conv.id);
        if (seller)
          await this.client()
            .sendChatAction(seller.chatId, 'typing')
            .catch(() => undefined);
        return;
      }
      case 'waiting':
        await support.enqueue('to_seller', conv.id, { type: 'line', line: 'waiting' } satisfies ToSeller);
        return;
      case 'closed':
        if ((await support.closeConversation(conv.id)) && !event.quiet)
          await support.enqueue('to_seller', conv.id, { type: 'line', line: 'closed' } satisfies ToSeller);
        this.log.info({ conversation: conv.id, by: event.by }, 'support conversation closed by the channel');
        this.wakeSellers();
        return;
      case 'ban':
        await support.setSupportBanned([conv.telegramUserId], event.banned);
        this.log.info({ conversation: conv.id, banned: event.banned }, 'support ban set from the channel');
        return;
      case 'card_requested': {
        const running = this.channels.get(channelId);
        const card = await this.card(conv.telegramUserId);
        if (card && running?.channel?.postCard) await running.channel.postCard(refOf(conv), card);
        return;
      }
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  private async card(telegramUserId: number): Promise<SellerCard | null> {
    const c = await this.services.support.sellerCard(telegramUserId);
    if (!c) return null;
    const subscription = c.isActive
      ? c.paidUntil
        ? `active until ${c.paidUntil.toISOString().slice(0, 10)}`
        : 'active'
      : 'inactive';
    return {
      telegramId: c.telegramId,
      firstName: c.firstName,
      lastName: c.lastName || undefined,
      username: c.username || undefined,
      languageCode: c.languageCode ?? undefined,
      phone: c.phone ?? undefined,
      role: c.role,
      shops: c.shops,
      subscription,
    };
  }

  // --- delivery to the operators ----------------------------------------------------------------

  /** One round of the worker towards the operators; returns the units delivered. */
  async deliverToOperators(batch = 20): Promise<number> {
    const rows = await this.services.support.lease<ToOperator>('to_operator', batch);
    const results = await Promise.all(rows.map((row) => this.toOperator(row)));
    return results.filter(Boolean).length;
  }

  private async toOperator(head: OutboxRow<ToOperator>): Promise<boolean> {
    const support = this.services.support;
    const rest = head.mediaGroupId ? await support.albumRest<ToOperator>(head, 'to_operator') : [];
    const rows = [head, ...rest];
    const ids = rows.map((r) => r.id);
    const conv = await support.conversation(head.conversationId);
    const running = conv ? this.channels.get(conv.channelId) : undefined;
    if (!conv) {
      await support.drop(ids);
      return false;
    }
    if (!running?.online || !running.channel) {
      if (this.now() - head.createdAt.getTime() > GIVE_UP_MS) {
        await this.toOperatorFailed(rows, conv, new Error('channel offline for a day'));
        return false;
      }
      await support.retryLater(ids, 15, 'channel offline');
      return false;
    }
    const channel = running.channel;
    const payload = head.payload;
    try {
      if (payload.type === 'close') {
        if (conv.externalId && !conv.needsOpen) await channel.close(refOf(conv), payload.by);
        await support.drop(ids);
        return true;
      }
      if (payload.type === 'status') {
        if (channel.delivered && conv.externalId)
          await channel.delivered(refOf(conv), payload.externalMessageId, payload.outcome);
        await support.drop(ids);
        return true;
      }
      const ref = await this.opened(conv, channel);
      if (payload.type === 'notice') {
        await channel.notice(ref, payload.text, payload.echo ? { text: payload.text } : undefined);
        await support.drop(ids);
        return true;
      }
      if (payload.type === 'message' && channel.updateSeller) await this.refreshSeller(conv, ref, channel);
      const unit = mergeAlbum(rows.map((r) => (r.payload as { unit: StoredUnit }).unit));
      const message = await this.sellerMessage(unit);
      if (payload.type === 'edit') {
        const pair = await support.pairByTelegram(unit.chatId, unit.messageIds[0]!);
        if (!pair || pair.direction !== 'to_operator' || pair.conversationId !== conv.id) {
          await support.drop(ids);
          return false;
        }
        if (channel.edit && channel.capabilities.edits) await channel.edit(ref, pair.externalId, message);
        else
          await channel.send(ref, {
            ...message,
            kind: 'text',
            files: [],
            text: `✏️ ${message.text ?? ''}`.trim(),
            replyToExternalId: pair.externalId,
          });
        await support.drop(ids);
        return true;
      }
      const { externalMessageIds } = await channel.send(ref, message);
      const pairs = unit.messageIds.map((messageId, i) => ({
        messageId,
        externalId: externalMessageIds[i] ?? externalMessageIds[externalMessageIds.length - 1] ?? '',
      }));
      await support.addPairs(
        conv.id,
        unit.chatId,
        'to_operator',
        pairs.filter((p) => p.externalId),
      );
      await support.delivered(ids, 'to_operator');
      await support.touch(conv.id);
      this.log.info(
        {
          conversation: conv.id,
          channel: running.record.name,
          kind: unit.kind,
          items: unit.messageIds.length,
        },
        'support message delivered to operators',
      );
      return true;
    } catch (err) {
      await this.toOperatorFailed(rows, conv, err);
      return false;
    }
  }

  /** The conversation opened on the platform (a topic created, or reopened), before anything is sent. */
  private async opened(conv: ConversationRecord, channel: SupportChannel): Promise<ConversationRef> {
    if (conv.externalId && !conv.needsOpen) return refOf(conv);
    const card = await this.card(conv.telegramUserId);
    if (!card) throw new ChannelError('the seller is gone', 'reject');
    const existing = conv.externalId ? refOf(conv) : undefined;
    const { externalId, state } = await channel.open(card, existing);
    await this.services.support.setOpened(conv.id, externalId, state);
    if (existing && externalId === existing.externalId && channel.updateSeller) {
      // Reopened: the seller's name, username or shops may have changed since (a topic's title).
      await channel.updateSeller({ id: conv.id, externalId, state }, card).catch((err: unknown) => {
        this.log.warn({ conversation: conv.id, reason: describe(err) }, 'seller details not updated');
      });
    }
    this.log.info(
      { conversation: conv.id, reopened: Boolean(existing) },
      'support conversation opened on the channel',
    );
    return { id: conv.id, externalId, state: state ?? conv.state };
  }

  /**
   * The seller's name, username, phone or shops changed since the conversation's last message: the
   * channel is told (updateSeller) before the message goes. A fingerprint of them is kept in the state.
   */
  private async refreshSeller(
    conv: ConversationRecord,
    ref: ConversationRef,
    channel: SupportChannel,
  ): Promise<void> {
    const card = await this.card(conv.telegramUserId);
    if (!card) return;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([card.firstName, card.lastName, card.username, card.phone, card.shops]))
      .digest('base64url')
      .slice(0, 16);
    const known = ref.state?.seller;
    if (known === fingerprint) return;
    if (known !== undefined)
      try {
        await channel.updateSeller?.(ref, card);
        this.log.info({ conversation: conv.id }, 'seller details updated on the channel');
      } catch (err) {
        // A passing failure: the next message tries again (the fingerprint stays the old one).
        this.log.warn({ conversation: conv.id, reason: describe(err) }, 'seller details not updated');
        return;
      }
    await this.services.support.mergeState(conv.id, { seller: fingerprint });
    if (ref.state) ref.state.seller = fingerprint;
  }

  private async sellerMessage(unit: StoredUnit): Promise<SellerMessage> {
    let replyToExternalId: string | undefined;
    if (unit.replyToMessageId !== undefined) {
      const pair = await this.services.support.pairByTelegram(unit.chatId, unit.replyToMessageId);
      replyToExternalId = pair?.externalId;
    }
    return {
      chatId: unit.chatId,
      messageIds: unit.messageIds,
      kind: unit.kind,
      text: unit.text,
      files: unit.files.map((f) => ({ ...f, url: () => this.files.url(f.fileId, f.name) })),
      replyToExternalId,
    };
  }

  private async toOperatorFailed(
    rows: OutboxRow<ToOperator>[],
    conv: ConversationRecord,
    err: unknown,
  ): Promise<void> {
    const support = this.services.support;
    const ids = rows.map((r) => r.id);
    const head = rows[0]!;
    const action = err instanceof ChannelError ? err.action : undefined;
    const wait = err instanceof ChannelError ? err.retryAfter : retryAfterSeconds(err);
    const reason = describe(err);
    if (action === 'reject') {
      await support.drop(ids);
      if (head.payload.type === 'message')
        await support.enqueue('to_seller', conv.id, { type: 'line', line: 'rejected' } satisfies ToSeller);
      this.log.warn({ conversation: conv.id, reason }, 'support message rejected by the channel');
      this.wakeSellers();
      return;
    }
    if (this.now() - head.createdAt.getTime() > GIVE_UP_MS) {
      await support.drop(ids);
      if (head.payload.type === 'message')
        await support.enqueue('to_seller', conv.id, { type: 'line', line: 'undelivered' } satisfies ToSeller);
      this.log.warn({ conversation: conv.id, reason }, 'support message given up after 24 hours');
      this.wakeSellers();
      return;
    }
    if (action === 'lost') {
      await support.markLost(conv.id);
      await support.retryLater(ids, head.attempts > 3 ? backoff(head.attempts) : 0, reason);
      this.log.warn({ conversation: conv.id, reason }, 'support conversation lost on the channel: reopening');
      return;
    }
    const delay = wait ?? backoff(head.attempts);
    await support.retryLater(ids, delay, reason);
    this.log.warn(
      { conversation: conv.id, retryInSeconds: delay, reason },
      'support delivery to operators failed',
    );
  }

  // --- delivery to sellers ---------------------------------------------------------------------

  /** One round of the worker towards the sellers; returns the units delivered. */
  async deliverToSellers(batch = 20): Promise<number> {
    const rows = await this.services.support.lease<ToSeller>('to_seller', batch);
    const results = await Promise.all(rows.map((row) => this.toSeller(row)));
    return results.filter(Boolean).length;
  }

  private textsOf(languageCode: string | null): Texts {
    return textsFor(languageCode ?? undefined, this.deps.config.bot.defaultLanguage as Language);
  }

  private async toSeller(row: OutboxRow<ToSeller>): Promise<boolean> {
    const support = this.services.support;
    const seller = await support.sellerOf(row.conversationId);
    if (!seller) {
      await support.drop([row.id]);
      return false;
    }
    const t = this.textsOf(seller.languageCode);
    const tg = this.client();
    const payload = row.payload;
    try {
      if (payload.type === 'line') {
        const text =
          payload.line === 'greeting'
            ? `${t.supportFrom(undefined)}\n${h(payload.text ?? '')}`
            : payload.line === 'waiting'
              ? t.supportWaiting
              : payload.line === 'joined'
                ? t.supportJoined(payload.text ?? '')
                : payload.line === 'closed'
                  ? t.supportClosedByOperator
                  : payload.line === 'rejected'
                    ? t.supportRejected
                    : t.supportUndelivered;
        await tg.sendMessage(seller.chatId, text, { parse_mode: 'HTML' });
        await support.drop([row.id]);
        return true;
      }
      if (payload.type === 'edit') {
        // One pair: the mark and the text in one message. Several: the mark line, then the copies.
        const pairs = await support.pairsByExternal(row.conversationId, payload.externalMessageId);
        const target = pairs[pairs.length - 1];
        if (target && payload.text !== undefined) {
          const conv = await support.conversation(row.conversationId);
          const text =
            pairs.length === 1
              ? `${t.supportFrom(conv?.operatorName ?? undefined)}\n${h(payload.text)}`
              : h(payload.text);
          await tg
            .editMessageText(target.chatId, target.messageId, undefined, text, { parse_mode: 'HTML' })
            .catch(async (err: unknown) => {
              if (err instanceof TelegramError && /no text in the message/i.test(err.description))
                await tg.editMessageCaption(target.chatId, target.messageId, undefined, payload.text);
              else if (!(err instanceof TelegramError && /not modified/i.test(err.description))) throw err;
            });
        }
        await support.drop([row.id]);
        return true;
      }
      const m = payload.message;
      const replyTo = m.replyToExternalId
        ? await support.pairByExternal(row.conversationId, m.replyToExternalId)
        : null;
      const reply = replyTo
        ? { reply_parameters: { message_id: replyTo.messageId, allow_sending_without_reply: true } }
        : {};
      const header = t.supportFrom(m.operatorName);
      const sent: number[] = [];
      if (m.copy) {
        const mark = await tg.sendMessage(seller.chatId, header, { parse_mode: 'HTML', ...reply });
        sent.push(mark.message_id);
        const copies =
          m.copy.messageIds.length === 1
            ? [await tg.copyMessage(seller.chatId, m.copy.fromChatId, m.copy.messageIds[0]!)]
            : await tg.copyMessages(seller.chatId, m.copy.fromChatId, m.copy.messageIds);
        sent.push(...copies.map((c) => c.message_id));
      } else if (m.text !== undefined || !m.attachments?.length) {
        // Quick answers: buttons whose press sends their label (the label is the text, not the data).
        const answers = m.answers?.length
          ? {
              reply_markup: {
                inline_keyboard: m.answers
                  .slice(0, 20)
                  .map((a, i) => [
                    { text: a.slice(0, 120), callback_data: encode({ a: 'support_answer', i }) },
                  ]),
              },
            }
          : {};
        const msg = await tg.sendMessage(seller.chatId, `${header}\n${h(m.text ?? '')}`, {
          parse_mode: 'HTML',
          ...reply,
          ...answers,
        });
        sent.push(msg.message_id);
      }
      for (const a of m.attachments ?? []) {
        // Fetched here, size-capped (the platform's link may need no Telegram access, or be huge).
        const name = a.name ?? 'file';
        const file = await fetchAttachment(a.url, name);
        const caption = sent.length ? {} : { caption: header, parse_mode: 'HTML' as const };
        const msg =
          file === 'too_large'
            ? await tg.sendMessage(
                seller.chatId,
                `${header}\n${t.supportFileTooLarge(name, ATTACHMENT_MAX_BYTES / (1024 * 1024))}`,
                { parse_mode: 'HTML' },
              )
            : file.photo
              ? await tg.sendPhoto(seller.chatId, { source: file.bytes, filename: name }, caption)
              : await tg.sendDocument(seller.chatId, { source: file.bytes, filename: name }, caption);
        sent.push(msg.message_id);
      }
      await support.addPairs(
        row.conversationId,
        seller.chatId,
        'to_seller',
        sent.map((messageId) => ({ messageId, externalId: m.externalMessageId })),
      );
      await support.delivered([row.id], 'to_seller');
      await this.tellDelivery(row.conversationId, m.externalMessageId, { status: 'sent' });
      if (!seller.isReachable) await this.services.users.setReachable(seller.telegramId, true);
      this.log.info(
        { conversation: row.conversationId, messages: sent.length },
        'operator message delivered',
      );
      return true;
    } catch (err) {
      await this.toSellerFailed(row, seller, err);
      return false;
    }
  }

  private async toSellerFailed(
    row: OutboxRow<ToSeller>,
    seller: { telegramId: number; isReachable: boolean },
    err: unknown,
  ): Promise<void> {
    const support = this.services.support;
    const reason = describe(err);
    if (isBlocked(err)) {
      await support.drop([row.id]);
      if (row.payload.type === 'operator')
        await this.tellDelivery(row.conversationId, row.payload.message.externalMessageId, {
          status: 'error',
          reason: 'The seller has blocked the bot.',
        });
      await this.services.users.setReachable(seller.telegramId, false);
      // Each undelivered answer is told: the operator knows that message did not arrive.
      await this.tellOperatorsUnreachable(row.conversationId);
      this.log.warn({ conversation: row.conversationId }, 'seller blocked the bot: support message dropped');
      return;
    }
    const wait = retryAfterSeconds(err);
    const permanent = err instanceof TelegramError && err.code === 400;
    if (permanent || this.now() - row.createdAt.getTime() > GIVE_UP_MS) {
      await support.drop([row.id]);
      if (row.payload.type === 'operator')
        await this.tellDelivery(row.conversationId, row.payload.message.externalMessageId, {
          status: 'error',
          reason: permanent ? 'Telegram refused the message.' : 'Not delivered within a day.',
        });
      this.log.warn({ conversation: row.conversationId, reason }, 'support message to the seller given up');
      return;
    }
    const delay = wait ?? backoff(row.attempts);
    await support.retryLater([row.id], delay, reason);
    this.log.warn(
      { conversation: row.conversationId, retryInSeconds: delay, reason },
      'support delivery to the seller failed',
    );
  }

  /** Queues the delivery status for channels that show it (Planfix's messageStatus). */
  private async tellDelivery(
    conversationId: number,
    externalMessageId: string,
    outcome: DeliveryOutcome,
  ): Promise<void> {
    const conv = await this.services.support.conversation(conversationId);
    const channel = conv ? this.channels.get(conv.channelId)?.channel : undefined;
    if (!channel?.delivered) return;
    await this.services.support.enqueue('to_operator', conversationId, {
      type: 'status',
      externalMessageId,
      outcome,
    } satisfies ToOperator);
  }

  private async tellOperatorsUnreachable(conversationId: number): Promise<void> {
    await this.services.support.enqueue('to_operator', conversationId, {
      type: 'notice',
      text: '⛔️ Not delivered: the seller has blocked the bot, messages can no longer reach them.',
    } satisfies ToOperator);
    this.wakeOperators();
  }
}

export function refOf(c: ConversationRecord): ConversationRef {
  const { lost, ...state } = c.state ?? {};
  return { id: c.id, externalId: c.externalId ?? '', state, ...(lost === true ? { lost: true } : {}) };
}
