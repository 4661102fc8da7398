import type { ChatContext } from './context.js';
import type { Screen } from './screens.js';
import { isNotModified, isUneditable } from './telegram-errors.js';
import { cut, htmlToText, MESSAGE_MAX, parsedLength } from './texts/index.js';

/**
 * The screen as sent: unchanged when it fits MESSAGE_MAX after entity parsing (screens cut stored
 * text themselves), else its plain text cut with an ellipsis, so no data can make a screen fail.
 */
export function fitted(screen: Screen): Screen {
  // Parsing only shortens a text (tags dropped, entities decoded): one within the limit as written
  // is within it as Telegram counts, without converting it (every screen goes through here).
  if (screen.text.length <= MESSAGE_MAX) return screen;
  const html = screen.html ?? false;
  if (parsedLength(screen.text, html) <= MESSAGE_MAX) return screen;
  const plain = html ? htmlToText(screen.text) : screen.text;
  return { ...screen, text: cut(plain.trim(), MESSAGE_MAX), html: false };
}

function extra(screen: Screen) {
  return {
    parse_mode: screen.html ? ('HTML' as const) : undefined,
    reply_markup: { inline_keyboard: screen.keyboard ?? [] },
    link_preview_options: { is_disabled: true },
  };
}

/** Sends a screen already fitted as a new message. */
async function send(ctx: ChatContext, screen: Screen): Promise<number | undefined> {
  const msg = await ctx.telegram.sendMessage(ctx.chat.id, screen.text, extra(screen));
  return msg.message_id;
}

/** Sends a screen as a new message. */
export function reply(ctx: ChatContext, given: Screen): Promise<number | undefined> {
  return send(ctx, fitted(given));
}

/**
 * Shows a screen in place of the pressed message (a callback) or as a new message (a command or
 * text). Redrawing identical content is not an error; a message that can no longer be edited gets
 * a fresh one instead.
 */
export async function show(ctx: ChatContext, given: Screen): Promise<void> {
  const screen = fitted(given);
  const message = ctx.callbackQuery?.message;
  if (!message) {
    await send(ctx, screen);
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
      await send(ctx, screen);
      return;
    }
    throw err;
  }
}

/** Edits a message the bot sent earlier in this update (e.g. "please wait" into the result). */
export async function replace(ctx: ChatContext, messageId: number | undefined, given: Screen): Promise<void> {
  const screen = fitted(given);
  if (messageId === undefined) {
    await send(ctx, screen);
    return;
  }
  try {
    await ctx.telegram.editMessageText(ctx.chat.id, messageId, undefined, screen.text, extra(screen));
  } catch (err) {
    if (isNotModified(err)) return;
    if (isUneditable(err)) await send(ctx, screen);
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
