/**
 * What the whole-process load runs share (test/process/crash-run.ts, test/process/scale-run.ts):
 * the database opened from the test process, sellers seeded there (one shop each, logged in), and
 * the reading of the emulator's record of the bot's answers.
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config.js';
import { openDatabase, runMigrations } from '../../src/db/data-source.js';
import { createServices } from '../../src/services/index.js';
import type { CallRecord, TelegramEmulator } from '../../src/emulator/emulator.js';
import type { BotUser, Texts } from '../support/texts.js';
import type { Store } from './support.js';

export type Database = Awaited<ReturnType<typeof openDatabase>>;

/** Opens the store's database from this process, runs `fn`, closes (embedded: the app must not be running). */
export async function withDatabase<T>(store: Store, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({
    databaseUrl: store.env.DATABASE_URL || undefined,
    dataDir: store.env.DATA_DIR,
  });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Migrates the store's database and seeds `count` sellers at the emulator, each logged in with a
 * shop of their own named `${shopPrefix} ${i}` (active). Returns the sellers and their shops' ids.
 */
export async function seedSellers(
  store: Store,
  emulator: TelegramEmulator<Texts>,
  count: number,
  opts: { shopPrefix: string; firstUserId: number },
): Promise<{ sellers: BotUser[]; shopIds: number[] }> {
  const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(32), AUDIT_KEY: 'x'.repeat(32) });
  const sellers: BotUser[] = Array.from({ length: count }, (_, i) =>
    emulator.user({ id: opts.firstUserId + i, first_name: `S${i}`, language_code: 'ru' }),
  );
  const shopIds: number[] = [];
  await withDatabase(store, async (db) => {
    await runMigrations(db.dataSource);
    const services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });
    for (const [i, u] of sellers.entries()) {
      const { shop, apiKey } = await services.shops.create({
        name: `${opts.shopPrefix} ${i}`,
        clientId: '1001',
        vendorName: 'Сималенд',
        isActive: true,
        updatePrices: false,
      });
      shopIds.push(shop.id);
      const login = await services.auth.sellerLogin(
        { telegramId: u.id, chatId: u.chatId, firstName: u.info.first_name, languageCode: 'ru' },
        apiKey,
      );
      if (!login.ok) throw new Error(`seeding: login failed (${login.reason})`);
    }
  });
  return { sellers, shopIds };
}

/** Every answerCallbackQuery the bot made, by query id, in order (a repeat is a press handled again). */
export function answersByQuery(emulator: TelegramEmulator<Texts>): Map<string, CallRecord[]> {
  const answers = new Map<string, CallRecord[]>();
  for (const c of emulator.callsOf('answerCallbackQuery')) {
    const id = String(c.params.callback_query_id);
    answers.set(id, [...(answers.get(id) ?? []), c]);
  }
  return answers;
}

/**
 * Adjacent pairs of one chat's presses (in the order pressed) whose first answers came the other
 * way round; `onViolation` gets the earlier and the later press. Unanswered presses are skipped.
 */
export function pressOrderViolations<P extends { queryId: string }>(
  presses: P[],
  answers: Map<string, CallRecord[]>,
  onViolation?: (earlier: P, later: P) => void,
): number {
  let violations = 0;
  const firstAnswerAt = presses.map((p) => (answers.get(p.queryId) ?? [])[0]?.at ?? Infinity);
  for (let k = 1; k < firstAnswerAt.length; k++) {
    const [before, after] = [firstAnswerAt[k - 1]!, firstAnswerAt[k]!];
    if (before !== Infinity && after !== Infinity && after < before) {
      violations++;
      onViolation?.(presses[k - 1]!, presses[k]!);
    }
  }
  return violations;
}

/** Shops' is_active flags by shop id. */
export async function shopFlags(db: Database): Promise<Map<number, boolean>> {
  const rows = (await db.dataSource.query(`SELECT id, is_active FROM shops ORDER BY id`)) as {
    id: number;
    is_active: boolean;
  }[];
  return new Map(rows.map((r) => [Number(r.id), r.is_active]));
}

/** Error-level lines of the apps' logs, counted: `logged 3× <message>`. */
export function errorLogSummary(logs: { level?: number; msg?: string; err?: unknown }[]): string[] {
  const lines = logs
    .filter((l) => (l.level ?? 0) >= 50)
    .map((l) => `${l.msg ?? ''}: ${(l.err as { message?: string } | undefined)?.message ?? ''}`);
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([msg, n]) => `logged ${n}× ${msg.slice(0, 160)}`);
}
