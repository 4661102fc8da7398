/**
 * What one update costs the database: the statements (round trips) the app sends for each kind of
 * update, counted on the DataSource's pool while the real bot answers a user through the emulator.
 * The figures are the README's "round trips per update"; a change that adds a statement to a hot
 * path fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BotMessageView } from '../../src/emulator/emulator.js';
import {
  dataOf,
  newUser,
  seedSeller,
  seedShop,
  sql,
  startHarness,
  type Harness,
} from '../support/bot-harness.js';
import { usingPostgres } from '../support/db.js';
import { countStatements, tally, type Statement, type StatementCounter } from '../support/round-trips.js';
import type { BotUser } from '../support/texts.js';

const LATENCY_MS = 200;

/** The inbox's done mark: the last statement of an update. */
const doneMark = (s: Statement) => /UPDATE tg_inbox SET status = 'done'/.test(s.text);

/** Timers of the app that run whatever users do (re-runs staff asked for): nobody's update. */
const background = (s: Statement) => /status = 'rerun'/.test(s.text);

/**
 * Statements per update kind: `app` (access, with the session since it is read along, and the
 * handler's reads and writes), `session` (statements on the session alone: its writes, and its read
 * before it came with the access), `inbox` (storing the update, marking it done; batched under load).
 */
const EXPECTED: Record<string, { app: number; session: number; inbox: number }> = {
  // Before: the session read, then the access read.
  'start (unregistered)': { app: 1, session: 0, inbox: 2 }, // was app 1, session 1
  'press Seller': { app: 1, session: 1, inbox: 2 }, // was 1, 2
  // Before: 8 for the limiter's reservation, a transaction of 5 for the user, link and release,
  // and the access read three times (the gate's, the session's, after the login). The reservation
  // is one statement now (it was BEGIN, the locks, the counts, COMMIT: the budget's lock, which
  // every seller login takes, was held across those round trips), and the login's own statement
  // answers the access the menu after it needs (it was read again). The key's look-up is in the
  // limiter's statement (a right key is recorded nowhere, so there is nothing to release).
  'type a shop key (login)': { app: 3, session: 1, inbox: 2 }, // was 16, 2; then 8, 1; 5, 1; 4, 1
  'start (seller)': { app: 1, session: 0, inbox: 2 }, // was 1, 1
  'shop list': { app: 2, session: 0, inbox: 2 }, // was 2, 1
  'open a shop': { app: 2, session: 0, inbox: 2 }, // was 2, 1
  'activation screen': { app: 2, session: 0, inbox: 2 }, // was 2, 1
  'the switch': { app: 2, session: 0, inbox: 2 }, // was 2, 1
  'stale switch (already set)': { app: 2, session: 0, inbox: 2 }, // was 2, 1
  'unknown button': { app: 1, session: 0, inbox: 2 }, // was 1, 1
};

describe('round trips per update', () => {
  let h: Harness;
  let counter: StatementCounter;
  const seen: Record<string, ReturnType<typeof tally>> = {};
  const sent: Record<string, Statement[]> = {};

  beforeAll(async () => {
    // The support desk's rounds are pushed out of the way: they are not any update's cost.
    h = await startHarness(
      {},
      { latencyMs: LATENCY_MS },
      { supportIntervals: { intervalMs: 3_600_000, syncIntervalMs: 3_600_000 } },
    );
    counter = countStatements(h.db.dataSource, background);
  });
  afterAll(async () => {
    counter.stop();
    const rows = Object.entries(seen).map(([kind, t]) => {
      const line = `${kind.padEnd(28)} ${JSON.stringify(t)}`;
      // ROUND_TRIPS=verbose lists each statement's first line too.
      if (process.env.ROUND_TRIPS !== 'verbose') return line;
      const each = sent[kind]!.map(
        (s) => `    ${s.name ? `[${s.name}] ` : ''}${s.text.trim().split('\n')[0]}`,
      );
      return [line, ...each].join('\n');
    });
    console.log(`round trips per update (${usingPostgres ? 'PostgreSQL' : 'embedded'}):\n${rows.join('\n')}`);
    await h.close();
  });

  /** Runs one user action and records the statements it cost, once the bot has gone quiet. */
  async function measure<T>(kind: string, act: () => Promise<T>): Promise<T> {
    await h.emulator.settle();
    await counter.quiet();
    counter.reset();
    const out = await act();
    await h.emulator.settle();
    // An update's last statement is its done mark: wait for it before the quiet, or on a busy
    // machine a pause of the bot's longer than the quiet ends the count early, and the rest of this
    // update's statements are charged to the next kind.
    for (const deadline = Date.now() + 10_000; !counter.statements.some(doneMark);) {
      if (Date.now() > deadline) throw new Error(`${kind}: no done mark within 10 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await counter.quiet();
    sent[kind] = [...counter.statements];
    seen[kind] = tally(sent[kind]);
    return out;
  }

  const costOf = (kind: string) => {
    const { app, session, inbox } = seen[kind]!;
    return { app, session, inbox };
  };

  let u: BotUser;
  let shopName: string;
  let activation: BotMessageView;
  let switchOff: string;

  it('a seller logs in and switches a shop off', async () => {
    const { shop, apiKey } = await seedShop(h.services, 'Лавка замеров');
    // Another seller first: the login limiter reads its key once per process, not per login.
    await seedSeller(h, newUser(h), (await seedShop(h.services, 'Лавка разогрева')).apiKey);
    shopName = shop.name;
    u = newUser(h);
    await measure('start (unregistered)', async () => {
      u.send('/start');
      await u.waitForMessage(u.label((t) => t.chooseRole));
    });
    await measure('press Seller', async () => {
      u.pressKey((t) => t.btnSeller);
      await u.waitForMessage(u.label((t) => t.enterApiKey));
    });
    await measure('type a shop key (login)', async () => {
      u.send(apiKey);
      await u.waitForMessage(u.label((t) => t.loggedInSeller));
    });
    await measure('start (seller)', async () => {
      u.send('/start');
      await u.waitForMessage('Главное меню');
    });
    await measure('shop list', async () => {
      u.pressKey((t) => t.btnShopList);
      await u.waitForMessage('Доступные магазины');
    });
    await measure('open a shop', async () => {
      u.press(`${shopName} 🟢`);
      await u.waitForMessage(`Магазин: ${shopName}`);
    });
    activation = await measure('activation screen', async () => {
      u.pressKey((t) => t.btnActivation);
      return u.waitForMessage((m) => m.buttons.flat().includes(u.label((t) => t.btnDeactivate)));
    });
    switchOff = dataOf(
      activation,
      u.label((t) => t.btnDeactivate),
    );
    const q = await measure('the switch', async () => {
      const q = u.press(u.label((t) => t.btnDeactivate));
      expect((await u.answerOf(q.queryId)).text).toBe(u.label((t) => t.toastDeactivated));
      return q;
    });
    // The press is answered while the screen is redrawn: the two calls arrive together.
    const answer = h.emulator
      .callsOf('answerCallbackQuery')
      .find((c) => c.params.callback_query_id === q.queryId)!;
    const edit = h.emulator.callsOf('editMessageText').at(-1)!;
    expect(Math.abs(answer.at - edit.at)).toBeLessThan(LATENCY_MS / 2);
    await measure('stale switch (already set)', async () => {
      const q = u.pressData(activation.message_id, switchOff);
      expect((await u.answerOf(q.queryId)).text).toBe(u.label((t) => t.toastAlreadySet));
    });
    await measure('unknown button', async () => {
      const q = u.pressData(activation.message_id, 'nonsense');
      expect((await u.answerOf(q.queryId)).text).toBe(u.label((t) => t.toastOutdated));
    });
  });

  it('the statements of a login and of every press of a shop screen, the inbox included, are prepared once (named)', () => {
    for (const kind of [
      'type a shop key (login)',
      'shop list',
      'open a shop',
      'activation screen',
      'the switch',
      'stale switch (already set)',
    ]) {
      const unnamed = sent[kind]!.filter((st) => !st.name);
      expect({ kind, unnamed: unnamed.map((st) => st.text.trim().slice(0, 60)) }).toEqual({
        kind,
        unnamed: [],
      });
    }
  });

  it('prepared statements hold with many updates at once, on several connections', async () => {
    // The embedded database serves every connection from one session: a name one connection
    // prepared is already there for the next (services/sql.ts, runPrepared).
    const sellers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const { shop, apiKey } = await seedShop(h.services, `Лавка наплыва ${i}`);
        const user = newUser(h);
        await seedSeller(h, user, apiKey);
        return { user, shop };
      }),
    );
    await Promise.all(
      sellers.map(async ({ user, shop }) => {
        user.send('/menu');
        await user.waitForMessage('Главное меню');
        user.pressKey((t) => t.btnShopList);
        await user.waitForMessage('Доступные магазины');
        user.press(`${shop.name} 🟢`);
        await user.waitForMessage(`Магазин: ${shop.name}`);
        user.pressKey((t) => t.btnActivation);
        await user.waitForMessage((m) => m.buttons.flat().includes(user.label((t) => t.btnDeactivate)));
        const q = user.press(user.label((t) => t.btnDeactivate));
        expect((await user.answerOf(q.queryId)).text).toBe(user.label((t) => t.toastDeactivated));
      }),
    );
    const rows = await sql<{ n: number }>(
      h,
      `SELECT count(*)::int AS n FROM shops WHERE NOT is_active AND id = ANY($1::int[])`,
      [sellers.map((s) => s.shop.id)],
    );
    expect(rows[0]!.n).toBe(sellers.length);
  });

  it.each(Object.keys(EXPECTED))('%s costs what the README says', (kind) => {
    expect(seen[kind]).toBeDefined();
    // The statements themselves in the message, so a failure says which one is new.
    expect({ kind, ...costOf(kind) }).toEqual({ kind, ...EXPECTED[kind] });
  });
});
