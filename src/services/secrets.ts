import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcrypt';

/** bcrypt cost: about 50–100 ms per hash on these machines, run off the event loop by bcrypt's thread pool. */
export const BCRYPT_ROUNDS = 12;

/** Shop API keys are stored only as this hash: SHA-256 is enough for long random keys and allows a unique index lookup. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey.trim(), 'utf8').digest('hex');
}

/** The first characters of a key, shown to staff so they can tell keys apart. Never enough to log in. */
export function apiKeyPrefix(apiKey: string): string {
  return apiKey.trim().slice(0, 6);
}

export function generateApiKey(): string {
  return `mk_${randomBytes(24).toString('base64url')}`;
}

export function hashPassword(password: string, rounds = BCRYPT_ROUNDS): Promise<string> {
  return bcrypt.hash(password, rounds);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** A valid hash of a random password: compared against when a username is unknown, so timing tells nothing. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
