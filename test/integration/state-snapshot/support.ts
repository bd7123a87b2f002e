// Helpers of the state snapshot tests: the CLI run as `npm run state:snapshot` runs it, and cleaning a
// tenant's snapshots out of the operator's bucket.
import { execFile } from 'node:child_process';
import type * as Minio from 'minio';
import { snapshotBucket } from '../../../controllers/state-snapshot/keys.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run state:snapshot -- <args>`, with the environment the stack gives the CLIs (and `env` over it). */
export function stateSnapshotCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        './hack/stack/env-defaults.ts',
        'controllers/state-snapshot/cli.ts',
        ...args,
      ],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Removes every object (all versions) under a tenant's prefix. */
export async function removeTenantSnapshots(client: Minio.Client, tenant: string): Promise<void> {
  if (!(await client.bucketExists(snapshotBucket))) return;
  const found: { name: string; versionId?: string }[] = [];
  for await (const o of client.listObjects(snapshotBucket, `tenants/${tenant}/`, true, {
    IncludeVersion: true,
  })) {
    if (o.name) found.push({ name: o.name, versionId: o.versionId ?? undefined });
  }
  for (const v of found) await client.removeObject(snapshotBucket, v.name, { versionId: v.versionId });
}

export async function objectBytes(client: Minio.Client, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await client.getObject(snapshotBucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
