import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Message } from 'telegraf/types';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services/index.js';
import { SupportDesk } from '../../src/support/desk.js';
import { createTestDatabase, type Database } from '../support/db.js';
import { sql } from '../support/sql.js';
import { profile } from '../services/fixtures.js';

/**
 * With several workers only the leader runs the support channels; a seller's chat may be consumed
 * by any worker. That worker's desk follows the registry in the table, so writing to support works
 * there too: the message is queued for the leader's outbox worker.
 */
describe("a worker's support desk that does not lead", () => {
  let db: Database;
  let services: Services;
  let desk: SupportDesk;
  let seller: Awaited<ReturnType<Services['users']['upsertFromLogin']>>;
  const config = loadConfig({ NODE_ENV: 'test', BOT_TOKEN: '123456:TEST-TOKEN' });

  beforeAll(async () => {
    db = await createTestDatabase();
    services = createServices(db.dataSource, { ...config, bcryptRounds: 4 });
    seller = await services.users.upsertFromLogin(undefined, profile({ telegramId: 4242 }), 'seller', null);
    const { channel } = await services.support.createChannel({
      name: 'forum',
      kind: 'topics',
      settings: { forumChatId: -100123, language: 'en', timeZone: 'UTC' },
      running: true,
    });
    // The leader started it and marked it online.
    await services.support.setStatus(channel.id, 'online', null);
    desk = new SupportDesk({ services, config, logger: createLogger('silent'), syncIntervalMs: 200 });
  });

  afterAll(async () => {
    await desk?.stop();
    await db.close();
  });

  it('lets a seller write to support; the message waits in the outbox for the leader', async () => {
    // A desk that neither leads nor follows knows no channel: the seller would be told support is away.
    expect(await desk.enter(seller)).toEqual({ kind: 'unavailable' });
    await desk.follow();
    expect(await desk.enter(seller)).toEqual({ kind: 'ok' });
    const message = { message_id: 7, chat: { id: 4242, type: 'private' }, date: 0, text: 'my shop is down' };
    expect(await desk.relay(seller, message as unknown as Message)).toEqual({ kind: 'queued' });
    const rows = await sql<{ direction: string }>(db, `SELECT direction FROM support_outbox`);
    expect(rows.map((r) => r.direction)).toEqual(['to_operator']);
    // A forum's own update needs the running channel: a follower leaves it (the leader's would handle it).
    const forumUpdate = {
      update_id: 1,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: -100123, type: 'supergroup' },
        text: 'hi',
        message_thread_id: 5,
      },
    };
    expect(await desk.handleUpdate(forumUpdate as never)).toBe(true);
  });
});
