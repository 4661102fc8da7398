/**
 * The sandbox's data, loaded at every start into the demo's own database: the demo fixture (loaddata,
 * idempotent), and the fixture's people as Telegram users who can log in. They start active and signed
 * out, so they log in with their key or password like anyone, while a new user (NEW_USERS_ACTIVE is off
 * in the sandbox) has to pay the subscription first. And the support desk's channel: the forum the
 * sandbox's Telegram stand-in plays, the default one, running.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loaddata } from '../cli/commands/loaddata.js';
import type { Config } from '../config.js';
import { openDatabase, runMigrations } from '../db/data-source.js';
import { createServices } from '../services/index.js';
import { checkDataDir } from '../startup.js';
import { PERSONAS, SUPPORT_FORUM } from './personas.js';

export const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/demo.json');

/**
 * Opens the demo's embedded database, migrates it and loads the sandbox's data, then closes it, before
 * the app starts. (Not from beside the running app: a second DataSource in the process would take
 * the entities over from the app's, which the panel's adapter reaches them through.)
 */
export async function seed(config: Config): Promise<void> {
  await checkDataDir(config.dataDir);
  const db = await openDatabase({ dataDir: config.dataDir, poolSize: 2 });
  try {
    await runMigrations(db.dataSource);
    const services = createServices(db.dataSource, {
      ...config,
      subscription: { ...config.subscription, newUsersActive: true },
    });
    const problems: string[] = [];
    const code = await loaddata(
      { services, dataSource: db.dataSource, out: () => undefined, err: (line) => problems.push(line) },
      [FIXTURE],
    );
    if (code !== 0) throw new Error(`the demo fixture did not load: ${problems.join(' ')}`);
    for (const persona of Object.values(PERSONAS)) {
      const telegramId = persona.telegramId;
      if (telegramId === undefined || (await services.users.findByTelegramId(telegramId))) continue;
      await services.users.upsertFromLogin(
        undefined,
        {
          telegramId,
          chatId: telegramId,
          firstName: persona.firstName.ru,
          ...(persona.username ? { username: persona.username } : {}),
          languageCode: 'ru',
        },
        'seller',
        null,
      );
      await services.users.signOut(telegramId);
    }
    await supportChannel(services);
  } finally {
    await db.close();
  }
}

/** The sandbox's forum channel, made at the first start and put back as it should be at every other. */
async function supportChannel(services: ReturnType<typeof createServices>): Promise<void> {
  const { name, chatId, language } = SUPPORT_FORUM;
  const settings = { forumChatId: String(chatId), language };
  const existing = await services.support.channel(name);
  if (!existing) {
    await services.support.createChannel({ name, kind: 'topics', settings, isDefault: true, running: true });
    return;
  }
  if (existing.kind !== 'topics')
    throw new Error(`the demo database has a support channel "${name}" of kind ${existing.kind}`);
  await services.support.updateChannel(name, { settings, running: true });
  if (!existing.isDefault) await services.support.setDefault(name);
}
