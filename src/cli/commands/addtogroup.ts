import { CommandError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';

export const addtogroup = defineCommand(
  {
    name: 'addtogroup',
    summary: 'add a staff user to a group (e.g. telegram_admins)',
    usage: 'Usage: addtogroup USERNAME GROUP',
  },
  async (deps, args) => {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true, strict: true });
    const [username, groupName] = expectPositionals(positionals, ['USERNAME', 'GROUP']);
    const { staff } = deps.services;
    const [user, groups] = await Promise.all([staff.findByUsername(username), staff.findGroups([groupName])]);
    const missing = [
      !user && `no user named "${username}"`,
      groups.length === 0 && `no group named "${groupName}"`,
    ].filter(Boolean);
    if (missing.length > 0) throw new CommandError(`Error: ${missing.join(' and ')}.`);
    const added = await staff.addToGroup(username, groupName);
    deps.out(
      added ? `Added "${username}" to "${groupName}".` : `"${username}" is already in "${groupName}".`,
    );
    return 0;
  },
);
