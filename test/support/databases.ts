// Pools on the real databases for tests, migrated as the operator migrates them.
import pg from 'pg';
import { migrate, type MigratedDatabase } from '../../controllers/db/migrate.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';

export async function migratedPool(db: MigratedDatabase, max = 5): Promise<pg.Pool> {
  const url = endpoints().postgres[db];
  await migrate(db, url);
  return new pg.Pool({ connectionString: url, max });
}
