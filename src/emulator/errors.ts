/** Errors and descriptions, worded like the real Bot API. */

export const DESCRIPTIONS = {
  notModified:
    'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  queryTooOld: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
  buttonDataInvalid: 'Bad Request: BUTTON_DATA_INVALID',
  textEmpty: 'Bad Request: message text is empty',
  textTooLong: 'Bad Request: message is too long',
  editNotFound: 'Bad Request: message to edit not found',
  deleteNotFound: 'Bad Request: message to delete not found',
  cantDelete: "Bad Request: message can't be deleted for everyone",
  chatNotFound: 'Bad Request: chat not found',
  threadNotFound: 'Bad Request: message thread not found',
  topicNotModified: 'Bad Request: TOPIC_NOT_MODIFIED',
  topicInvalid: 'Bad Request: TOPIC_ID_INVALID',
  notForum: 'Bad Request: the chat is not a forum',
  captionTooLong: 'Bad Request: message caption is too long',
  fileTooBig: 'Bad Request: file is too big',
  blocked: 'Forbidden: bot was blocked by the user',
  conflictPolling:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  conflictWebhook:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  unauthorized: 'Unauthorized',
  notFound: 'Not Found',
} as const;

export class ApiError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly retry_after?: number,
  ) {
    super(description);
    this.name = 'ApiError';
  }
}

export const bad = (description: string): ApiError => new ApiError(400, `Bad Request: ${description}`);

/** A result that Telegram sends with a `description` next to it ("Webhook was set"). */
export class Described {
  constructor(
    readonly value: unknown,
    readonly description: string,
  ) {}
}
