import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, type Config } from '../src/config.js';

/** The sentence a bad environment stops the app with. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

const WEBHOOK = { WEBHOOK_URL: 'https://bot.example.com/telegram/hook', WEBHOOK_SECRET: 's3cret_value-1' };

describe('loadConfig', () => {
  it('gives every variable its documented default', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      env: 'development',
      botToken: undefined,
      telegramApiRoot: 'https://api.telegram.org',
      databaseUrl: undefined,
      dataDir: './data',
      port: 3000,
      logLevel: 'info',
      transport: { mode: 'polling' },
      bot: {
        autoCustomise: true,
        listLimit: 5,
        defaultLanguage: 'ru',
        helpAdminUsername: undefined,
        reportChatId: undefined,
      },
      subscription: {
        providerToken: undefined,
        price: 10000,
        currency: 'RUB',
        periodDays: 30,
        newUsersActive: true,
        invoiceMaxAgeHours: 24,
      },
      login: { maxFailures: 5, windowMinutes: 15, wrongKeysPerMinute: 20, wrongKeysPerHour: 200 },
      sessionSecret: undefined,
      auditKey: undefined,
      trustedProxies: false,
      adminBundleDir: 'adminjs-bundle',
      panelTimeZone: 'Europe/Moscow',
      sync: undefined,
      secretKey: undefined,
      support: { apiToken: undefined, ratePerMinute: 20, twinMaxSockets: 2000 },
      webim: undefined,
      publicUrl: 'http://localhost:3000',
      pipeline: { role: 'all', amqp: undefined },
    } satisfies Config);
  });

  it('reads values as people write them in .env files; an empty value counts as unset', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      BOT_TOKEN: ' 123456:ABC-def_9 ',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081//',
      DATABASE_URL: 'postgresql://u:p@127.0.0.1/market',
      PORT: '',
      BOT_AUTO_CUSTOMISE: 'Off',
      BOT_LIST_LIMIT: '20',
      NEW_USERS_ACTIVE: 'no',
      HELP_ADMIN_USERNAME: '@market_support',
      REPORT_CHAT_ID: '-1001234567890',
      WRONG_KEYS_PER_MINUTE: '5',
      WRONG_KEYS_PER_HOUR: '50',
      ADMIN_JS_TMP_DIR: '/app/adminjs-bundle',
      WEBHOOK_SECRET: '  ',
    });
    expect(config).toMatchObject({
      env: 'test',
      botToken: '123456:ABC-def_9',
      telegramApiRoot: 'http://127.0.0.1:8081',
      databaseUrl: 'postgresql://u:p@127.0.0.1/market',
      port: 3000,
      bot: {
        autoCustomise: false,
        listLimit: 20,
        helpAdminUsername: 'market_support',
        reportChatId: -1001234567890,
      },
      subscription: { newUsersActive: false },
      login: { wrongKeysPerMinute: 5, wrongKeysPerHour: 50 },
      adminBundleDir: '/app/adminjs-bundle',
      transport: { mode: 'polling' },
    });
  });

  it('stops on a bad value with a sentence that names the variable', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'eighty' }, 'PORT: expected a whole number from 0 to 65535, got "eighty"'],
      [{ BOT_LIST_LIMIT: '21' }, 'BOT_LIST_LIMIT: expected a whole number from 1 to 20, got "21"'],
      [{ BOT_AUTO_CUSTOMISE: 'maybe' }, 'BOT_AUTO_CUSTOMISE: expected true or false, got "maybe"'],
      [{ BOT_TOKEN: 'not-a-token' }, 'BOT_TOKEN: expected a token like 123456:ABC-DEF from @BotFather'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: expected a postgres:// or postgresql:// URL'],
      [{ REPORT_CHAT_ID: '@chat' }, 'REPORT_CHAT_ID: expected a numeric Telegram chat id'],
      [
        { WRONG_KEYS_PER_MINUTE: '0' },
        'WRONG_KEYS_PER_MINUTE: expected a whole number from 1 to 100000, got "0"',
      ],
      [
        { SUBSCRIPTION_CURRENCY: 'rub' },
        'SUBSCRIPTION_CURRENCY: expected a three-letter currency code such as RUB',
      ],
      [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET: expected at least 32 characters'],
      [{ WEBHOOK_URL: 'http://bot.example.com/hook' }, 'WEBHOOK_URL: expected an https:// URL'],
      [
        { WEBHOOK_SECRET: 'has space' },
        'WEBHOOK_SECRET: expected 1 to 256 characters of A-Z, a-z, 0-9, _ and -',
      ],
      [
        { NODE_ENV: 'production', AUDIT_KEY: 'a'.repeat(32), SECRET_KEY: 'k'.repeat(32) },
        'SESSION_SECRET: required in production (32+ random characters)',
      ],
      [{ AUDIT_KEY: 'short' }, 'AUDIT_KEY: expected at least 32 characters'],
      [
        { NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), SECRET_KEY: 'k'.repeat(32) },
        'AUDIT_KEY: required in production (32+ random characters, kept for the life of the audit log)',
      ],
      [
        { NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), AUDIT_KEY: 'a'.repeat(32) },
        "SECRET_KEY: required in production (32+ random characters; it seals the support channels' secrets, keep it)",
      ],
      [{ SECRET_KEY: 'short' }, 'SECRET_KEY: expected at least 32 characters'],
      [{ SUPPORT_API_TOKEN: 'short' }, 'SUPPORT_API_TOKEN: expected at least 24 characters'],
      [
        { SUPPORT_RATE_PER_MINUTE: '0' },
        'SUPPORT_RATE_PER_MINUTE: expected a whole number from 1 to 1000, got "0"',
      ],
      [{ PUBLIC_URL: 'bot.example.com' }, 'PUBLIC_URL: expected an http:// or https:// URL'],
      [
        { WEBIM_API_URL: 'https://acme.webim.ru/api/custom', WEBIM_ACCESS_TOKEN: 't0ken' },
        'WEBIM_CALLBACK_SECRET: required with WEBIM_API_URL and WEBIM_ACCESS_TOKEN',
      ],
      [{ WEBIM_API_URL: 'acme.webim.ru' }, 'WEBIM_API_URL: expected an http:// or https:// URL'],
      [{ WEBIM_CALLBACK_SECRET: 'short' }, 'WEBIM_CALLBACK_SECRET: expected at least 16 characters'],
      [
        { PANEL_TIME_ZONE: 'Mars/Olympus' },
        'PANEL_TIME_ZONE: expected a time zone name such as Europe/Moscow or UTC',
      ],
      [
        { SYNC_AMQP_URL: 'http://rabbitmq:5672' },
        'SYNC_AMQP_URL: expected an amqp:// or amqps:// URL such as amqp://user:password@rabbitmq:5672',
      ],
      [
        { SYNC_INBOUND_EXCHANGE: 'ozon shop' },
        'SYNC_INBOUND_EXCHANGE: expected 1 to 255 characters of A-Z, a-z, 0-9, _ . : and -',
      ],
      [{ SYNC_PREFETCH: '0' }, 'SYNC_PREFETCH: expected a whole number from 1 to 1000, got "0"'],
    ];
    for (const [env, sentence] of cases) {
      expect(refusal(env)).toBe(`Invalid configuration:\n  ${sentence}`);
    }
    expect(refusal({ PORT: '-1', LOG_LEVEL: 'loud' }).split('\n')).toEqual([
      'Invalid configuration:',
      '  PORT: expected a whole number from 0 to 65535, got "-1"',
      expect.stringMatching(/^ {2}LOG_LEVEL: /),
    ]);
  });
});

describe('the transport: polling or webhook', () => {
  it('is long polling without WEBHOOK_URL, whatever WEBHOOK_SECRET says', () => {
    expect(loadConfig({}).transport).toEqual({ mode: 'polling' });
    expect(loadConfig({ WEBHOOK_SECRET: WEBHOOK.WEBHOOK_SECRET }).transport).toEqual({ mode: 'polling' });
    expect(loadConfig({ WEBHOOK_URL: '', WEBHOOK_SECRET: '' }).transport).toEqual({ mode: 'polling' });
  });

  it('is a webhook with WEBHOOK_URL and WEBHOOK_SECRET, carrying both', () => {
    expect(loadConfig(WEBHOOK).transport).toEqual({
      mode: 'webhook',
      url: 'https://bot.example.com/telegram/hook',
      secret: 's3cret_value-1',
    });
  });

  it('refuses WEBHOOK_URL without WEBHOOK_SECRET', () => {
    expect(refusal({ WEBHOOK_URL: WEBHOOK.WEBHOOK_URL })).toBe(
      'Invalid configuration:\n  WEBHOOK_SECRET: required when WEBHOOK_URL is set',
    );
    expect(refusal({ WEBHOOK_URL: WEBHOOK.WEBHOOK_URL, WEBHOOK_SECRET: ' ' })).toBe(
      'Invalid configuration:\n  WEBHOOK_SECRET: required when WEBHOOK_URL is set',
    );
  });

  it('names every rule between variables that fails, not only the first', () => {
    expect(refusal({ NODE_ENV: 'production', WEBHOOK_URL: WEBHOOK.WEBHOOK_URL })).toBe(
      'Invalid configuration:\n' +
        '  WEBHOOK_SECRET: required when WEBHOOK_URL is set\n' +
        '  SESSION_SECRET: required in production (32+ random characters)\n' +
        '  AUDIT_KEY: required in production (32+ random characters, kept for the life of the audit log)\n' +
        "  SECRET_KEY: required in production (32+ random characters; it seals the support channels' secrets, keep it)",
    );
  });

  it('has the URL and the secret only once narrowed to the webhook (checked by tsc)', () => {
    const { transport } = loadConfig(WEBHOOK);
    // @ts-expect-error: a polling transport has no URL, so the union has none before narrowing.
    expect(transport.url).toBeDefined();
    if (transport.mode !== 'webhook') throw new Error('expected a webhook');
    const url: string = transport.url;
    const secret: string = transport.secret;
    expect([url, secret]).toEqual([WEBHOOK.WEBHOOK_URL, WEBHOOK.WEBHOOK_SECRET]);
  });
});

describe('TRUSTED_PROXIES: whose X-Forwarded-For is believed', () => {
  it('trusts nobody by default, in production too', () => {
    expect(loadConfig({}).trustedProxies).toBe(false);
    expect(
      loadConfig({
        NODE_ENV: 'production',
        SESSION_SECRET: 'x'.repeat(32),
        AUDIT_KEY: 'a'.repeat(32),
        SECRET_KEY: 'k'.repeat(32),
      }).trustedProxies,
    ).toBe(false);
  });

  it('takes a hop count or a list of addresses, CIDRs and named ranges, as express does', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '1' }).trustedProxies).toBe(1);
    expect(
      loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, 127.0.0.1,::1,loopback, fd00::/8 ' }).trustedProxies,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'loopback', 'fd00::/8']);
    expect(loadConfig({ TRUSTED_PROXIES: 'none' }).trustedProxies).toBe(false);
  });

  it('refuses what express would misread, naming the variable', () => {
    for (const bad of ['true', '-1', '10.0.0.300', '10.0.0.0/33', 'proxy.example.com', '1,2', '*']) {
      expect(refusal({ TRUSTED_PROXIES: bad })).toMatch(/^Invalid configuration:\n {2}TRUSTED_PROXIES: /);
    }
  });
});

describe('SYNC_*: the shop sync over RabbitMQ', () => {
  it('is off unless SYNC_AMQP_URL is set, with the original names by default', () => {
    expect(loadConfig({ SYNC_INBOUND_EXCHANGE: 'other' }).sync).toBeUndefined();
    expect(loadConfig({ SYNC_AMQP_URL: 'amqp://guest:guest@rabbitmq:5672' }).sync).toEqual({
      url: 'amqp://guest:guest@rabbitmq:5672',
      inbound: { exchange: 'ozon_shop', routingKey: 'ozon_shop', queue: 'market_bot.ozon_shop' },
      outbound: { exchange: 'bot_shop', routingKey: 'bot_shop' },
      prefetch: 10,
    });
  });

  it('takes other names; the routing keys and the queue follow the exchanges', () => {
    const sync = loadConfig({
      SYNC_AMQP_URL: 'amqps://u:p@mq.example.com/vhost',
      SYNC_INBOUND_EXCHANGE: 'market.shops',
      SYNC_OUTBOUND_EXCHANGE: 'bot.shops',
      SYNC_INBOUND_QUEUE: 'bot.market-shops',
      SYNC_PREFETCH: '50',
    }).sync;
    expect(sync).toEqual({
      url: 'amqps://u:p@mq.example.com/vhost',
      inbound: { exchange: 'market.shops', routingKey: 'market.shops', queue: 'bot.market-shops' },
      outbound: { exchange: 'bot.shops', routingKey: 'bot.shops' },
      prefetch: 50,
    });
  });
});

describe('WEBIM_*: a one-channel Webim deployment', () => {
  it('reads the three together', () => {
    const config = loadConfig({
      WEBIM_API_URL: 'https://acme.webim.ru/api/custom',
      WEBIM_ACCESS_TOKEN: ' t0ken ',
      WEBIM_CALLBACK_SECRET: 'c'.repeat(16),
    });
    expect(config.webim).toEqual({
      apiUrl: 'https://acme.webim.ru/api/custom',
      accessToken: 't0ken',
      callbackSecret: 'c'.repeat(16),
    });
  });
});

describe('ROLE, AMQP_* and WORKER_*: more than one process', () => {
  const AMQP = { AMQP_URL: 'amqp://guest:guest@rabbitmq:5672' };

  it('is one process with the durable inbox unless AMQP_URL is set', () => {
    expect(loadConfig({ AMQP_PARTITIONS: '8' }).pipeline).toEqual({ role: 'all', amqp: undefined });
    expect(loadConfig(AMQP).pipeline).toEqual({
      role: 'all',
      amqp: {
        url: AMQP.AMQP_URL,
        partitions: 16,
        queuePrefix: 'market-bot.',
        prefetch: 32,
        worker: undefined,
      },
    });
  });

  it('reads the roles, the partitions and the worker index (also from a pod name)', () => {
    const worker = loadConfig({
      ...AMQP,
      ROLE: 'worker',
      AMQP_PARTITIONS: '32',
      AMQP_QUEUE_PREFIX: 'shop-bot.',
      AMQP_PREFETCH: '10',
      WORKER_INDEX: 'market-bot-worker-2',
      WORKER_COUNT: '3',
    }).pipeline;
    expect(worker).toEqual({
      role: 'worker',
      amqp: {
        url: AMQP.AMQP_URL,
        partitions: 32,
        queuePrefix: 'shop-bot.',
        prefetch: 10,
        worker: { index: 2, count: 3 },
      },
    });
    expect(loadConfig({ ...AMQP, ...WEBHOOK, ROLE: 'receiver' }).pipeline.role).toBe('receiver');
  });

  it('refuses what cannot work, naming the variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ ROLE: 'both' }, 'ROLE: expected all, receiver or worker'],
      [
        { ROLE: 'worker' },
        'AMQP_URL: required with ROLE=worker (the RabbitMQ between receivers and workers)',
      ],
      [
        { ROLE: 'receiver', ...WEBHOOK },
        'AMQP_URL: required with ROLE=receiver (the RabbitMQ between receivers and workers)',
      ],
      [
        { ROLE: 'receiver', ...AMQP },
        'WEBHOOK_URL: required with ROLE=receiver (a receiver serves the webhook)',
      ],
      [
        { AMQP_URL: 'http://rabbitmq:5672' },
        'AMQP_URL: expected an amqp:// or amqps:// URL such as amqp://user:password@rabbitmq:5672',
      ],
      [{ AMQP_PARTITIONS: '0' }, 'AMQP_PARTITIONS: expected a whole number from 1 to 256, got "0"'],
      [{ AMQP_PARTITIONS: '300' }, 'AMQP_PARTITIONS: expected a whole number from 1 to 256, got "300"'],
      [
        { AMQP_QUEUE_PREFIX: 'my bot' },
        'AMQP_QUEUE_PREFIX: expected up to 200 characters of A-Z, a-z, 0-9, _ . : and -',
      ],
      [{ AMQP_PREFETCH: '0' }, 'AMQP_PREFETCH: expected a whole number from 1 to 1000, got "0"'],
      [{ ...AMQP, WORKER_INDEX: '1' }, 'WORKER_COUNT: set WORKER_INDEX and WORKER_COUNT together'],
      [{ ...AMQP, WORKER_COUNT: '2' }, 'WORKER_INDEX: set WORKER_INDEX and WORKER_COUNT together'],
      [
        { ...AMQP, WORKER_INDEX: '2', WORKER_COUNT: '2' },
        'WORKER_INDEX: expected less than WORKER_COUNT (2), got 2',
      ],
      [
        { ...AMQP, WORKER_INDEX: 'worker', WORKER_COUNT: '2' },
        'WORKER_INDEX: expected a whole number from 0 to 256, got "worker"',
      ],
      [
        { ...AMQP, WORKER_INDEX: '0', WORKER_COUNT: '0' },
        'WORKER_COUNT: expected a whole number from 1 to 256, got "0"',
      ],
    ];
    for (const [env, sentence] of cases) expect(refusal(env)).toBe(`Invalid configuration:\n  ${sentence}`);
  });
});
