import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config.js';
import { dataSourceOptions } from './src/db/data-source.js';

/**
 * The DataSource the TypeORM CLI reads (`npm run typeorm -- migration:generate migrations/Name`, then
 * add the class to migrations/index.ts). It needs a PostgreSQL server (DATABASE_URL, from the
 * environment or .env); the app's own `npm run cli -- migrate --check` works with both databases.
 */
const { databaseUrl } = loadConfig();
if (!databaseUrl) throw new Error('DATABASE_URL: set it to a PostgreSQL URL for the TypeORM CLI');

export default new DataSource(dataSourceOptions(databaseUrl));
