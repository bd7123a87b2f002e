// Versioned schema migrations, one folder of SQL files per database, applied by the operator at start.
// Two operators starting at once are safe: the runner serialises on an advisory lock and waits for it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

const migrationsRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export type MigratedDatabase = 'tenants_db' | 'infra_db' | 'audit_db' | 'billing_db';

/** Applies every pending migration of `database`; returns the names applied. */
export async function migrate(database: MigratedDatabase, url: string, log?: Logger): Promise<string[]> {
  try {
    const applied = await runner({
      databaseUrl: url,
      dir: path.join(migrationsRoot, database),
      direction: 'up',
      migrationsTable: 'omnicloud_migrations',
      // Migrations are independent of each other: one added beside a later one is still applied.
      checkOrder: false,
      singleTransaction: true,
      advisoryLockMode: 'wait',
      log: (msg: string) => log?.debug({ database }, msg),
    });
    const names = applied.map((m) => m.name);
    if (names.length > 0) log?.info({ database, applied: names }, 'database migrations applied');
    return names;
  } catch (err) {
    throw new Error(`migrating ${database} failed: ${(err as Error).message}`, { cause: err });
  }
}
