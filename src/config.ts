import 'dotenv/config';
import { z } from 'zod';

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

/** `VAR=` in a .env file means "not set": empty values fall back to the default. */
const unsetIfEmpty = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[A-Za-z0-9_-]+$/.test(v), {
    message: 'expected a token like 123456:ABC-DEF from @BotFather',
  }),
  TELEGRAM_API_ROOT: z.string().trim().url().default('https://api.telegram.org'),
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
  REPORT_CHAT_ID: optionalString.refine((v) => v === undefined || /^-?\d+$/.test(v), {
    message: 'expected a numeric Telegram chat id',
  }),
  PAYMENT_PROVIDER_TOKEN: optionalString,
  SUBSCRIPTION_PRICE: int(10000, 1, 1_000_000_000),
  SUBSCRIPTION_CURRENCY: z
    .string()
    .trim()
    .regex(/^[A-Z]{3}$/, 'expected a three-letter currency code such as RUB')
    .default('RUB'),
  SUBSCRIPTION_PERIOD_DAYS: int(30, 1, 3660),
  NEW_USERS_ACTIVE: bool(true),
  LOGIN_MAX_FAILURES: int(5, 1, 1000),
  LOGIN_WINDOW_MINUTES: int(15, 1, 24 * 60),
  SESSION_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'expected at least 32 characters',
  }),
  WEBHOOK_URL: optionalString.refine((v) => v === undefined || /^https:\/\//.test(v), {
    message: 'expected an https:// URL',
  }),
  WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'expected 1 to 256 characters of A-Z, a-z, 0-9, _ and -',
  }),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  botToken: string | undefined;
  telegramApiRoot: string;
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bot: {
    autoCustomise: boolean;
    listLimit: number;
    defaultLanguage: 'ru' | 'en';
    helpAdminUsername: string | undefined;
    reportChatId: number | undefined;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
  };
  subscription: {
    providerToken: string | undefined;
    price: number;
    currency: string;
    periodDays: number;
    newUsersActive: boolean;
  };
  login: { maxFailures: number; windowMinutes: number };
  sessionSecret: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; a bad value throws a ConfigError whose message names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(unsetIfEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) {
    throw new ConfigError('Invalid configuration:\n  WEBHOOK_SECRET: required when WEBHOOK_URL is set');
  }
  if (e.NODE_ENV === 'production' && !e.SESSION_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  SESSION_SECRET: required in production (32+ random characters)',
    );
  }
  return {
    env: e.NODE_ENV,
    botToken: e.BOT_TOKEN,
    telegramApiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    bot: {
      autoCustomise: e.BOT_AUTO_CUSTOMISE,
      listLimit: e.BOT_LIST_LIMIT,
      defaultLanguage: e.DEFAULT_LANGUAGE,
      helpAdminUsername: e.HELP_ADMIN_USERNAME,
      reportChatId: e.REPORT_CHAT_ID === undefined ? undefined : Number(e.REPORT_CHAT_ID),
      webhookUrl: e.WEBHOOK_URL,
      webhookSecret: e.WEBHOOK_SECRET,
    },
    subscription: {
      providerToken: e.PAYMENT_PROVIDER_TOKEN,
      price: e.SUBSCRIPTION_PRICE,
      currency: e.SUBSCRIPTION_CURRENCY,
      periodDays: e.SUBSCRIPTION_PERIOD_DAYS,
      newUsersActive: e.NEW_USERS_ACTIVE,
    },
    login: { maxFailures: e.LOGIN_MAX_FAILURES, windowMinutes: e.LOGIN_WINDOW_MINUTES },
    sessionSecret: e.SESSION_SECRET,
  };
}
