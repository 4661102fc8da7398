import { Group, User } from '../../db/entities/index.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';
import { addToGroup } from '../memberships.js';

export const addtogroup = defineCommand(
  {
    name: 'addtogroup',
    summary: 'add a staff user to a group (e.g. telegram_admins)',
    usage: 'Usage: addtogroup USERNAME GROUP',
  },
  async (deps, args) => {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true, strict: true });
    const [username, groupName] = expectPositionals(positionals, ['USERNAME', 'GROUP']);
    const added = await deps.dataSource.transaction(async (tx) => {
      const user = await tx.findOne(User, { where: { username } });
      const group = await tx.findOne(Group, { where: { name: groupName } });
      const missing = [
        !user && `no user named "${username}"`,
        !group && `no group named "${groupName}"`,
      ].filter(Boolean);
      if (missing.length > 0) throw new CommandError(`Error: ${missing.join(' and ')}.`);
      return addToGroup(tx, user!.id, groupName);
    });
    deps.out(
      added ? `Added "${username}" to "${groupName}".` : `"${username}" is already in "${groupName}".`,
    );
    return 0;
  },
);
