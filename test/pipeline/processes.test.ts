/**
 * Receivers and workers as real processes (src/main.ts as children) on the real RabbitMQ and
 * PostgreSQL: /healthz says which role each plays, the partitions each consumes and which one leads;
 * the leadership and the partitions move when a worker is killed with SIGKILL.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { usingPostgres } from '../support/db.js';
import { AppProcess, createStore, freePort, type Store } from '../process/support.js';
import { QueueInspector, SECRET, textUpdate, uniquePrefix, waitFor, BROKER } from './support.js';

interface Health {
  status: string;
  role?: string;
  broker?: string;
  partitions?: number[];
  leader?: boolean;
  deadUpdates?: number;
}

const P = 4;

(usingPostgres ? describe : describe.skip)('receivers and workers as processes', () => {
  const prefix = uniquePrefix('proc');
  const queues = new QueueInspector(prefix, P);
  let emulator: TelegramEmulator;
  let store: Store;
  const apps: AppProcess[] = [];

  const start = async (role: 'receiver' | 'worker' | 'all', extra: Record<string, string> = {}) => {
    const port = await freePort();
    const app = new AppProcess(port, {
      BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      PORT: String(port),
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      BOT_AUTO_CUSTOMISE: 'false',
      ...store.env,
      ROLE: role,
      AMQP_URL: BROKER.url,
      AMQP_PARTITIONS: String(P),
      AMQP_QUEUE_PREFIX: prefix,
      WEBHOOK_URL: 'https://bot.example.test/telegram/hook',
      WEBHOOK_SECRET: SECRET,
      ...extra,
    });
    apps.push(app);
    return app;
  };
  const health = async (app: AppProcess): Promise<{ code: number; body: Health }> => {
    const res = await fetch(`${app.base}/healthz`, { signal: AbortSignal.timeout(3000) });
    return { code: res.status, body: (await res.json()) as Health };
  };

  /** Posts /start of `chat` to the receiver, as Telegram would, and waits for the bot's answer to that chat. */
  const startFrom = async (receiver: AppProcess, chat: number) => {
    emulator.user({ id: chat, first_name: `Seller ${chat}` });
    const res = await fetch(`${receiver.base}/telegram/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(textUpdate(chat, '/start')),
    });
    expect(res.status).toBe(200);
    await waitFor(
      () => emulator.calls.some((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chat),
      (answered) => answered,
      15_000,
    );
  };

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.kill();
    await queues.close();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  it('reports role, broker, partitions and leader; a SIGKILLed worker hands both over within seconds', async () => {
    const receiver = await start('receiver');
    const one = await start('worker');
    const two = await start('worker');
    for (const app of [receiver, one, two]) await app.waitForHealthy(120_000);

    expect(await health(receiver)).toEqual({
      code: 200,
      body: { status: 'ok', role: 'receiver', broker: 'connected', partitions: [], leader: false },
    });
    // The two workers split the partitions between them (each its home half) and one of them leads.
    const [h1, h2] = await waitFor(
      async () => [(await health(one)).body, (await health(two)).body],
      ([a, b]) =>
        a!.partitions!.length === P / 2 && b!.partitions!.length === P / 2 && a!.leader !== b!.leader,
      30_000,
    );
    for (const h of [h1!, h2!])
      expect(h).toMatchObject({ status: 'ok', role: 'worker', broker: 'connected' });
    expect([...h1!.partitions!, ...h2!.partitions!].sort()).toEqual([0, 1, 2, 3]);
    // The leader counts the dead queue's updates (none); the standby doesn't.
    const [leaderApp, standbyApp] = h1!.leader ? [one, two] : [two, one];
    await waitFor(
      async () => (await health(leaderApp)).body.deadUpdates,
      (n) => n === 0,
      10_000,
    );
    expect((await health(standbyApp)).body).not.toHaveProperty('deadUpdates');

    // An update through the receiver reaches the bot in a worker and is answered.
    await startFrom(receiver, 700_001);

    const [leader, standby] = h1!.leader ? [one, two] : [two, one];
    const killedAt = Date.now();
    leader.signal('SIGKILL');
    const after = await waitFor(
      async () => (await health(standby)).body,
      (h) => h.leader === true && h.partitions!.length === P && h.deadUpdates !== undefined,
      15_000,
    );
    expect(after).toMatchObject({
      role: 'worker',
      broker: 'connected',
      partitions: [0, 1, 2, 3],
      leader: true,
      deadUpdates: 0,
    });
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(standby.output()).toMatch(/leader: this process runs the notifier/);
    // Every chat is served by the survivor now.
    for (const chat of [700_002, 700_003, 700_004, 700_005]) await startFrom(receiver, chat);
  }, 240_000);

  it('ROLE=all with AMQP_URL and long polling: the leader polls, publishes each batch, and consumes it', async () => {
    for (const app of apps.splice(0)) await app.kill();
    const all = await start('all', { WEBHOOK_URL: '', WEBHOOK_SECRET: '' });
    await all.waitForHealthy(120_000);
    await all.waitForLog('receiving updates by long polling, through the broker', 30_000);
    const h = await waitFor(
      async () => (await health(all)).body,
      (b) => b.partitions!.length === P && b.deadUpdates !== undefined,
      15_000,
    );
    expect(h).toEqual({
      status: 'ok',
      role: 'all',
      broker: 'connected',
      partitions: [0, 1, 2, 3],
      leader: true,
      deadUpdates: 0,
    });
    const seller = emulator.user({ id: 700_100, first_name: 'Polling seller' });
    seller.send('/start');
    await waitFor(
      () => emulator.calls.some((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === 700_100),
      (answered) => answered,
      15_000,
    );
  }, 240_000);
});
