import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * The key that seals secrets at rest: SECRET_KEY (required in production), else one generated once
 * into DATA_DIR/secret.key and kept there (development: the app and the CLI read the same file).
 * Tests without SECRET_KEY get undefined: the services then use a public test key.
 */
export async function resolveSecretKey(
  config: Pick<Config, 'secretKey' | 'env' | 'dataDir'>,
): Promise<string | undefined> {
  if (config.secretKey) return config.secretKey;
  if (config.env === 'test') return undefined;
  const file = path.join(config.dataDir, 'secret.key');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  try {
    await fs.writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process (the CLI, the app) wrote it first: theirs is the key.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw err;
  }
}
