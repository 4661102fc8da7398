import { askNewPassword, requirePrompt } from '../ask.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';

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
    const { staff } = deps.services;
    if (!(await staff.findByUsername(username)))
      throw new CommandError(`Error: no user named "${username}".`);

    // A password given as a flag is checked by the service, with the same sentence.
    let password = values.password;
    if (password === undefined) {
      const prompt = requirePrompt(deps, 'pass --password, or run it at a terminal.');
      deps.out(`Changing the password for "${username}".`);
      password = await askNewPassword(deps, prompt);
    }
    await staff.setPassword(username, password);
    deps.out(`Password changed for "${username}".`);
    return 0;
  },
);
