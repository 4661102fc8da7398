import { TelegramError } from 'telegraf';

/** The Telegram errors the bot handles by name; everything else goes to the error boundary. */
export function isNotModified(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 400 && /message is not modified/i.test(err.description);
}

export function isQueryTooOld(err: unknown): boolean {
  return (
    err instanceof TelegramError &&
    err.code === 400 &&
    /query is too old|query id is invalid/i.test(err.description)
  );
}

export function isBlocked(err: unknown): boolean {
  return (
    err instanceof TelegramError &&
    err.code === 403 &&
    /blocked by the user|user is deactivated|bot was kicked|can't initiate conversation/i.test(
      err.description,
    )
  );
}

/** The message is gone or can't be edited any more: send a new one instead. */
export function isUneditable(err: unknown): boolean {
  return (
    err instanceof TelegramError &&
    err.code === 400 &&
    /message to edit not found|message can't be edited|message to delete not found|message can't be deleted/i.test(
      err.description,
    )
  );
}

/** The Bot API server doesn't implement the method (local servers, emulators): 404 "Not Found". */
export function isMethodMissing(err: unknown): boolean {
  return (
    err instanceof TelegramError &&
    (err.code === 404 || /method not found|not implemented/i.test(err.description))
  );
}

export function retryAfterSeconds(err: unknown): number | undefined {
  if (err instanceof TelegramError && err.code === 429) return err.parameters?.retry_after ?? 1;
  return undefined;
}
