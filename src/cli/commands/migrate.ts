import { pendingSchemaChanges, runMigrations, type Database } from '../../db/data-source.js';
import { migrationStatus } from '../../db/migrations.js';
import { ScratchDatabaseError } from '../../db/scratch.js';
import { CommandError, defineCommand, expectPositionals, parseCommandArgs } from '../command.js';

export const migrate = defineCommand(
  {
    name: 'migrate',
    summary: 'apply pending migrations; --check fails when the entities and migrations differ',
    usage: [
      'Usage: migrate            apply the pending migrations, in order',
      '       migrate --check    exit 1 and print the SQL when the entities need a migration the',
      '                          migrations folder lacks (applies nothing; CI drift check)',
    ].join('\n'),
  },
  async (deps, args) => {
    const { values, positionals } = parseCommandArgs({
      args,
      options: { check: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    expectPositionals(positionals, []);
    if (values.check) return check(deps);

    const pending = (await migrationStatus(deps.dataSource)).filter((m) => !m.applied);
    if (pending.length === 0) {
      deps.out('No migrations to apply.');
      return 0;
    }
    deps.out(`Applying ${pending.length} migration${pending.length === 1 ? '' : 's'}:`);
    // Each migration runs in its own transaction: a failure leaves the earlier ones applied and itself not.
    const applied = await runMigrations(deps.dataSource);
    for (const name of applied) deps.out(`  ${name} ... OK`);
    return 0;
  },
);

/**
 * Compares the entities with the schema the migrations build. On a fully migrated database that schema
 * is the database itself; otherwise the migrations are applied to a scratch database first (an in-memory
 * PGlite, or a temporary database on the same PostgreSQL server), so the check never changes the
 * configured database and works on a fresh CI database as well as on a deployed one.
 */
async function check(deps: Parameters<typeof migrate>[0]): Promise<number> {
  const pending = (await migrationStatus(deps.dataSource)).filter((m) => !m.applied);
  let sql: string[];
  if (pending.length === 0) {
    sql = await pendingSchemaChanges(deps.dataSource);
  } else {
    deps.out(
      `${pending.length} migration${pending.length === 1 ? ' is' : 's are'} not applied to this database ` +
        `(${pending.map((m) => m.name).join(', ')}); checking against a scratch database.`,
    );
    if (!deps.scratchDatabase) throw new CommandError('No scratch database available: run "migrate" first.');
    let scratch: Database;
    try {
      scratch = await deps.scratchDatabase();
    } catch (e) {
      if (e instanceof ScratchDatabaseError) throw new CommandError(e.message, { cause: e });
      throw e;
    }
    try {
      await runMigrations(scratch.dataSource);
      sql = await pendingSchemaChanges(scratch.dataSource);
    } finally {
      await scratch.close();
    }
  }
  if (sql.length === 0) {
    deps.out('The entities and the migrations agree: no changes to generate.');
    return 0;
  }
  deps.err('The entities have changes the migrations lack. Generate a migration for:');
  for (const q of sql) deps.err(`  ${q};`);
  return 1;
}
