/**
 * One crash run, shared by test/process/crash-intake.test.ts (which asserts) and the benchmark's
 * crash mode (`npm run bench -- --crash`, which prints): sellers switch their shop on and off
 * without pause through the real process, the process is killed with SIGKILL at a random moment,
 * a new one starts on the same database, and what every user saw is checked against the database.
 *
 * Each seller presses the switch their screen shows (Deactivate, then Activate, …) as soon as the
 * screen has redrawn after the previous press. Lost: a press neither answered nor applied (the
 * seller waits a minute for the screen, then the shop's flag tells). Handled twice: a press
 * answered more than once (the emulator refuses the second answer and records it). Applied twice:
 * a press more than one of whose answers says the shop changed. Out of order: a chat whose answers
 * came in another order than its presses, or a shop whose flag is not its seller's last press.
 */
import { TelegramEmulator } from '../../src/emulator/emulator.js';
import { botTexts, type Texts } from '../support/texts.js';
import {
  answersByQuery,
  errorLogSummary,
  pressOrderViolations,
  seedSellers,
  shopFlags,
  withDatabase,
} from './sellers.js';
import {
  freePort,
  spawnApp,
  waitUntilReady,
  type AppProcess,
  type StartOptions,
  type Store,
} from './support.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface CrashRunOptions {
  store: Store;
  users?: number;
  /** The kill comes at a random moment between these (ms of load before it). */
  killAfterMs?: [number, number];
  /** Load after the new process is ready, before users stop. */
  afterRestartMs?: number;
  /** Receives each app process as it starts (for the caller's cleanup and its failure output). */
  onApp?: (app: AppProcess, label: string) => void;
}

export interface CrashRunResult {
  database: 'PostgreSQL' | 'embedded';
  users: number;
  presses: number;
  /** Presses pressed and not yet redrawn at the kill: the bound for the ones handled twice. */
  inFlightAtKill: number;
  killedAfterMs: number;
  /** From the kill to the new process polling, and to the first screen redrawn after it. */
  restartMs: number;
  firstAnswerAfterKillMs: number;
  lost: number;
  handledTwice: number;
  appliedTwice: number;
  orderViolations: number;
  /** "Something went wrong" replies (the boundary's answer to a handler that failed, e.g. overloaded). */
  errorReplies: number;
  /** Shops whose flag is not their seller's last press. */
  wrongFinalState: number;
  /** Presses whose answer came too late for Telegram (over 15 s): their effect is there, the toast is not. */
  answeredTooLate: number;
  /** What the emulator saw of each lost or out-of-order press, to tell why (empty when all is well). */
  details: string[];
  /** Inbox rows left pending or parked after the final graceful stop. */
  inboxLeft: number;
  /** Inbox rows that still hold a payload after the final stop (handled ones must not). */
  payloadsKept: number;
  updatesPerSecond: number;
}

interface Press {
  user: number;
  queryId: string;
  value: boolean;
  at: number;
  redrawn?: number;
}

export async function crashRun(opts: CrashRunOptions): Promise<CrashRunResult> {
  const users = opts.users ?? 50;
  const [killMin, killMax] = opts.killAfterMs ?? [1500, 4000];

  // The database, migrated and seeded from here: one shop per seller, every seller logged in.
  const emulator = new TelegramEmulator<Texts>({ rateLimit: false, texts: botTexts() });
  await emulator.start();
  const { sellers, shopIds } = await seedSellers(opts.store, emulator, users, {
    shopPrefix: 'Crash',
    firstUserId: 6_600_000_000,
  });

  const start: StartOptions = { emulator, store: opts.store, timeoutMs: 120_000 };
  const first = spawnApp(start, await freePort());
  opts.onApp?.(first, 'first app');
  let second: AppProcess | undefined;
  try {
    await waitUntilReady(first, start);

    // Every seller on their shop's activation screen.
    await Promise.all(
      sellers.map(async (u, i) => {
        u.send('/menu');
        await u.waitForMessage('Главное меню', 30_000);
        u.pressKey((t) => t.btnShopList);
        await u.waitForMessage('Доступные магазины', 30_000);
        u.press(`Crash ${i} 🟢`);
        await u.waitForMessage(`Магазин: Crash ${i}`, 30_000);
        u.pressKey((t) => t.btnActivation);
        await u.waitForMessage('Активен: 🟢', 30_000);
      }),
    );
    await emulator.settle();

    // The load: each seller presses the switch the screen shows, as soon as it has redrawn.
    const presses: Press[] = [];
    const unredrawn: Press[] = [];
    let running = true;
    const loadStarted = emulator.now();
    const load = Promise.all(
      sellers.map(async (u, i) => {
        let value = false;
        while (running) {
          const q = u.pressKey((t) => (value ? t.btnActivate : t.btnDeactivate));
          const press: Press = { user: i, queryId: q.queryId, value, at: emulator.now() };
          presses.push(press);
          try {
            await u.waitForMessage(value ? 'Активен: 🟢' : 'Активен: 🔴', 60_000);
            press.redrawn = emulator.now();
          } catch {
            unredrawn.push(press);
            return;
          }
          value = !value;
        }
      }),
    );

    const killAfter = killMin + Math.floor(Math.random() * (killMax - killMin));
    await delay(killAfter);
    first.signal('SIGKILL');
    const killedAt = emulator.now();
    await first.exited;
    const inFlightAtKill = presses.filter((p) => p.redrawn === undefined).length;

    second = spawnApp(start, await freePort());
    opts.onApp?.(second, 'second app');
    await waitUntilReady(second, start);
    const restartedAt = emulator.now();
    await delay(opts.afterRestartMs ?? 3000);
    running = false;
    await load;
    const loadEnded = emulator.now();
    await emulator.settle(300, 30_000);

    second.signal('SIGTERM');
    const exit = await second.exitWithin(30_000);
    if (!exit || exit.code !== 0)
      throw new Error(`the second app did not stop cleanly: ${JSON.stringify(exit)}`);

    // What users saw, from the emulator's record of the bot's calls.
    const answers = answersByQuery(emulator);
    const t = botTexts()('ru');
    const changedToasts = new Set([t.toastActivated, t.toastDeactivated]);
    let handledTwice = 0;
    let appliedTwice = 0;
    let answeredTooLate = 0;
    for (const p of presses) {
      const calls = answers.get(p.queryId) ?? [];
      if (calls.length > 1) handledTwice++;
      if (calls.filter((c) => changedToasts.has(String(c.params.text))).length > 1) appliedTwice++;
      if (p.redrawn !== undefined && !calls.some((c) => c.ok)) answeredTooLate++;
    }
    const details: string[] = [];
    const explain = (why: string, p: Press) => {
      const rel = (at: number) => `${at - killedAt} ms`;
      const calls = emulator.calls
        .filter(
          (c) =>
            c.at >= p.at &&
            (String(c.params.callback_query_id) === p.queryId ||
              (c.method !== 'answerCallbackQuery' && Number(c.params.chat_id) === sellers[p.user]!.chatId)),
        )
        .slice(0, 6)
        .map(
          (c) =>
            `${c.method} at ${rel(c.at)} ${c.ok ? 'ok' : `failed (${c.description})`}` +
            (c.params.text !== undefined ? ` "${String(c.params.text).slice(0, 40)}"` : ''),
        );
      details.push(
        `${why}: seller ${p.user}, press to ${p.value ? 'activate' : 'deactivate'} at ${rel(p.at)}` +
          `${p.redrawn !== undefined ? `, redrawn at ${rel(p.redrawn)}` : ', never redrawn'}; then ${calls.join('; ') || 'no calls'}`,
      );
    };
    // Per chat, the answers (first of each press) must come in the order of the presses.
    let orderViolations = 0;
    for (let i = 0; i < users; i++) {
      orderViolations += pressOrderViolations(
        presses.filter((p) => p.user === i),
        answers,
        (earlier, later) => {
          explain('out of order (earlier press)', earlier);
          explain('out of order (later press)', later);
        },
      );
    }
    const firstAnswerAfterKill = Math.min(
      ...presses.filter((p) => (p.redrawn ?? 0) > killedAt).map((p) => p.redrawn!),
    );

    const { finals, inboxLeft, payloadsKept } = await withDatabase(opts.store, async (db) => {
      const [left] = (await db.dataSource.query(
        `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open,
                count(*) FILTER (WHERE status = 'done' AND payload IS NOT NULL)::int AS kept
           FROM tg_inbox`,
      )) as { open: number; kept: number }[];
      return {
        finals: await shopFlags(db),
        inboxLeft: left!.open,
        payloadsKept: left!.kept,
      };
    });
    // A press never redrawn is its seller's last (they wait for it): it was handled if it was
    // answered or its value is in the database; lost if neither.
    let lost = 0;
    let wrongFinalState = 0;
    for (let i = 0; i < users; i++) {
      const own = presses.filter((p) => p.user === i);
      const last = own.at(-1);
      const final = finals.get(shopIds[i]!);
      if (last && last.redrawn === undefined) {
        const answered = (answers.get(last.queryId) ?? []).some((c) => c.ok);
        if (final !== last.value && !answered) {
          lost++;
          explain('lost', last);
        } else if (final !== last.value) {
          wrongFinalState++;
          explain('answered, but the shop is not as pressed', last);
        } else explain('handled, but the screen was not redrawn', last);
        continue;
      }
      if (final !== (last ? last.value : true)) {
        wrongFinalState++;
        explain('the shop is not as last pressed', last!);
      }
    }
    const errorReplies = emulator
      .callsOf('sendMessage')
      .filter((c) => c.at >= loadStarted && String(c.params.text) === t.somethingWentWrong).length;
    details.push(...errorLogSummary([first, second!].flatMap((app) => app.logs())));

    return {
      database: opts.store.embedded ? 'embedded' : 'PostgreSQL',
      users,
      presses: presses.length,
      inFlightAtKill,
      killedAfterMs: killAfter,
      restartMs: restartedAt - killedAt,
      firstAnswerAfterKillMs: firstAnswerAfterKill - killedAt,
      lost,
      errorReplies,
      handledTwice,
      appliedTwice,
      orderViolations,
      wrongFinalState,
      answeredTooLate,
      details,
      inboxLeft,
      payloadsKept,
      updatesPerSecond: Math.round(
        presses.length / ((loadEnded - loadStarted - (restartedAt - killedAt)) / 1000),
      ),
    };
  } finally {
    await first.kill();
    await second?.kill();
    await emulator.stop();
  }
}

/** The run as one line, for the test's output and the benchmark. */
export function describeCrashRun(r: CrashRunResult): string {
  return (
    `crash run (${r.database}): ${r.users} sellers, ${r.presses} presses, SIGKILL after ${r.killedAfterMs} ms ` +
    `with ${r.inFlightAtKill} in flight; restart ${r.restartMs} ms, first screen after the kill ${r.firstAnswerAfterKillMs} ms; ` +
    `lost ${r.lost}, handled twice ${r.handledTwice}, applied twice ${r.appliedTwice}, ` +
    `order violations ${r.orderViolations}, wrong final state ${r.wrongFinalState}, answered too late ${r.answeredTooLate}, error replies ${r.errorReplies}; ` +
    `inbox left open ${r.inboxLeft}, payloads kept ${r.payloadsKept}; ~${r.updatesPerSecond} presses/s while up` +
    r.details.map((d) => `\n  ${d}`).join('')
  );
}
