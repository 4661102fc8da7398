import type { ChatContext } from './context.js';
import type { Screen } from './screens.js';
import { isNotModified, isUneditable } from './telegram-errors.js';

function extra(screen: Screen) {
  return {
    parse_mode: screen.html ? ('HTML' as const) : undefined,
    reply_markup: { inline_keyboard: screen.keyboard ?? [] },
    link_preview_options: { is_disabled: true },
  };
}

/** Sends a screen as a new message. */
export async function reply(ctx: ChatContext, screen: Screen): Promise<number | undefined> {
  const msg = await ctx.telegram.sendMessage(ctx.chat.id, screen.text, extra(screen));
  return msg.message_id;
}

/**
 * Shows a screen in place of the pressed message (a callback) or as a new message (a command or
 * text). Redrawing identical content is not an error; a message that can no longer be edited gets
 * a fresh one instead.
 */
export async function show(ctx: ChatContext, screen: Screen): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (!message) {
    await reply(ctx, screen);
    return;
  }
  try {
    await ctx.telegram.editMessageText(
      message.chat.id,
      message.message_id,
      undefined,
      screen.text,
      extra(screen),
    );
  } catch (err) {
    if (isNotModified(err)) return;
    if (isUneditable(err)) {
      await reply(ctx, screen);
      return;
    }
    throw err;
  }
}

/** Edits a message the bot sent earlier in this update (e.g. "please wait" into the result). */
export async function replace(
  ctx: ChatContext,
  messageId: number | undefined,
  screen: Screen,
): Promise<void> {
  if (messageId === undefined) {
    await reply(ctx, screen);
    return;
  }
  try {
    await ctx.telegram.editMessageText(ctx.chat.id, messageId, undefined, screen.text, extra(screen));
  } catch (err) {
    if (isNotModified(err)) return;
    if (isUneditable(err)) await reply(ctx, screen);
    else throw err;
  }
}

/** Deletes the user's message (a password or key): best effort, it may be gone already. */
export async function deleteIncoming(ctx: ChatContext): Promise<void> {
  const id = ctx.message?.message_id;
  if (id === undefined) return;
  try {
    await ctx.telegram.deleteMessage(ctx.chat.id, id);
  } catch (err) {
    ctx.deps.logger.warn({ err: (err as Error).message }, 'could not delete a secret-bearing message');
  }
}
