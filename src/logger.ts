import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Secrets never reach the log: these paths are censored wherever they appear in a logged object,
 * and callers log ids and prefixes, never typed text.
 */
const redact = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'text',
  '*.text',
  'passwordHash',
  '*.passwordHash',
  'apiKeyHash',
  '*.apiKeyHash',
];

/** JSON lines on stdout, or on `destination` (tests read what was logged). */
export function createLogger(level: string, name = 'market-bot', destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: redact, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
