import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/data-source.js';
import { isNeverMigrated } from '../db/migrations.js';
import { openScratchDatabase } from '../db/scratch.js';
import { createServices } from '../services/index.js';
import { resolveSecretKey } from '../support/secret-key.js';
import { commands, usage } from './commands/index.js';
import { createPrompt } from './prompt.js';

/** The commands that work on a database the migrations have never touched. */
const BEFORE_MIGRATING = new Set(['migrate', 'showmigrations']);

/**
 * `npm run cli -- <command> [options]`: Django-style management commands. This file only wires the
 * process (argv, config, database, stdin, exit code); each command lives in ./commands.
 * Exit codes: 0 done, 1 failed (message printed), 2 usage error.
 */
async function main(argv: string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);

  // Only the command name is read here; the command parses the rest of argv strictly itself.
  const { positionals } = parseArgs({ args: argv.slice(0, 1), strict: false, allowPositionals: true });
  const name = positionals[0];
  if (argv.length === 0 || name === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    out(usage());
    return 0;
  }
  const command = name === undefined ? undefined : Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    err(`Unknown command "${argv[0]}".\n`);
    err(usage());
    return 2;
  }
  if (argv.slice(1).some((a) => a === '--help' || a === '-h')) {
    out(command.spec.usage);
    return 0;
  }

  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  if (!BEFORE_MIGRATING.has(command.spec.name) && (await isNeverMigrated(db.dataSource))) {
    await db.close();
    err('Error: the database has not been migrated yet; run "npm run migrate" first.');
    return 1;
  }
  const prompt = createPrompt({ input: process.stdin, output: process.stdout });
  try {
    return await command(
      {
        services: createServices(db.dataSource, { ...config, secretKey: await resolveSecretKey(config) }),
        dataSource: db.dataSource,
        out,
        err,
        prompt,
        env: process.env,
        scratchDatabase: () => openScratchDatabase(db),
      },
      argv.slice(1),
    );
  } finally {
    prompt.close();
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug or an unreachable database: the message first, the stack for whoever debugs it.
    const error = e as Error;
    process.stderr.write(`Error: ${error?.message ?? String(e)}\n`);
    if (process.env.DEBUG) process.stderr.write(`${error?.stack}\n`);
    else process.stderr.write('(set DEBUG=1 to see where)\n');
    process.exitCode = 1;
  },
);
