/**
 * One scale-out run (issue 14, part 2), shared by test/process/scale-out.test.ts (which asserts) and
 * the benchmark's scale mode (`npm run bench -- --scale`, which prints): 2 receivers (ROLE=receiver)
 * and 3 workers (ROLE=worker) as real processes on RabbitMQ and PostgreSQL, the emulator posting
 * its webhook to the receivers in turn (as a load balancer would), sellers going through their
 * journeys at a steady rate; a third of the way in the worker holding the most partitions is killed
 * with SIGKILL, halfway one receiver; then everything drains and what every seller saw is checked.
 *
 * A seller's round: /menu (a message), the shop list, their shop, its activation screen, switch it
 * off, switch it on *and at once* /menu again. That last pair is a button press and a message in
 * flight together: the emulator queues them apart, as Telegram does, so only the worker's per-chat
 * queue keeps the chat's updates one at a time. Every step waits for the screen of the one before
 * (a real seller presses what they see), and every answer names its step: the new main menu, the
 * list, the shop, the switch's state, and the toast of that very callback query.
 *
 * Lost: a step that got no answer at all (no screen, no toast) by the end. Duplicates: a callback
 * query answered more than once, or a chat sent more main menus than it asked for (a replayed
 * update: at-least-once). Order violation: two presses of a chat whose first answers came the other
 * way round, or replays of a chat not in their presses' order. Affected chats: those whose partition
 * the killed worker held; the recovery gap is from the kill to the first answer in one of them.
 */
import amqp from 'amqplib';
import { TelegramEmulator, type CallRecord } from '../../src/emulator/emulator.js';
import { textMatches } from '../../src/emulator/params.js';
import type { BotMessageView } from '../../src/emulator/types.js';
import { fnv1a, partitionQueue, deadQueue } from '../../src/pipeline/partition.js';
import { botTexts, type BotUser, type Texts } from '../support/texts.js';
import {
  answersByQuery,
  errorLogSummary,
  pressOrderViolations,
  seedSellers,
  shopFlags,
  withDatabase,
} from './sellers.js';
import { freePort, spawnApp, type AppProcess, type StartOptions, type Store } from './support.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const WEBHOOK_URL = 'https://bot.example.test/telegram/hook';
const WEBHOOK_SECRET = 'scale_run-secret';

export interface ScaleRunOptions {
  /** PostgreSQL (several workers share one database: the embedded one can't serve them). */
  store: Store;
  /** The broker; each run uses queues of its own (a unique AMQP_QUEUE_PREFIX), deleted at the end. */
  amqpUrl: string;
  chats?: number;
  /** Updates per second across all chats, as scheduled (the bot's answers permitting). */
  rate?: number;
  durationMs?: number;
  receivers?: number;
  workers?: number;
  partitions?: number;
  prefetch?: number;
  /** How long a step may wait for its answer before the seller gives up (counted, then checked). */
  stepTimeoutMs?: number;
  /** Receives each app process as it starts (for the caller's cleanup and its failure output). */
  onApp?: (app: AppProcess, label: string) => void;
  /** Progress lines (the benchmark prints them; the test keeps them for a failure). */
  progress?: (line: string) => void;
}

export interface ScaleRunResult {
  chats: number;
  receivers: number;
  workers: number;
  partitions: number;
  prefetch: number;
  durationMs: number;
  /** Updates the sellers sent, and per second of load. */
  updates: number;
  updatesPerSecond: number;
  lost: number;
  duplicates: number;
  /** prefetch × the partitions the killed worker held. */
  duplicateBound: number;
  orderViolations: number;
  /** Shops whose flag is not their seller's last answered switch. */
  wrongFinalState: number;
  /** The partitions the killed worker was the active consumer of. */
  killedWorkerPartitions: number[];
  workerKilledAtMs: number;
  receiverKilledAtMs: number;
  /** From the worker's kill to the first answer to an update sent since in a chat whose partition it held. */
  firstAnswerAfterWorkerKillMs: number;
  /** From the worker's kill until the survivors' /healthz list every partition (undefined: not within 30 s). */
  takeoverMs: number | undefined;
  /** The slowest answer to a step that was waiting in such a chat at the kill, from the kill. */
  slowestAffectedAnswerMs: number;
  /** Webhook posts that failed (the receiver's kill) and were retried by the emulator. */
  webhookRetries: number;
  /** Chats that stopped early: a step unanswered for stepTimeoutMs, or a screen without the button to press. */
  chatsStopped: number;
  /** Step latency as sellers see it (sent → answered), ms. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  details: string[];
}

interface Step {
  chat: number;
  kind: 'message' | 'press';
  /** Steps of one group went out together (a press and a message): their answers may come either way. */
  group: number;
  queryId?: string;
  /** For a switch: the value it sets. */
  value?: boolean;
  sentAt: number;
  /** When its screen (the main menu, the redrawn message) appeared. */
  shownAt?: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** The pipeline's queues of a run (partition queues and the dead-letter one), deleted at its end. */
async function deleteQueues(url: string, prefix: string, partitions: number): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    for (let p = 0; p < partitions; p++) await ch.deleteQueue(partitionQueue(prefix, p));
    await ch.deleteQueue(deadQueue(prefix));
    await ch.close();
  } finally {
    await conn.close();
  }
}

/** Messages ready in the run's partition queues (0 once drained), or undefined while they aren't declared. */
async function readyMessages(url: string, prefix: string, partitions: number): Promise<number | undefined> {
  const conn = await amqp.connect(url);
  let total = 0;
  try {
    for (let p = 0; p < partitions; p++) {
      // A channel per check: checkQueue on a missing queue closes the channel.
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      try {
        total += (await ch.checkQueue(partitionQueue(prefix, p))).messageCount;
        await ch.close();
      } catch {
        return undefined;
      }
    }
    return total;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function scaleRun(opts: ScaleRunOptions): Promise<ScaleRunResult> {
  if (opts.store.embedded) throw new Error('scaleRun: several workers need PostgreSQL (TEST_DATABASE_URL)');
  const chats = opts.chats ?? 500;
  const rate = opts.rate ?? 200;
  const durationMs = opts.durationMs ?? 60_000;
  const receiverCount = opts.receivers ?? 2;
  const workerCount = opts.workers ?? 3;
  const partitions = opts.partitions ?? 16;
  const prefetch = opts.prefetch ?? 32;
  const stepTimeoutMs = opts.stepTimeoutMs ?? 30_000;
  const progress = opts.progress ?? (() => undefined);
  const prefix = `scale-${process.pid}-${Date.now().toString(36)}.`;
  const t = botTexts()('ru');

  const receiverPorts = await Promise.all(Array.from({ length: receiverCount }, () => freePort()));
  const emulator = new TelegramEmulator<Texts>({
    rateLimit: false,
    texts: botTexts(),
    webhookTargets: receiverPorts.map((port) => `http://127.0.0.1:${port}`),
  });
  await emulator.start();
  const apps: AppProcess[] = [];
  try {
    progress(`seeding ${chats} sellers`);
    const { sellers, shopIds } = await seedSellers(opts.store, emulator, chats, {
      shopPrefix: 'Scale',
      firstUserId: 6_700_000_000,
    });

    const pipelineEnv = {
      AMQP_URL: opts.amqpUrl,
      AMQP_QUEUE_PREFIX: prefix,
      AMQP_PARTITIONS: String(partitions),
      AMQP_PREFETCH: String(prefetch),
      WEBHOOK_URL,
      WEBHOOK_SECRET,
      LOG_LEVEL: 'warn',
    };
    const start = (env: Record<string, string>): StartOptions => ({
      emulator,
      store: opts.store,
      env: { ...pipelineEnv, ...env },
    });
    const workers = await Promise.all(
      Array.from({ length: workerCount }, async (_, i) => {
        const app = spawnApp(
          start({
            ROLE: 'worker',
            WORKER_INDEX: String(i),
            WORKER_COUNT: String(workerCount),
            // Each its own panel bundle folder: three processes building into one would collide.
            ADMIN_JS_TMP_DIR: `${opts.store.env.ADMIN_JS_TMP_DIR}-worker-${i}`,
          }),
          await freePort(),
        );
        apps.push(app);
        opts.onApp?.(app, `worker ${i}`);
        return app;
      }),
    );
    const receivers = receiverPorts.map((port, i) => {
      const app = spawnApp(start({ ROLE: 'receiver' }), port);
      apps.push(app);
      opts.onApp?.(app, `receiver ${i}`);
      return app;
    });
    progress(`starting ${workerCount} workers and ${receiverCount} receivers`);
    await Promise.all([...workers, ...receivers].map((app) => app.waitForHealthy(300_000)));
    const held = async (app: AppProcess, timeoutMs?: number): Promise<number[]> => {
      const health = await app.health(timeoutMs);
      return Array.isArray(health?.body.partitions) ? (health.body.partitions as number[]) : [];
    };
    // Every partition has its active consumer, and the webhook is registered.
    for (const deadline = Date.now() + 60_000; ; await delay(250)) {
      const taken = new Set((await Promise.all(workers.map((app) => held(app)))).flat());
      if (taken.size === partitions && emulator.webhook) break;
      if (Date.now() > deadline)
        throw new Error(
          `not ready after 60 s: ${taken.size} of ${partitions} partitions consumed, webhook ${emulator.webhook ? 'set' : 'not set'}`,
        );
    }

    // The load: each chat steps at its own pace, staggered. A round of a journey is 5 paced steps
    // sending 6 updates (the second switch goes with a /menu), so steps are 6/5 × chats / rate
    // seconds apart for `rate` updates a second (they were chats / rate apart: 1.2 × the rate asked).
    const steps: Step[] = [];
    const menusAsked = new Map<number, number>();
    const lastSwitch = new Map<number, Step>();
    const stuck: string[] = [];
    const intervalMs = ((chats / rate) * 1000 * 6) / 5;
    let running = true;
    const loadStarted = emulator.now();
    let group = 0;

    /**
     * Waits for the screen a step expects: after a press, on the message pressed (a redelivered press
     * of that chat's, handled again after the kill, redraws an older message with a screen that may
     * match too, and the seller would go on before the screen they asked for came).
     */
    const waitShown = async (
      u: BotUser,
      step: Step,
      expect: string | RegExp,
      onMessage?: number,
    ): Promise<boolean> => {
      const matcher =
        onMessage === undefined
          ? expect
          : (v: BotMessageView) => v.message_id === onMessage && textMatches(expect, v.text);
      try {
        await u.waitForMessage(matcher, stepTimeoutMs);
        step.shownAt = emulator.now();
        return true;
      } catch {
        stuck.push(
          `chat ${step.chat}: no "${String(expect)}" within ${stepTimeoutMs} ms after a ${step.kind}`,
        );
        return false;
      }
    };
    const chatLoop = async (i: number): Promise<void> => {
      const u = sellers[i]!;
      let nextAt = loadStarted + (i / chats) * intervalMs;
      const pace = async (): Promise<void> => {
        const wait = nextAt - emulator.now();
        if (wait > 0) await delay(wait);
        nextAt = Math.max(nextAt + intervalMs, emulator.now());
      };
      const record = (kind: Step['kind'], extra: Partial<Step> = {}): Step => {
        const step: Step = { chat: i, kind, group: group++, sentAt: emulator.now(), ...extra };
        steps.push(step);
        return step;
      };
      const press = async (
        pick: (t: Texts) => string,
        expect: string | RegExp,
        extra: Partial<Step> = {},
      ): Promise<boolean> => {
        await pace();
        const { queryId, messageId } = u.pressKey(pick);
        return waitShown(u, record('press', { queryId, ...extra }), expect, messageId);
      };
      const askMenu = (): Step => {
        u.send('/menu');
        menusAsked.set(i, (menusAsked.get(i) ?? 0) + 1);
        return record('message');
      };
      let active = true;
      let menu: Step | undefined;
      while (running) {
        if (!menu) {
          await pace();
          menu = askMenu();
          if (!(await waitShown(u, menu, 'Главное меню'))) return;
        }
        menu = undefined;
        if (!running) return;
        if (!(await press((x) => x.btnShopList, 'Доступные магазины'))) return;
        await pace();
        const shop = u.press(new RegExp(`^Scale ${i} `));
        const shopStep = record('press', { queryId: shop.queryId });
        if (!(await waitShown(u, shopStep, `Магазин: Scale ${i}`, shop.messageId))) return;
        if (!(await press((x) => x.btnActivation, active ? 'Активен: 🟢' : 'Активен: 🔴'))) return;
        // Switch it over; then back, with /menu sent at once: a press and a message in flight together.
        for (const withMenu of [false, true]) {
          await pace();
          const q = u.pressKey((x) => (active ? x.btnDeactivate : x.btnActivate));
          const toggle = record('press', { queryId: q.queryId, value: !active });
          lastSwitch.set(i, toggle);
          active = !active;
          if (withMenu && running) {
            menu = askMenu();
            menu.group = toggle.group;
            const [shown, menuShown] = await Promise.all([
              waitShown(u, toggle, active ? 'Активен: 🟢' : 'Активен: 🔴', q.messageId),
              waitShown(u, menu, 'Главное меню'),
            ]);
            if (!shown || !menuShown) return;
          } else if (!(await waitShown(u, toggle, active ? 'Активен: 🟢' : 'Активен: 🔴', q.messageId)))
            return;
        }
      }
    };

    progress(`load: ${rate} updates/s across ${chats} chats for ${durationMs / 1000} s`);
    // A chat whose screen is not what its seller expects (no such button) stops there, counted.
    let chatsStopped = 0;
    const load = Promise.all(
      sellers.map((_, i) =>
        chatLoop(i).catch((err: unknown) => {
          chatsStopped++;
          stuck.push(`chat ${i} stopped: ${err instanceof Error ? err.message : String(err)}`);
        }),
      ),
    );

    // Faults: the worker holding the most partitions at a third, a receiver at half.
    await delay(durationMs / 3);
    const holdings = await Promise.all(workers.map((app) => held(app)));
    const victim = holdings.reduce((best, h, i) => (h.length > holdings[best]!.length ? i : best), 0);
    const killedWorkerPartitions = holdings[victim]!;
    workers[victim]!.signal('SIGKILL');
    const workerKilledAt = emulator.now();
    progress(`SIGKILL worker ${victim} (partitions ${killedWorkerPartitions.join(',')})`);
    // The takeover as the survivors' /healthz shows it: every partition consumed again.
    const survivors = workers.filter((_, i) => i !== victim);
    const takeover = (async (): Promise<number | undefined> => {
      while (emulator.now() - workerKilledAt < 30_000) {
        // Short timeouts: a busy survivor's slow answer must not hide a takeover for seconds.
        const taken = new Set((await Promise.all(survivors.map((app) => held(app, 300)))).flat());
        if (taken.size === partitions) return emulator.now() - workerKilledAt;
        await delay(50);
      }
      return undefined;
    })();
    await delay(durationMs / 2 - durationMs / 3);
    const receiverVictim = Math.floor(Math.random() * receiverCount);
    receivers[receiverVictim]!.signal('SIGKILL');
    const receiverKilledAt = emulator.now();
    progress(`SIGKILL receiver ${receiverVictim}`);
    await delay(durationMs - durationMs / 2);
    running = false;
    const loadEnded = emulator.now();
    progress('draining');
    await load;
    await emulator.settle(500, 120_000);
    for (const deadline = Date.now() + 60_000; ; await delay(500)) {
      const ready = await readyMessages(opts.amqpUrl, prefix, partitions);
      if (ready === 0) break;
      if (Date.now() > deadline) throw new Error(`the queues did not drain: ${ready} messages ready`);
    }
    await emulator.settle(500, 60_000);

    // What sellers saw, from the emulator's record of the bot's calls.
    const answers = answersByQuery(emulator);
    const details = [...stuck.slice(0, 20)];
    // A /menu's answer is the chat's next main menu (from the emulator's record, so one that came
    // after its seller stopped waiting counts too): each /menu takes the first not taken before.
    const menuText = t.mainMenu('', '').split(' (')[0]!;
    const menusSent = new Map<number, number[]>();
    for (const c of emulator.callsOf('sendMessage'))
      if (c.ok && String(c.params.text).startsWith(menuText)) {
        const chat = Number(c.params.chat_id);
        menusSent.set(chat, [...(menusSent.get(chat) ?? []), c.at]);
      }
    const menuAnswer = new Map<Step, number>();
    for (let i = 0; i < chats; i++) {
      const times = menusSent.get(sellers[i]!.chatId) ?? [];
      let k = 0;
      for (const s of steps.filter((x) => x.chat === i && x.kind === 'message')) {
        while (k < times.length && times[k]! < s.sentAt) k++;
        if (k < times.length) menuAnswer.set(s, times[k++]!);
      }
    }
    const answerAt = (s: Step): number | undefined =>
      s.queryId !== undefined ? ((answers.get(s.queryId) ?? [])[0]?.at ?? s.shownAt) : menuAnswer.get(s);
    let lost = 0;
    let duplicates = 0;
    for (const s of steps) {
      if (answerAt(s) === undefined) {
        lost++;
        if (lost <= 10)
          details.push(`lost: chat ${s.chat}, a ${s.kind} sent at ${s.sentAt - loadStarted} ms`);
      }
      if (s.queryId !== undefined) duplicates += Math.max(0, (answers.get(s.queryId)?.length ?? 0) - 1);
    }
    for (const [i, asked] of menusAsked)
      duplicates += Math.max(0, (menusSent.get(sellers[i]!.chatId)?.length ?? 0) - asked);

    // Order: first answers in the order pressed, and replays (second answers) in that order too.
    let orderViolations = 0;
    for (let i = 0; i < chats; i++) {
      const presses = steps.filter((s) => s.chat === i && s.queryId !== undefined) as (Step & {
        queryId: string;
      })[];
      orderViolations += pressOrderViolations(presses, answers, (a, b) =>
        details.push(
          `out of order: chat ${i}, presses sent at ${a.sentAt - loadStarted} and ${b.sentAt - loadStarted} ms`,
        ),
      );
      const replays = new Map<string, CallRecord[]>();
      for (const p of presses) {
        const again = answers.get(p.queryId)?.[1];
        if (again) replays.set(p.queryId, [again]);
      }
      orderViolations += pressOrderViolations(presses, replays, (a) =>
        details.push(`replayed out of order: chat ${i}, press sent at ${a.sentAt - loadStarted} ms`),
      );
    }

    // Recovery: chats whose partition the killed worker held (the receivers' partitioning).
    const affected = new Set(
      Array.from({ length: chats }, (_, i) => i).filter((i) =>
        killedWorkerPartitions.includes(fnv1a(String(sellers[i]!.chatId)) % partitions),
      ),
    );
    const affectedAnswers = steps
      .filter((s) => affected.has(s.chat))
      .map((s) => ({ s, at: answerAt(s) }))
      .filter((x): x is { s: Step; at: number } => x.at !== undefined && x.at > workerKilledAt);
    // Only updates sent after the kill: an answer the dying worker had already sent may reach the
    // emulator a moment after the signal, which would say nothing about the takeover.
    const firstAnswerAfterWorkerKill =
      Math.min(...affectedAnswers.filter((x) => x.s.sentAt > workerKilledAt).map((x) => x.at)) -
      workerKilledAt;
    const slowestAffected =
      Math.max(0, ...affectedAnswers.filter((x) => x.s.sentAt < workerKilledAt).map((x) => x.at)) -
      workerKilledAt;

    // The database: every shop as its seller last switched it (when that switch was answered).
    const finals = await withDatabase(opts.store, (db) => shopFlags(db));
    let wrongFinalState = 0;
    for (const [i, s] of lastSwitch) {
      if (answerAt(s) === undefined) continue;
      if (finals.get(shopIds[i]!) !== s.value) {
        wrongFinalState++;
        details.push(
          `chat ${i}: the shop is ${String(finals.get(shopIds[i]!))}, last switched to ${String(s.value)}`,
        );
      }
    }
    details.push(...errorLogSummary(apps.flatMap((app) => app.logs())));

    const latencies = steps
      .map((s) => (answerAt(s) ?? Infinity) - s.sentAt)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    return {
      chats,
      receivers: receiverCount,
      workers: workerCount,
      partitions,
      prefetch,
      durationMs,
      updates: steps.length,
      updatesPerSecond: Math.round(steps.length / ((loadEnded - loadStarted) / 1000)),
      lost,
      duplicates,
      duplicateBound: prefetch * killedWorkerPartitions.length,
      orderViolations,
      wrongFinalState,
      killedWorkerPartitions,
      workerKilledAtMs: workerKilledAt - loadStarted,
      receiverKilledAtMs: receiverKilledAt - loadStarted,
      firstAnswerAfterWorkerKillMs: firstAnswerAfterWorkerKill,
      slowestAffectedAnswerMs: slowestAffected,
      takeoverMs: await takeover,
      webhookRetries: emulator.webhook?.failures ?? 0,
      chatsStopped: chatsStopped + stuck.filter((line) => line.includes(' within ')).length,
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies.at(-1) ?? 0),
      details,
    };
  } finally {
    await Promise.all(apps.map((app) => app.kill()));
    await emulator.stop();
    await deleteQueues(opts.amqpUrl, prefix, partitions).catch(() => undefined);
  }
}

/** The run in a few lines, for the test's output and the benchmark. */
export function describeScaleRun(r: ScaleRunResult): string {
  return (
    `scale-out run: ${r.receivers} receivers + ${r.workers} workers, ${r.partitions} partitions, prefetch ${r.prefetch}; ` +
    `${r.chats} chats, ${r.updates} updates in ${r.durationMs / 1000} s (~${r.updatesPerSecond}/s)\n` +
    `  worker killed at ${r.workerKilledAtMs} ms holding ${r.killedWorkerPartitions.length} partitions, all held again after ${r.takeoverMs ?? 'more than 30 000'} ms; ` +
    `first answer to a later update in an affected chat ${r.firstAnswerAfterWorkerKillMs} ms after, slowest waiting one ${r.slowestAffectedAnswerMs} ms\n` +
    `  receiver killed at ${r.receiverKilledAtMs} ms; webhook posts retried ${r.webhookRetries}\n` +
    `  lost ${r.lost}, duplicates ${r.duplicates} (bound ${r.duplicateBound}), order violations ${r.orderViolations}, ` +
    `wrong final state ${r.wrongFinalState}, chats stopped early ${r.chatsStopped}\n` +
    `  latency p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms, max ${r.max} ms` +
    r.details.map((d) => `\n  ${d}`).join('')
  );
}
