import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/db/data-source.js';

/**
 * The DataSource the TypeORM CLI reads (`npm run typeorm -- migration:generate migrations/Name`).
 * It needs a PostgreSQL server; the app's own `npm run cli -- checkmigrations` works with both databases.
 */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL: set it to a PostgreSQL URL for the TypeORM CLI');

export default new DataSource(dataSourceOptions(url));
