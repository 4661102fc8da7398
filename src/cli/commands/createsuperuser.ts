import { TELEGRAM_ADMINS_GROUP } from '../../services/index.js';
import { isDomainError, validation, type StaffService } from '../../services/index.js';
import { askNewPassword, askValid, requirePrompt } from '../ask.js';
import { CommandError, UsageError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';

const { problem } = validation;

export const SUPERUSER_ENV = {
  username: 'MARKET_BOT_SUPERUSER_USERNAME',
  email: 'MARKET_BOT_SUPERUSER_EMAIL',
  password: 'MARKET_BOT_SUPERUSER_PASSWORD',
} as const;

export const createsuperuser = defineCommand(
  {
    name: 'createsuperuser',
    summary: 'create an active staff superuser (asks, or takes flags / environment)',
    usage: [
      'Usage: createsuperuser [--username NAME] [--email EMAIL] [--telegram-admin]',
      '       createsuperuser --no-input --username NAME [--email EMAIL] [--telegram-admin]',
      '       createsuperuser --username NAME --password PASSWORD [--email EMAIL] [--telegram-admin]',
      '',
      '  Without --no-input or --password it asks for what the flags left out (the password twice,',
      '  hidden, at a terminal; one answer per line when stdin is piped).',
      `  --no-input        take the password from ${SUPERUSER_ENV.password} (and, when the flags are`,
      `                    absent, the username and email from ${SUPERUSER_ENV.username} / ${SUPERUSER_ENV.email})`,
      '  --password P      visible in the process list and shell history: prefer --no-input',
      `  --telegram-admin  also add the user to the ${TELEGRAM_ADMINS_GROUP} group (bot admin login)`,
    ].join('\n'),
  },
  async (deps, args) => {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        username: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        'no-input': { type: 'boolean' },
        'telegram-admin': { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    expectPositionals(positionals, []);
    const env = deps.env ?? {};
    const { staff } = deps.services;

    let username: string;
    let email: string;
    let password: string;
    if (values['no-input'] || values.password !== undefined) {
      const noInput = values['no-input'] ?? false;
      const u = values.username ?? (noInput ? env[SUPERUSER_ENV.username] : undefined);
      if (u === undefined) {
        throw new UsageError(
          noInput
            ? `--username (or ${SUPERUSER_ENV.username}) is required with --no-input.`
            : '--username is required.',
        );
      }
      username = u.trim();
      email = (values.email ?? (noInput ? env[SUPERUSER_ENV.email] : undefined) ?? '').trim();
      const p = values.password ?? env[SUPERUSER_ENV.password];
      if (p === undefined || p === '') {
        throw new CommandError(`Error: set ${SUPERUSER_ENV.password} (or pass --password) with --no-input.`);
      }
      password = p;
      for (const wrong of [
        problem('username', username),
        problem('email', email),
        problem('password', password),
      ]) {
        if (wrong) throw new CommandError(`Error: ${wrong}`);
      }
      if (await staff.findByUsername(username)) throw new CommandError(`Error: ${taken(username)}`);
    } else {
      const prompt = requirePrompt(
        deps,
        `pass --username and --no-input with ${SUPERUSER_ENV.password} set, or run it at a terminal.`,
      );
      const validUsername = async (u: string) =>
        problem('username', u) ?? ((await staff.findByUsername(u)) ? taken(u) : undefined);
      if (values.username !== undefined) {
        username = values.username.trim();
        const wrong = await validUsername(username);
        if (wrong) throw new CommandError(`Error: ${wrong}`);
      } else {
        username = (await askValid(deps, prompt, 'Username: ', (u) => validUsername(u.trim()))).trim();
      }
      if (values.email !== undefined) {
        email = values.email.trim();
        const wrong = problem('email', email);
        if (wrong) throw new CommandError(`Error: ${wrong}`);
      } else {
        email = (await askValid(deps, prompt, 'Email address: ', (e) => problem('email', e.trim()))).trim();
      }
      password = await askNewPassword(deps, prompt);
    }

    try {
      await deps.services.transaction(async (tx) => {
        await tx.staff.createUser({
          username,
          email,
          password,
          isActive: true,
          isStaff: true,
          isSuperuser: true,
        });
        if (values['telegram-admin']) await joinTelegramAdmins(tx.staff, username);
      });
    } catch (e) {
      // Someone took the name between the check and the insert.
      if (isDomainError(e, 'conflict')) throw new CommandError(`Error: ${taken(username)}`);
      throw e;
    }
    deps.out(`Superuser "${username}" created.`);
    if (values['telegram-admin']) deps.out(`Added "${username}" to ${TELEGRAM_ADMINS_GROUP}.`);
    return 0;
  },
);

function taken(username: string): string {
  return `the username "${username}" is already taken.`;
}

async function joinTelegramAdmins(staff: StaffService, username: string): Promise<void> {
  await staff.ensureGroup(TELEGRAM_ADMINS_GROUP);
  await staff.addToGroup(username, TELEGRAM_ADMINS_GROUP);
}
