import type { DataSource } from 'typeorm';

/** Names of the migrations recorded as applied; none when the migrations table doesn't exist yet. */
export async function appliedMigrationNames(dataSource: DataSource): Promise<Set<string>> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ exists }] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [table]);
  if (!exists) return new Set();
  const rows: { name: string }[] = await dataSource.query(`SELECT name FROM "${table}"`);
  return new Set(rows.map((r) => r.name));
}

/** Every migration the code knows, in order, with whether this database has it. */
export async function migrationStatus(dataSource: DataSource): Promise<{ name: string; applied: boolean }[]> {
  const applied = await appliedMigrationNames(dataSource);
  return dataSource.migrations.map((m) => {
    const name = m.name ?? m.constructor.name;
    return { name, applied: applied.has(name) };
  });
}

/** True when not one migration was ever applied: the tables the commands use don't exist yet. */
export async function isNeverMigrated(dataSource: DataSource): Promise<boolean> {
  return (await appliedMigrationNames(dataSource)).size === 0;
}
