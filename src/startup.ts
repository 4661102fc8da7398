import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A start-up failure the operator fixes with a setting: its message is one sentence that names the
 * setting and says what to do. main prints it on stderr (the stack goes to the log at debug level).
 */
export class StartupError extends Error {
  override name = 'StartupError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const code = (err: unknown): string | undefined => {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
};

/** The HTTP port could not be taken: in use, or a privileged port. */
export function portError(err: unknown, port: number): Error {
  switch (code(err)) {
    case 'EADDRINUSE':
      return new StartupError(
        `port ${port} is already in use; set PORT to a free port or stop what uses it`,
        {
          cause: err,
        },
      );
    case 'EACCES':
      return new StartupError(`port ${port} needs privileges this user lacks; set PORT to 1024 or above`, {
        cause: err,
      });
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}

/** The embedded database keeps its files in DATA_DIR: it must exist (or be creatable) and be writable. */
export async function checkDataDir(dataDir: string): Promise<void> {
  const dir = path.resolve(dataDir);
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(probe, '');
    await fs.rm(probe, { force: true });
  } catch (err) {
    throw new StartupError(
      `DATA_DIR ${dir} can't be written (${code(err) ?? (err as Error).message}); ` +
        'make it writable for this user or set DATA_DIR to another folder',
      { cause: err },
    );
  }
}

/** Where a postgres:// URL points, without its password. */
function describeUrl(url: string): { where: string; database: string; user: string } {
  try {
    const u = new URL(url);
    const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
    return { where: `${u.hostname}:${u.port || '5432'}`, database, user: decodeURIComponent(u.username) };
  } catch {
    return { where: 'the given address', database: '?', user: '?' };
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * A PostgreSQL server (DATABASE_URL) that can't be used: not reachable, no such database, or the
 * login refused. Other errors are returned as they are.
 */
export function databaseError(err: unknown, databaseUrl: string): Error {
  const { where, database, user } = describeUrl(databaseUrl);
  const c = code(err);
  const message = (err as Error | null)?.message ?? '';
  if (
    (c && UNREACHABLE.has(c)) ||
    /timeout expired|Connection terminated due to connection timeout/i.test(message)
  ) {
    return new StartupError(
      `the database server in DATABASE_URL (${where}) can't be reached (${c ?? 'timeout'}); ` +
        'start PostgreSQL there or correct DATABASE_URL',
      { cause: err },
    );
  }
  if (c === '3D000') {
    return new StartupError(
      `the database "${database}" in DATABASE_URL does not exist on ${where}; ` +
        `create it (createdb ${database}) or correct DATABASE_URL`,
      { cause: err },
    );
  }
  if (c === '28P01' || c === '28000') {
    return new StartupError(
      `PostgreSQL on ${where} refused the user "${user}" in DATABASE_URL (${c === '28P01' ? 'wrong password' : 'no access'}); ` +
        'correct the user and password in DATABASE_URL',
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
