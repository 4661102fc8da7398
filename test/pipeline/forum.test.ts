/**
 * A support forum's own updates with several workers (real processes on the real RabbitMQ and
 * PostgreSQL, the emulator playing Telegram, the seller and the operator): an operator's answer in
 * a forum topic reaches the seller even when the forum chat's partition is held by a worker that
 * does not lead (only the leader runs the support channels that can handle it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { partitionOf } from '../../src/pipeline/partition.js';
import { usingPostgres } from '../support/db.js';
import { AppProcess, createStore, freePort, runCli, withOutput, type Store } from '../process/support.js';
import { BROKER, QueueInspector, uniquePrefix, waitFor } from './support.js';

interface Health {
  partitions?: number[];
  leader?: boolean;
}

const P = 2;
const FORUM = -1001900000077;
/** The partition the forum chat's updates would have by its chat id. */
const FORUM_PARTITION = partitionOf(
  { update_id: 1, message: { message_id: 1, date: 0, chat: { id: FORUM, type: 'supergroup' } } } as never,
  P,
);

(usingPostgres ? describe : describe.skip)('a support forum with several workers', () => {
  const prefix = uniquePrefix('forum');
  const queues = new QueueInspector(prefix, P);
  let emulator: TelegramEmulator;
  let store: Store;
  const apps: AppProcess[] = [];

  /** A worker in polling mode (the leader polls and publishes) with a fixed index of two. */
  const worker = async (index: number) => {
    const port = await freePort();
    const app = new AppProcess(port, {
      BOT_TOKEN: emulator.token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
      PORT: String(port),
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      BOT_AUTO_CUSTOMISE: 'false',
      ...store.env,
      ROLE: 'worker',
      AMQP_URL: BROKER.url,
      AMQP_PARTITIONS: String(P),
      AMQP_QUEUE_PREFIX: prefix,
      WORKER_INDEX: String(index),
      WORKER_COUNT: '2',
    });
    apps.push(app);
    await app.waitForHealthy(120_000);
    return app;
  };
  const health = async (app: AppProcess): Promise<Health> => {
    const res = await fetch(`${app.base}/healthz`, { signal: AbortSignal.timeout(3000) });
    return (await res.json()) as Health;
  };

  beforeAll(async () => {
    emulator = new TelegramEmulator();
    await emulator.start();
    store = await createStore();
    store.env.SUPPORT_API_TOKEN = 't'.repeat(32);
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.kill();
    await queues.close();
    await emulator?.stop();
    await store?.close();
  }, 60_000);

  it(
    "an operator's answer in a topic reaches the seller while a worker that does not lead holds the forum's partition",
    () =>
      withOutput(
        () => apps.map((app, i) => [`worker ${i}`, app] as [string, AppProcess]),
        async () => {
          const forum = emulator.forum({ id: FORUM, title: 'Support' });
          const olga = forum.operator({ id: 501, first_name: 'Olga' });
          // The worker whose home is the other partition starts first and leads ...
          const leader = await worker(1 - FORUM_PARTITION);
          await waitFor(
            () => health(leader),
            (h) => h.leader === true,
            30_000,
          );
          // ... and the one whose home is the forum's partition holds it without leading.
          const other = await worker(FORUM_PARTITION);
          const [hl, ho] = await waitFor(
            async () => [await health(leader), await health(other)],
            ([a, b]) => a!.partitions!.length === 1 && b!.partitions!.length === 1,
            30_000,
          );
          expect(hl).toMatchObject({ leader: true, partitions: [1 - FORUM_PARTITION] });
          expect(ho).toMatchObject({ leader: false, partitions: [FORUM_PARTITION] });

          const shop = await runCli(
            ['createshop', '--name', 'Teashop', '--vendor', 'V', '--client-id', '1'],
            store.env,
          );
          expect(shop.code).toBe(0);
          const apiKey = /(mk_\S+)/.exec(shop.stdout)![1]!;
          const add = await runCli(
            [
              'supportchannel',
              'add',
              'forum',
              '--kind',
              'topics',
              '--set',
              `forumChatId=${FORUM}`,
              '--set',
              'language=en',
              '--default',
            ],
            store.env,
          );
          expect(add.code).toBe(0);
          const token = /token \(shown once\): (\S+)/.exec(add.stdout)![1]!;
          // The leader starts the channel (its check passes) and marks it online.
          await waitFor(
            async () => {
              const res = await fetch(`${leader.base}/api/support/channels/forum`, {
                headers: { Authorization: `Bearer ${token}` },
              });
              return ((await res.json()) as { status: string }).status;
            },
            (status) => status === 'online',
            30_000,
          );
          // The follower reads the registry every 3 s: then the seller can write to support anywhere.
          await new Promise((r) => setTimeout(r, 3500));

          const ann = emulator.user({ id: 7_100_000_077, first_name: 'Ann', language_code: 'en' });
          ann.send('/start');
          await ann.waitForMessage('Choose a role', 30_000);
          ann.press('Seller');
          await ann.waitForMessage('API key', 30_000);
          ann.send(apiKey);
          await ann.waitForMessage('logged in', 30_000);
          ann.send('/support');
          await ann.waitForMessage('You are writing to support', 30_000);
          ann.send('my parcel is late');
          const topic = await forum.waitForTopic(30_000);
          await forum.waitForMessage((m) => m.message_thread_id === topic.id && !m.service, 30_000);

          olga.send('Which order, please?', topic.id);
          const answer = await ann.waitForMessage('Which order', 30_000);
          expect(answer.text).toMatch(/Which order, please\?/);
          // The forum's update never went to its partition, where the worker that does not lead would take it.
          expect(other.output()).not.toMatch(/a forum update reached a process that does not run/);
        },
      ),
    300_000,
  );
});
