import { User } from '../../db/entities/index.js';
import { hashPassword } from '../../services/secrets.js';
import { askNewPassword, requirePrompt } from '../ask.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';
import { check, passwordSchema } from '../rules.js';

export const changepassword = defineCommand(
  {
    name: 'changepassword',
    summary: "set a staff user's password",
    usage: [
      'Usage: changepassword USERNAME                      asks for the new password twice',
      '       changepassword USERNAME --password PASSWORD  (visible in the process list: prefer asking)',
    ].join('\n'),
  },
  async (deps, args) => {
    const { values, positionals } = parseCommandArgs({
      args,
      options: { password: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [username] = expectPositionals(positionals, ['USERNAME']);
    const user = await deps.dataSource.manager.findOne(User, { where: { username } });
    if (!user) throw new CommandError(`Error: no user named "${username}".`);

    let password: string;
    if (values.password !== undefined) {
      const problem = check(passwordSchema, values.password, 'password');
      if (problem) throw new CommandError(`Error: ${problem}`);
      password = values.password;
    } else {
      const prompt = requirePrompt(deps, 'pass --password, or run it at a terminal.');
      deps.out(`Changing the password for "${username}".`);
      password = await askNewPassword(deps, prompt);
    }
    const passwordHash = await hashPassword(password);
    await deps.dataSource.transaction(async (tx) => {
      await tx.update(User, { id: user.id }, { passwordHash });
    });
    deps.out(`Password changed for "${username}".`);
    return 0;
  },
);
