import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Database } from '../db/data-source.js';
import { isDomainError, type Services } from '../services/index.js';

/** Answers typed by a person (a terminal) or read line by line from piped stdin. */
export interface Prompt {
  /** True for a terminal: a bad answer is asked again. Piped input fails on the first bad answer instead. */
  interactive: boolean;
  /** The next answer, or undefined at the end of input (Ctrl+D, Ctrl+C, end of the pipe). */
  ask(question: string, opts?: { hidden?: boolean }): Promise<string | undefined>;
}

export interface CommandDeps {
  /** What the commands read and write through: the same services as the bot and the panel. */
  services: Services;
  /** Only for the migration commands, which hand it to src/db. */
  dataSource: Database['dataSource'];
  out: (line: string) => void;
  err: (line: string) => void;
  /** Absent when nobody can answer (tests, scripts): interactive commands then ask for flags instead. */
  prompt?: Prompt;
  /** Where `--no-input` reads MARKET_BOT_SUPERUSER_*; process.env in the real CLI. */
  env?: NodeJS.ProcessEnv;
  /** A new, empty database beside the configured one (migrate --check builds the migrations' schema there). */
  scratchDatabase?: () => Promise<Database>;
}

/** Runs with the arguments after the command name; resolves to the process exit code. */
export type Command = (deps: CommandDeps, args: string[]) => Promise<number>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage lines, shown by `<command> --help` and after a usage error. */
  usage: string;
}

/** An expected failure (bad input, unknown user): its message is printed, no stack, exit code 1. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** Wrong flags or arguments: the message and the command's usage are printed, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Wraps a command body: `--help` prints its usage, a CommandError or UsageError becomes a message and an
 * exit code, so that tests and main.ts see the same behaviour. Anything else is a bug and propagates.
 */
export function defineCommand(
  spec: CommandSpec,
  body: (deps: CommandDeps, args: string[]) => Promise<number | void>,
): Command & { spec: CommandSpec } {
  const run = async (deps: CommandDeps, args: string[]): Promise<number> => {
    if (args.includes('--help') || args.includes('-h')) {
      deps.out(spec.usage);
      return 0;
    }
    try {
      return (await body(deps, args)) ?? 0;
    } catch (e) {
      if (e instanceof UsageError) {
        deps.err(e.message);
        deps.err(spec.usage);
        return 2;
      }
      if (e instanceof CommandError) {
        deps.err(e.message);
        return 1;
      }
      // A refusal the services explain (a broken rule, a conflict): the same sentence as in the panel.
      if (isDomainError(e)) {
        deps.err(`Error: ${e.message}`);
        return 1;
      }
      throw e;
    }
  };
  return Object.assign(run, { spec });
}

/** node:util parseArgs, strict, with its errors turned into usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    // Checked by code, not instanceof TypeError: that fails across realms (jest's VM).
    const code = (e as { code?: unknown })?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((e as Error).message);
    throw e;
  }
}

/** Exactly `count` positional arguments, named in the message when some are missing. */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`Missing argument: ${names.slice(positionals.length).join(', ')}.`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`Unexpected argument: ${positionals.slice(names.length).join(' ')}.`);
  }
  return positionals;
}
