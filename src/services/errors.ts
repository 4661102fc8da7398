/** What a service refuses, in words the bot and the panel can turn into a message. */
export type DomainErrorCode = 'not_found' | 'forbidden' | 'conflict' | 'invalid';

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    public code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isDomainError(err: unknown, code?: DomainErrorCode): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}
