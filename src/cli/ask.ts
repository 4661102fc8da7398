import { CommandError, type CommandDeps, type Prompt } from './command.js';
import { validation } from '../services/index.js';

type Validate = (answer: string) => string | undefined | Promise<string | undefined>;

export function requirePrompt(deps: CommandDeps, hint: string): Prompt {
  if (!deps.prompt) throw new CommandError(`Nobody to ask: ${hint}`);
  return deps.prompt;
}

/**
 * Asks until the answer passes `validate`. A person at a terminal is told what is wrong and asked again;
 * piped input stops at the first bad line, so that one bad answer can't shift the ones after it.
 */
export async function askValid(
  deps: CommandDeps,
  prompt: Prompt,
  question: string,
  validate: Validate,
  opts: { hidden?: boolean } = {},
): Promise<string> {
  for (;;) {
    const answer = await prompt.ask(question, opts);
    if (answer === undefined) throw new CommandError('Aborted: no answer.');
    const problem = await validate(answer);
    if (!problem) return answer;
    if (!prompt.interactive) throw new CommandError(`Error: ${problem}`);
    deps.err(`Error: ${problem}`);
  }
}

/** A new password, typed twice without echo. */
export async function askNewPassword(deps: CommandDeps, prompt: Prompt): Promise<string> {
  for (;;) {
    const first = await askValid(deps, prompt, 'Password: ', (p) => validation.problem('password', p), {
      hidden: true,
    });
    const again = await prompt.ask('Password (again): ', { hidden: true });
    if (again === undefined) throw new CommandError('Aborted: no answer.');
    if (again === first) return first;
    if (!prompt.interactive) throw new CommandError("Error: the two passwords don't match.");
    deps.err("Error: the two passwords don't match.");
  }
}
