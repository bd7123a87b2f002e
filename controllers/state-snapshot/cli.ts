// `npm run state:snapshot -- --tenant acme`                      take a snapshot of a tenant's state
// `npm run state:snapshot -- list --tenant acme [--json]`        its snapshots, oldest first
// `npm run state:snapshot -- restore --tenant acme --id ID [--dry-run]`
//     re-applies the snapshot's desired state (specs, labels, annotations); a dry run prints the plan only.
// Reads the API server from KUBECONFIG, infra_db from OMNICLOUD_INFRA_DB_URL and the S3 server from
// OMNICLOUD_S3_* (the local stack's unless set).
import { Command } from 'commander';
import pg from 'pg';
import { loadKubeConfig } from '../../operator/kubeconfig.ts';
import { databaseUrlFromEnv, endpointsFromEnv } from '../../operator/endpoints.ts';
import { operatorS3Client } from '../backing/s3.ts';
import { migrate } from '../db/migrate.ts';
import { NothingToSnapshot } from './collect.ts';
import { isSnapshotId } from './keys.ts';
import { planLines } from './plan.ts';
import { planRestore, restoreSnapshot } from './restore.ts';
import { listSnapshots, readSnapshot, snapshotStore, SnapshotNotFound } from './store.ts';
import { takeSnapshot } from './take.ts';

const fail = (msg: string, code = 64): never => {
  console.error(msg);
  process.exit(code);
};

function s3Store() {
  const { s3 } = endpointsFromEnv();
  return snapshotStore(operatorS3Client(s3), s3.region);
}

const tenantOption = (t: string) => {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(t))
    fail(`--tenant must be a tenant name such as acme (got ${JSON.stringify(t)})`);
  return t;
};

const program = new Command('state:snapshot')
  .description("snapshots of a tenant's desired and observed state in the operator's bucket")
  .enablePositionalOptions()
  .option('--tenant <name>', 'the tenant')
  .action(async (o: { tenant?: string }) => {
    if (!o.tenant) fail('--tenant is required');
    const tenant = tenantOption(o.tenant!);
    await migrate('infra_db', databaseUrlFromEnv('infra_db'));
    const infra = new pg.Pool({ connectionString: databaseUrlFromEnv('infra_db'), max: 1 });
    try {
      const m = await takeSnapshot(loadKubeConfig().kc, infra, s3Store(), tenant, new Date());
      console.log(
        `snapshot ${m.id} of ${tenant}: ${m.objectCount} objects, ${m.rowCount} rows, ${m.sizeBytes} bytes at ${m.takenAt}`,
      );
    } catch (err) {
      if (err instanceof NothingToSnapshot) fail(err.message, 1);
      throw err;
    } finally {
      await infra.end();
    }
  });

program
  .command('list')
  .requiredOption('--tenant <name>', 'the tenant')
  .option('--json', 'print JSON')
  .action(async (o: { tenant: string; json?: boolean }) => {
    const list = await listSnapshots(s3Store(), tenantOption(o.tenant));
    if (o.json) console.log(JSON.stringify(list, null, 2));
    else if (list.length === 0) console.log(`no snapshots of tenant ${o.tenant}`);
    else
      for (const m of list)
        console.log(
          `${m.id}  ${m.takenAt}  ${m.objectCount} objects  ${m.rowCount} rows  ${m.sizeBytes} bytes`,
        );
  });

program
  .command('restore')
  .requiredOption('--tenant <name>', 'the tenant')
  .requiredOption('--id <id>', 'the snapshot, as list shows it')
  .option('--dry-run', 'print the plan (create, update, unchanged per object) and apply nothing')
  .action(async (o: { tenant: string; id: string; dryRun?: boolean }) => {
    const tenant = tenantOption(o.tenant);
    if (!isSnapshotId(o.id)) fail(`--id must be a snapshot id such as 20261203T081500123Z-1a2b3c4d`);
    let snapshot;
    try {
      snapshot = await readSnapshot(s3Store(), tenant, o.id);
    } catch (err) {
      if (err instanceof SnapshotNotFound) fail(err.message, 1);
      throw err;
    }
    const kc = loadKubeConfig().kc;
    if (o.dryRun) {
      for (const line of planLines(await planRestore(kc, snapshot!))) console.log(line);
      console.log('dry run: nothing applied');
      return;
    }
    const result = await restoreSnapshot(kc, snapshot!);
    for (const line of planLines(result.plan)) console.log(line);
    for (const f of result.failed)
      console.error(`refused   ${f.entry.kind} ${f.entry.namespace}/${f.entry.name}: ${f.error}`);
    console.log(`applied ${result.applied.length}, refused ${result.failed.length}`);
    if (result.failed.length > 0) process.exitCode = 1;
  });

await program.parseAsync(process.argv);
