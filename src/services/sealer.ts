import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The key when SECRET_KEY is unset and no key file is given (tests only: development keeps one in
 * DATA_DIR, production requires SECRET_KEY). Public, so it protects nothing.
 */
export const DEVELOPMENT_SECRET_KEY = 'market-bot public development secret key: set SECRET_KEY';

const VERSION = 'v1';

/**
 * Seals short values at rest with AES-256-GCM under a key derived (HKDF-SHA256) from SECRET_KEY:
 * the support channels' secret settings and the messages waiting in the support outbox. A sealed
 * value is `v1.<base64url(iv | tag | ciphertext)>`; a wrong key or a changed byte fails to open.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(secret: string = DEVELOPMENT_SECRET_KEY, purpose = 'market-bot sealed values') {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'market-bot', purpose, 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, data] = sealed.split('.', 2);
    if (version !== VERSION || !data) throw new Error('not a sealed value');
    const raw = Buffer.from(data, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: string): T {
    return JSON.parse(this.open(sealed)) as T;
  }
}
