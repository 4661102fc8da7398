import { defineCommand, expectPositionals, parseCommandArgs } from '../command.js';
import { migrationStatus } from '../../db/migrations.js';

export const showmigrations = defineCommand(
  {
    name: 'showmigrations',
    summary: 'list the migrations, [X] when applied to this database',
    usage: 'Usage: showmigrations',
  },
  async (deps, args) => {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true, strict: true });
    expectPositionals(positionals, []);
    for (const m of await migrationStatus(deps.dataSource)) deps.out(` [${m.applied ? 'X' : ' '}] ${m.name}`);
    return 0;
  },
);
