import type { Command, CommandSpec } from '../command.js';
import { addtogroup } from './addtogroup.js';
import { auditverify } from './auditverify.js';
import { ban, unban } from './ban.js';
import { changepassword } from './changepassword.js';
import { createshop } from './createshop.js';
import { createsuperuser } from './createsuperuser.js';
import { loaddata } from './loaddata.js';
import { migrate } from './migrate.js';
import { showmigrations } from './showmigrations.js';
import { supportchannel } from './supportchannel.js';

export const commands: Record<string, Command & { spec: CommandSpec }> = {
  migrate,
  showmigrations,
  createsuperuser,
  changepassword,
  addtogroup,
  loaddata,
  createshop,
  ban,
  unban,
  auditverify,
  supportchannel,
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'Usage: npm run cli -- <command> [options]     (<command> --help for its options)',
    '',
    'Commands:',
    ...Object.values(commands).map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    `  ${'help'.padEnd(width)}  show this list`,
    '',
    'The database is DATABASE_URL, or the embedded one in DATA_DIR when DATABASE_URL is unset.',
  ].join('\n');
}
