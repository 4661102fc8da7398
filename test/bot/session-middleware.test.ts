/**
 * The session middleware on its own, around a store that fails to read: a session that could not be
 * read must not be deleted or overwritten when the update ends (the stored one is still good).
 */
import { describe, expect, test } from '@jest/globals';
import type { BotContext, SessionData, SessionStorage } from '../../src/bot/context.js';
import { session } from '../../src/bot/middleware/session.js';

describe('the session middleware', () => {
  test('leaves a stored session alone when reading it failed', async () => {
    const stored = new Map<string, SessionData>([['u:7', { expect: { kind: 'seller_key', at: 1 } }]]);
    const writes: string[] = [];
    const store: SessionStorage<SessionData> = {
      get: () => Promise.reject(new Error('database away')),
      set: async (key, data) => void (writes.push(`set ${key}`), stored.set(key, data)),
      delete: async (key) => void (writes.push(`delete ${key}`), stored.delete(key)),
    };
    const { load, save } = session(store);
    const ctx = { from: { id: 7 }, session: {} } as unknown as BotContext;
    const noop = () => Promise.resolve();
    await expect(save(ctx, async () => void (await load(ctx, noop)))).rejects.toThrow('database away');
    expect(writes).toEqual([]);
    expect(stored.get('u:7')).toEqual({ expect: { kind: 'seller_key', at: 1 } });
  });
});
