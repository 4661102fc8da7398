import 'dotenv/config';
import { isIP } from 'node:net';
import { z } from 'zod';
import { isTimeZone } from './services/rules.js';

/** Reads a boolean the way people write it in .env files: "false", "0", "no" and "off" are false. */
const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a whole number from ${min} to ${max}, got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

/** An exchange, queue or routing key name as RabbitMQ takes it (up to 255 bytes, no control characters). */
const amqpName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:-]{1,255}$/, 'expected 1 to 255 characters of A-Z, a-z, 0-9, _ . : and -');

/** The named ranges express's `trust proxy` knows. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** One entry of TRUSTED_PROXIES: an IPv4/IPv6 address, a CIDR of one, or a named range. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_RANGES.includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * Whose X-Forwarded-For is believed, in the form express's `trust proxy` takes: `false` (nobody,
 * the default), a hop count, or a list of addresses, CIDRs and named ranges.
 */
const trustedProxies = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx): false | number | string[] => {
    if (v === undefined || v === '' || v.toLowerCase() === 'none') return false;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops >= 1 && hops <= 10) return hops;
      ctx.addIssue({ code: 'custom', message: `expected a hop count from 1 to 10, got "${v}"` });
      return z.NEVER;
    }
    const entries = v.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isProxyEntry(e));
    if (bad.length) {
      ctx.addIssue({
        code: 'custom',
        message:
          'expected a hop count, or addresses, CIDRs (10.0.0.0/8) and loopback/linklocal/uniquelocal ' +
          `separated by commas; not ${bad.map((b) => `"${b}"`).join(', ')}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** `VAR=` in a .env file means "not set": empty values fall back to the default. */
const unsetIfEmpty = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));

/** Every variable on its own: its type, its default and the sentence a bad value gets. */
const variables = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[A-Za-z0-9_-]+$/.test(v), {
    message: 'expected a token like 123456:ABC-DEF from @BotFather',
  }),
  TELEGRAM_API_ROOT: z
    .string()
    .trim()
    .url()
    .default('https://api.telegram.org')
    .transform((v) => v.replace(/\/+$/, '')),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'expected a postgres:// or postgresql:// URL',
  }),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: int(3000, 0, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BOT_AUTO_CUSTOMISE: bool(true),
  BOT_LIST_LIMIT: int(5, 1, 20),
  DEFAULT_LANGUAGE: z.enum(['ru', 'en']).default('ru'),
  HELP_ADMIN_USERNAME: optionalString.transform((v) => v?.replace(/^@/, '')),
  REPORT_CHAT_ID: optionalString
    .refine((v) => v === undefined || /^-?\d+$/.test(v), { message: 'expected a numeric Telegram chat id' })
    .transform((v) => (v === undefined ? undefined : Number(v))),
  PAYMENT_PROVIDER_TOKEN: optionalString,
  SUBSCRIPTION_PRICE: int(10000, 1, 1_000_000_000),
  SUBSCRIPTION_CURRENCY: z
    .string()
    .trim()
    .regex(/^[A-Z]{3}$/, 'expected a three-letter currency code such as RUB')
    .default('RUB'),
  SUBSCRIPTION_PERIOD_DAYS: int(30, 1, 3660),
  NEW_USERS_ACTIVE: bool(true),
  INVOICE_MAX_AGE_HOURS: int(24, 1, 24 * 30),
  LOGIN_MAX_FAILURES: int(5, 1, 1000),
  LOGIN_WINDOW_MINUTES: int(15, 1, 24 * 60),
  WRONG_KEYS_PER_MINUTE: int(20, 1, 100_000),
  WRONG_KEYS_PER_HOUR: int(200, 1, 1_000_000),
  SESSION_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'expected at least 32 characters',
  }),
  AUDIT_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'expected at least 32 characters',
  }),
  WEBHOOK_URL: optionalString.refine((v) => v === undefined || /^https:\/\//.test(v), {
    message: 'expected an https:// URL',
  }),
  WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'expected 1 to 256 characters of A-Z, a-z, 0-9, _ and -',
  }),
  TRUSTED_PROXIES: trustedProxies,
  // AdminJS reads it from process.env when first imported; createAdmin puts this value there.
  ADMIN_JS_TMP_DIR: z.string().trim().min(1).default('adminjs-bundle'),
  SECRET_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'expected at least 32 characters',
  }),
  SUPPORT_API_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 24, {
    message: 'expected at least 24 characters',
  }),
  SUPPORT_RATE_PER_MINUTE: int(20, 1, 1000),
  WEBIM_API_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/[^/\s]+/.test(v), {
    message: 'expected an http:// or https:// URL',
  }),
  WEBIM_ACCESS_TOKEN: optionalString,
  WEBIM_CALLBACK_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: 'expected at least 16 characters',
  }),
  TWIN_MAX_SOCKETS: int(2000, 1, 100000),
  PUBLIC_URL: optionalString
    .refine((v) => v === undefined || /^https?:\/\/[^/\s]+/.test(v), {
      message: 'expected an http:// or https:// URL',
    })
    .transform((v) => v?.replace(/\/+$/, '')),
  PANEL_TIME_ZONE: z
    .string()
    .trim()
    .refine(isTimeZone, 'expected a time zone name such as Europe/Moscow or UTC')
    .default('Europe/Moscow'),
  SYNC_AMQP_URL: optionalString.refine((v) => v === undefined || /^amqps?:\/\/[^/]/.test(v), {
    message: 'expected an amqp:// or amqps:// URL such as amqp://user:password@rabbitmq:5672',
  }),
  SYNC_INBOUND_EXCHANGE: amqpName.default('ozon_shop'),
  SYNC_INBOUND_QUEUE: amqpName.optional(),
  SYNC_OUTBOUND_EXCHANGE: amqpName.default('bot_shop'),
  SYNC_PREFETCH: int(10, 1, 1000),
  ROLE: z.enum(['all', 'receiver', 'worker'], { message: 'expected all, receiver or worker' }).default('all'),
  AMQP_URL: optionalString.refine((v) => v === undefined || /^amqps?:\/\/[^/]/.test(v), {
    message: 'expected an amqp:// or amqps:// URL such as amqp://user:password@rabbitmq:5672',
  }),
  AMQP_PARTITIONS: int(16, 1, 256),
  AMQP_QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{0,200}$/, 'expected up to 200 characters of A-Z, a-z, 0-9, _ . : and -')
    .default('market-bot.'),
  AMQP_PREFETCH: int(32, 1, 1000),
  WORKER_INDEX: optionalString,
  WORKER_COUNT: optionalString,
});

type Variables = z.output<typeof variables>;

/** Records a rule between variables as an issue on `variable`; the parse then fails with that sentence. */
function refuse(ctx: z.RefinementCtx, variable: keyof Variables, message: string): never {
  ctx.addIssue({ code: 'custom', path: [variable], message });
  return z.NEVER;
}

/** Long polling: nothing needs to be open to the internet. */
const polling = () => ({ mode: 'polling' as const });
/** Telegram POSTs updates to `url` and sends `secret` back in a header. */
const webhook = (url: string, secret: string) => ({ mode: 'webhook' as const, url, secret });

/**
 * How updates arrive: polling, or a webhook with both its URL and its secret. WEBHOOK_URL without
 * WEBHOOK_SECRET is refused, so the parsed result has no such state.
 */
function transportOf(e: Variables, ctx: z.RefinementCtx) {
  if (!e.WEBHOOK_URL) return polling();
  if (!e.WEBHOOK_SECRET) return refuse(ctx, 'WEBHOOK_SECRET', 'required when WEBHOOK_URL is set');
  return webhook(e.WEBHOOK_URL, e.WEBHOOK_SECRET);
}

/**
 * The update pipeline (README "Running more than one process"): which part of it this process runs
 * and, with AMQP_URL, the broker between receivers and workers. Without AMQP_URL (ROLE=all only)
 * updates go through the durable inbox in this one process, as always.
 */
function pipelineOf(e: Variables, ctx: z.RefinementCtx, transport: ReturnType<typeof transportOf>) {
  if (e.ROLE !== 'all' && !e.AMQP_URL)
    return refuse(
      ctx,
      'AMQP_URL',
      `required with ROLE=${e.ROLE} (the RabbitMQ between receivers and workers)`,
    );
  if (e.ROLE === 'receiver' && transport.mode !== 'webhook')
    return refuse(ctx, 'WEBHOOK_URL', 'required with ROLE=receiver (a receiver serves the webhook)');
  // WORKER_INDEX/WORKER_COUNT only say which partitions a worker takes first (its home ones); they
  // are optional: without them a worker takes what no other worker holds.
  const whole = (name: 'WORKER_INDEX' | 'WORKER_COUNT', v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    // e.g. a StatefulSet pod name "market-bot-worker-2" gives index 2
    const n = Number(name === 'WORKER_INDEX' ? (/(\d+)$/.exec(v)?.[1] ?? NaN) : v);
    if (!Number.isInteger(n) || n < min || n > 256)
      return refuse(ctx, name, `expected a whole number from ${min} to 256, got "${v}"`);
    return n;
  };
  const index = whole('WORKER_INDEX', e.WORKER_INDEX, 0);
  const count = whole('WORKER_COUNT', e.WORKER_COUNT, 1);
  if ((index === undefined) !== (count === undefined))
    refuse(
      ctx,
      index === undefined ? 'WORKER_INDEX' : 'WORKER_COUNT',
      'set WORKER_INDEX and WORKER_COUNT together',
    );
  if (index !== undefined && count !== undefined && index >= count)
    refuse(ctx, 'WORKER_INDEX', `expected less than WORKER_COUNT (${count}), got ${index}`);
  return {
    role: e.ROLE,
    amqp: e.AMQP_URL
      ? {
          url: e.AMQP_URL,
          partitions: e.AMQP_PARTITIONS,
          queuePrefix: e.AMQP_QUEUE_PREFIX,
          prefetch: e.AMQP_PREFETCH,
          worker: index !== undefined && count !== undefined ? { index, count } : undefined,
        }
      : undefined,
  };
}

/** The environment → the app's configuration: the one schema, and the only place that reads a variable. */
export const configSchema = variables.transform((e, ctx) => {
  const transport = transportOf(e, ctx);
  const pipeline = pipelineOf(e, ctx, transport);
  if (e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    refuse(ctx, 'SESSION_SECRET', 'required in production (32+ random characters)');
  }
  if (e.NODE_ENV === 'production' && !e.AUDIT_KEY) {
    refuse(
      ctx,
      'AUDIT_KEY',
      'required in production (32+ random characters, kept for the life of the audit log)',
    );
  }
  if (e.NODE_ENV === 'production' && !e.SECRET_KEY) {
    refuse(
      ctx,
      'SECRET_KEY',
      "required in production (32+ random characters; it seals the support channels' secrets, keep it)",
    );
  }
  const webimKeys = ['WEBIM_API_URL', 'WEBIM_ACCESS_TOKEN', 'WEBIM_CALLBACK_SECRET'] as const;
  const webimMissing = webimKeys.filter((k) => !e[k]);
  if (webimMissing.length && webimMissing.length < webimKeys.length)
    refuse(ctx, webimMissing[0]!, `required with ${webimKeys.filter((k) => e[k]).join(' and ')}`);
  return {
    env: e.NODE_ENV,
    botToken: e.BOT_TOKEN,
    telegramApiRoot: e.TELEGRAM_API_ROOT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    transport,
    bot: {
      autoCustomise: e.BOT_AUTO_CUSTOMISE,
      listLimit: e.BOT_LIST_LIMIT,
      defaultLanguage: e.DEFAULT_LANGUAGE,
      helpAdminUsername: e.HELP_ADMIN_USERNAME,
      reportChatId: e.REPORT_CHAT_ID,
    },
    subscription: {
      providerToken: e.PAYMENT_PROVIDER_TOKEN,
      price: e.SUBSCRIPTION_PRICE,
      currency: e.SUBSCRIPTION_CURRENCY,
      periodDays: e.SUBSCRIPTION_PERIOD_DAYS,
      newUsersActive: e.NEW_USERS_ACTIVE,
      invoiceMaxAgeHours: e.INVOICE_MAX_AGE_HOURS,
    },
    login: {
      maxFailures: e.LOGIN_MAX_FAILURES,
      windowMinutes: e.LOGIN_WINDOW_MINUTES,
      wrongKeysPerMinute: e.WRONG_KEYS_PER_MINUTE,
      wrongKeysPerHour: e.WRONG_KEYS_PER_HOUR,
    },
    sessionSecret: e.SESSION_SECRET,
    /** The audit chain's HMAC key; unset outside production (a public development key is used). */
    auditKey: e.AUDIT_KEY,
    /** Express's `trust proxy`: whose X-Forwarded-For gives the client's address (the per-IP login limit). */
    trustedProxies: e.TRUSTED_PROXIES,
    /** Where the panel's custom components are bundled at start. */
    adminBundleDir: e.ADMIN_JS_TMP_DIR,
    /** Seals secrets at rest (support channel settings, the support outbox); unset outside production: one kept in DATA_DIR. */
    secretKey: e.SECRET_KEY,
    support: {
      /** The deployment's management token: creating a channel through the API needs it. */
      apiToken: e.SUPPORT_API_TOKEN,
      ratePerMinute: e.SUPPORT_RATE_PER_MINUTE,
      /** TWIN channels: socket.io connections (one per open session) this process holds at most. */
      twinMaxSockets: e.TWIN_MAX_SOCKETS,
    },
    /** WEBIM_*: the channel named `webim` is created or updated with these at start (all three or none). */
    webim:
      e.WEBIM_API_URL && e.WEBIM_ACCESS_TOKEN && e.WEBIM_CALLBACK_SECRET
        ? {
            apiUrl: e.WEBIM_API_URL,
            accessToken: e.WEBIM_ACCESS_TOKEN,
            callbackSecret: e.WEBIM_CALLBACK_SECRET,
          }
        : undefined,
    /** The app's public base address: file links and the callback URLs channels show. */
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    /** The panel's time zone for staff who haven't chosen one. */
    panelTimeZone: e.PANEL_TIME_ZONE,
    /**
     * Shop sync with the marketplace over RabbitMQ; undefined (off) unless SYNC_AMQP_URL is set. The
     * routing keys are the exchanges' names, as the original's.
     */
    sync: e.SYNC_AMQP_URL
      ? {
          url: e.SYNC_AMQP_URL,
          inbound: {
            exchange: e.SYNC_INBOUND_EXCHANGE,
            routingKey: e.SYNC_INBOUND_EXCHANGE,
            queue: e.SYNC_INBOUND_QUEUE ?? `market_bot.${e.SYNC_INBOUND_EXCHANGE}`,
          },
          outbound: {
            exchange: e.SYNC_OUTBOUND_EXCHANGE,
            routingKey: e.SYNC_OUTBOUND_EXCHANGE,
          },
          prefetch: e.SYNC_PREFETCH,
        }
      : undefined,
    /** ROLE and the update broker (AMQP_*, WORKER_*): see pipelineOf. */
    pipeline,
  };
});

export type Config = z.output<typeof configSchema>;
/** Where the shop sync connects and which names it uses (present only when SYNC_AMQP_URL is set). */
export type SyncConfig = NonNullable<Config['sync']>;
/** The process's role and the update broker. */
export type PipelineConfig = Config['pipeline'];
/** The update broker's settings (present only when AMQP_URL is set). */
export type AmqpConfig = NonNullable<PipelineConfig['amqp']>;
/** `{ mode: 'polling' }` or `{ mode: 'webhook', url, secret }`. */
export type Transport = Config['transport'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; a bad value throws a ConfigError whose message names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(unsetIfEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
