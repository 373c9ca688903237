import { join } from 'node:path';
import type { Config } from '../config/config';
import type { DatabaseTarget } from './database';

/** DATABASE_URL selects a Postgres server; without it, embedded PGlite under the instance directory. */
export function databaseTargetOf(config: Config): DatabaseTarget {
  return config.databaseUrl ? { engine: 'postgres', url: config.databaseUrl } : { engine: 'pglite', dataDir: join(config.instanceDir, 'db') };
}
