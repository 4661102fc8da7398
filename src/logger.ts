import { pino, type Logger } from 'pino';

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

export function createLogger(level: string, name = 'market-bot'): Logger {
  return pino({ name, level, redact: { paths: redact, censor: '[redacted]' } });
}
