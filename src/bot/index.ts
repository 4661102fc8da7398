import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { SessionStore } from '../db/session-store.js';
import { guardTelegram } from './api-guard.js';
import { ChatQueue } from './chat-queue.js';
import { BotContext, type BotDeps, type SessionData } from './context.js';
import { handleError } from './errors.js';
import { loginFeature } from './features/login.js';
import { manageFeature } from './features/manage.js';
import { shopsFeature } from './features/shops.js';
import { startFeature } from './features/start.js';
import { onPreCheckout, onSuccessfulPayment, subscriptionFeature } from './features/subscription.js';
import { Notifier } from './notifier.js';
import { Poller } from './polling.js';
import { buildRouter, home } from './router.js';
import { catalogues, languageOf } from './texts/index.js';
import { deleteIncoming, reply } from './ui.js';

export type { BotDeps };

export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'callback_query',
  'pre_checkout_query',
  'my_chat_member',
];

/** Sessions live a day; the typed input inside them lapses after ten minutes (router.ts). */
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

/** One word that looks like a key or password: deleted even when no input was expected. */
const looksSecret = (text: string) =>
  /^mk_\S{8,}$/.test(text) || (/^\S{12,}$/.test(text) && /\d/.test(text) && /[A-Za-z]/.test(text));

/** The chat whose updates must stay in order; updates of different chats run side by side. */
export function chatKey(update: Update): string | undefined {
  const u = update as unknown as Partial<
    Record<string, { chat?: { id: number }; from?: { id: number }; message?: { chat: { id: number } } }>
  >;
  const id =
    u.message?.chat?.id ??
    u.edited_message?.chat?.id ??
    u.callback_query?.message?.chat.id ??
    u.callback_query?.from?.id ??
    u.pre_checkout_query?.from?.id ??
    u.my_chat_member?.chat?.id;
  return id === undefined ? undefined : String(id);
}

/**
 * Builds the bot from its dependencies: no process, environment or network at build time.
 * `start()` polls; `handleUpdate()` is the entry for webhooks and tests; `stop()` finishes the work
 * in flight and confirms the polling offset.
 */
export function createBot(deps: BotDeps, opts: { pollTimeoutSeconds?: number; concurrency?: number } = {}) {
  const { config, logger, services } = deps;
  const bot = new Telegraf<BotContext>(config.botToken ?? '', {
    telegram: { apiRoot: config.telegramApiRoot, webhookReply: false },
    contextType: BotContext,
    handlerTimeout: 60_000,
  });
  const onBlocked = (chatId: number) => {
    logger.info({ chat: chatId }, 'user blocked the bot');
    void services.users.setReachable(chatId, false).catch(() => undefined);
  };
  guardTelegram(bot.telegram, { logger, onBlocked });
  const router = buildRouter([startFeature, loginFeature, shopsFeature, manageFeature, subscriptionFeature]);
  const sessions = new SessionStore<SessionData>(deps.dataSource, SESSION_TTL_MS);

  bot.use(async (ctx, next) => {
    // Only private chats are served; groups and channels are ignored quietly.
    const chatType = ctx.chat?.type;
    if (chatType !== undefined && chatType !== 'private') return;
    if (!ctx.from || ctx.from.is_bot) return;
    guardTelegram(ctx.telegram, { logger, onBlocked });
    ctx.deps = deps;
    ctx.lang = languageOf(ctx.from.language_code, config.bot.defaultLanguage);
    ctx.t = catalogues[ctx.lang];
    const key = `u:${ctx.from.id}`;
    let before = 'null';
    try {
      ctx.session = (await sessions.get(key)) ?? {};
      before = JSON.stringify(ctx.session);
      await next();
      if (ctx.callbackQuery) await ctx.answer();
    } catch (err) {
      await handleError(err, ctx, ctx.telegram);
    } finally {
      const after = JSON.stringify(ctx.session);
      if (after !== before) {
        await (after === '{}' ? sessions.delete(key) : sessions.set(key, ctx.session)).catch((err: unknown) =>
          logger.error({ err }, 'could not save the session'),
        );
      }
    }
  });

  bot.on('callback_query', (ctx) => router.onCallback(ctx));
  bot.on('pre_checkout_query', (ctx) => onPreCheckout(ctx));
  bot.on('my_chat_member', async (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    await services.users.setReachable(ctx.from.id, status !== 'kicked');
  });
  bot.on('message', async (ctx) => {
    const message = ctx.message;
    if ('successful_payment' in message) return onSuccessfulPayment(ctx);
    if (!('text' in message)) return; // stickers, photos…: nothing to do
    const text = message.text;
    if (text.startsWith('/')) {
      const name = text.slice(1).split(/\s/, 1)[0].split('@', 1)[0].toLowerCase();
      if (!(await router.onCommand(ctx, name))) await reply(ctx, { text: ctx.t.unknownCommand });
      return;
    }
    const outcome = await router.onText(ctx, text);
    if (outcome === 'handled') return;
    if (outcome === 'expired') {
      await deleteIncoming(ctx);
      await reply(ctx, { text: ctx.t.inputExpired });
      await home(ctx, { asNew: true });
      return;
    }
    if (looksSecret(text.trim())) {
      await deleteIncoming(ctx);
      await reply(ctx, { text: ctx.t.unexpectedTextDeleted });
    } else {
      await reply(ctx, { text: ctx.t.unexpectedText });
    }
  });
  // edited_message and anything else: deliberately nothing (the original crashed on edits).

  bot.catch((err) => logger.error({ err }, 'unhandled bot error'));

  const queue = new ChatQueue(opts.concurrency ?? 64);
  /** Queues an update behind the earlier ones of its chat; resolves when it has been handled. */
  const handleUpdate = (update: Update) => queue.push(chatKey(update), () => bot.handleUpdate(update));
  const poller = new Poller({
    telegram: bot.telegram,
    logger,
    dispatch: (u) => void handleUpdate(u),
    drain: () => queue.drain(),
    backlog: () => queue.size,
    allowedUpdates: ALLOWED_UPDATES,
    timeoutSeconds: opts.pollTimeoutSeconds,
  });
  const notifier = new Notifier({
    dataSource: deps.dataSource,
    telegram: bot.telegram,
    logger,
    defaultLanguage: config.bot.defaultLanguage,
  });

  async function init(): Promise<void> {
    bot.botInfo = await bot.telegram.getMe();
    if (config.bot.autoCustomise) await customise();
  }

  async function customise(): Promise<void> {
    for (const [lang, t] of Object.entries(catalogues)) {
      const commands = [
        { command: 'start', description: t.commandStart },
        { command: 'help', description: t.commandHelp },
        { command: 'menu', description: t.commandMenu },
        { command: 'cancel', description: t.commandCancel },
      ];
      const language = lang === config.bot.defaultLanguage ? {} : { language_code: lang };
      await bot.telegram.setMyCommands(commands, language);
      await bot.telegram.setMyDescription(t.description.slice(0, 512), language.language_code);
      await bot.telegram.setMyShortDescription(t.description.slice(0, 120), language.language_code);
    }
  }

  return {
    bot,
    handleUpdate,
    init,
    notifier,
    /** Long polling: drops a webhook first, since Telegram refuses getUpdates while one is set. */
    async startPolling(): Promise<void> {
      await bot.telegram.deleteWebhook({ drop_pending_updates: false });
      poller.start();
    },
    /** Webhook mode: Telegram POSTs updates to `url`, which must reach webhookHandler (src/bot/webhook.ts). */
    async setWebhook(url: string, secret: string): Promise<void> {
      await bot.telegram.setWebhook(url, {
        secret_token: secret,
        allowed_updates: ALLOWED_UPDATES as never,
        max_connections: 40,
      });
    },
    async stop(): Promise<void> {
      await poller.stop();
      await queue.drain();
    },
  };
}

export type Bot = ReturnType<typeof createBot>;
