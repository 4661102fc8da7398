import type { MiddlewareFn } from 'telegraf';
import type { BotContext, SessionData, SessionStorage } from '../context.js';

/**
 * The session with the access, in one read; undefined when that read failed. The session alone is
 * then read on its own: what fails is then the access, at the gate, after the router has deleted a
 * typed password or key (the session says whether one was expected), as when they were two reads.
 */
async function bothOrNone(store: SessionStorage<SessionData>, key: string, telegramId: number) {
  try {
    return await store.getWithAccess!(key, telegramId);
  } catch {
    return undefined;
  }
}

/**
 * The user's session, in two steps around the error boundary: `load` runs inside it, so a session
 * that can't be read is an error the user is told about; `save` runs outside it, so it writes back
 * after the boundary has answered, whatever happened. Only a changed session is written, and an
 * empty one is deleted.
 */
export function session(store: SessionStorage<SessionData>): {
  load: MiddlewareFn<BotContext>;
  save: MiddlewareFn<BotContext>;
} {
  /** The session as read, per update: what `save` compares with (none when it couldn't be read). */
  const loaded = new WeakMap<BotContext, string>();
  const keyOf = (ctx: BotContext) => `u:${ctx.from?.id}`;
  return {
    load: async (ctx, next) => {
      const key = keyOf(ctx);
      const both = store.getWithAccess && ctx.from ? await bothOrNone(store, key, ctx.from.id) : undefined;
      if (both) {
        ctx.session = both.data ?? {};
        ctx.knowAccess(both.access);
      } else {
        ctx.session = (await store.get(key)) ?? {};
      }
      loaded.set(ctx, JSON.stringify(ctx.session));
      await next();
    },
    save: async (ctx, next) => {
      try {
        await next();
      } finally {
        const before = loaded.get(ctx);
        const after = JSON.stringify(ctx.session);
        // A session that could not be read is neither saved over nor deleted: the store just failed.
        if (before !== undefined && after !== before) {
          const key = keyOf(ctx);
          await (after === '{}' ? store.delete(key) : store.set(key, ctx.session, after)).catch(
            (err: unknown) => ctx.deps.logger.error({ err }, 'could not save the session'),
          );
        }
      }
    },
  };
}
