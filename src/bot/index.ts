import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { guardTelegram } from './api-guard.js';
import { sendJsonOverUndici } from './transport.js';
import { ChatQueue } from './chat-queue.js';
import { BotContext, type BotDeps } from './context.js';
import { addShopFeature } from './features/add-shop.js';
import { loginFeature } from './features/login.js';
import { navigationFeature } from './features/navigation.js';
import { reachabilityFeature } from './features/reachability.js';
import { shopListFeature } from './features/shop-list.js';
import { shopMenuFeature } from './features/shop-menu.js';
import { subscriptionFeature } from './features/subscription.js';
import { supportFeature } from './features/support.js';
import { unlinkShopFeature } from './features/unlink-shop.js';
import { context } from './middleware/context.js';
import { errorBoundary } from './middleware/error-boundary.js';
import { session } from './middleware/session.js';
import { Intake } from './intake.js';
import { Poller } from './polling.js';
import { buildRouter } from './router.js';
import { isMethodMissing } from './telegram-errors.js';
import { catalogues } from './texts/index.js';
import { ALLOWED_UPDATES, chatKey } from './chat-key.js';

export type { BotDeps, SessionData } from './context.js';
export { SESSION_TTL_MS } from './context.js';
export { ALLOWED_UPDATES, chatKey } from './chat-key.js';

/** Every screen of the bot, one feature each (src/bot/features/). */
const FEATURES = [
  navigationFeature,
  loginFeature,
  shopListFeature,
  shopMenuFeature,
  addShopFeature,
  unlinkShopFeature,
  subscriptionFeature,
  reachabilityFeature,
  supportFeature,
];

/**
 * Builds the bot from its dependencies: no process, environment or network at build time.
 * `init()` replays what a crash left in the inbox; `startPolling()` polls; `receive()` is the
 * webhook's entry and `handleUpdate()` the tests'; `stop()` finishes the work in flight and
 * confirms the polling offset.
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
  if (config.botToken) sendJsonOverUndici(bot.telegram, config.telegramApiRoot, config.botToken);
  guardTelegram(bot.telegram, { logger, onBlocked });
  const router = buildRouter(FEATURES);
  const sessions = session(deps.sessions);

  // Updates from groups (a support forum) go to the support desk's channels; the bot serves private chats.
  bot.use(async (ctx, next) => {
    const type = ctx.chat?.type;
    if (type === undefined || type === 'private') return next();
    if (deps.support) await deps.support.handleUpdate(ctx.update);
  });
  bot.use(
    context(deps, bot.telegram), // private chats only; deps, language and texts on the context
    sessions.save, // writes the session back once the update is done, after the boundary has spoken
    errorBoundary(), // every error, and the answer to every pressed button
    sessions.load,
  );
  bot.on('callback_query', (ctx) => router.onCallback(ctx));
  bot.on('message', (ctx) => router.onMessage(ctx));
  bot.on('pre_checkout_query', (ctx) => router.onPreCheckout(ctx));
  bot.on('my_chat_member', (ctx) => router.onMyChatMember(ctx));
  // Edits reach support (a relayed message's edit is carried); the original crashed on them.
  bot.on('edited_message', (ctx) => router.onEditedMessage(ctx));

  bot.catch((err) => logger.error({ err }, 'unhandled bot error'));

  const queue = new ChatQueue(opts.concurrency ?? 64);
  // The one entry of both transports: stored first (a redelivered update id is dropped there,
  // whichever transport brought it), then queued behind the earlier updates of its chat.
  const intake = new Intake({
    inbox: services.inbox,
    queue,
    handle: (u) => bot.handleUpdate(u),
    chatKey,
    logger,
  });
  /** Stores an update and queues it; resolves once it is stored (the webhook then answers 200). */
  const receive = async (update: Update): Promise<void> => {
    await intake.receive([update]);
  };
  /** Stores an update and resolves when it has been handled (a repeat resolves at once). */
  const handleUpdate = async (update: Update): Promise<void> => {
    const { handled } = await intake.receive([update]);
    await handled;
  };
  const poller = new Poller({
    telegram: bot.telegram,
    logger,
    receive: async (updates) => {
      await intake.receive(updates);
    },
    drain: async () => {
      await queue.drain();
      await intake.stop();
    },
    backlog: () => queue.size,
    allowedUpdates: ALLOWED_UPDATES,
    timeoutSeconds: opts.pollTimeoutSeconds,
  });

  async function init(): Promise<void> {
    bot.botInfo = await bot.telegram.getMe();
    if (config.bot.autoCustomise) await customise();
    await intake.recover();
    intake.start();
  }

  /**
   * Commands and descriptions per language. A Bot API server that doesn't implement one of these
   * methods (a local server, an emulator) gets a warning and is not asked again: the bot works
   * without them. Any other error still fails the start.
   */
  async function customise(): Promise<void> {
    const missing = new Set<string>();
    const attempt = async (method: string, call: () => Promise<unknown>) => {
      if (missing.has(method)) return;
      try {
        await call();
      } catch (err) {
        if (!isMethodMissing(err)) throw err;
        missing.add(method);
        logger.warn(
          { method, err: (err as Error).message },
          `the Bot API server does not implement ${method}: the bot starts without it`,
        );
      }
    };
    for (const [lang, t] of Object.entries(catalogues)) {
      const commands = [
        { command: 'start', description: t.commandStart },
        { command: 'help', description: t.commandHelp },
        { command: 'menu', description: t.commandMenu },
        { command: 'cancel', description: t.commandCancel },
        { command: 'support', description: t.commandSupport },
      ];
      const language = lang === config.bot.defaultLanguage ? {} : { language_code: lang };
      await attempt('setMyCommands', () => bot.telegram.setMyCommands(commands, language));
      await attempt('setMyDescription', () =>
        bot.telegram.setMyDescription(t.description.slice(0, 512), language.language_code),
      );
      await attempt('setMyShortDescription', () =>
        bot.telegram.setMyShortDescription(t.description.slice(0, 120), language.language_code),
      );
    }
  }

  return {
    bot,
    handleUpdate,
    receive,
    init,
    /** The bot's Telegram client (429s waited out, 403s reported): the notifier worker sends through it. */
    telegram: bot.telegram,
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
      await intake.stop();
    },
  };
}

export type Bot = ReturnType<typeof createBot>;
