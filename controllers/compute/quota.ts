// The tenant's vCPU, memory and public-address quota, enforced where capacity is taken: inside the scheduling transaction,
// under a per-namespace lock, against what the tenant's other instances hold. Admission checks it too, but
// only this check is atomic (two instances admitted at once cannot both take the last vCPU here).
import type { PoolClient } from 'pg';
import type { InstanceRow } from './store.ts';

export interface TenantLimits {
  name: string;
  vcpu: number;
  memoryMiB: number;
  /** How many instances of the tenant may hold a public address at once. */
  publicIPs: number;
}

export class QuotaExceeded extends Error {}

export async function checkQuota(client: PoolClient, row: InstanceRow, limits: TenantLimits): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`quota/${row.namespace}`]);
  const { rows } = await client.query<{ vcpu: number; memory_mib: number; public_ips: number }>(
    `SELECT COALESCE(sum(vcpu), 0)::int AS vcpu, COALESCE(sum(memory_mib), 0)::int AS memory_mib,
            count(*) FILTER (WHERE public_ip_requested)::int AS public_ips
       FROM instances WHERE namespace = $1 AND host_id IS NOT NULL AND uid <> $2`,
    [row.namespace, row.uid],
  );
  const used = rows[0]!;
  if (used.vcpu + row.vcpu > limits.vcpu) {
    throw new QuotaExceeded(
      `tenant ${limits.name} has ${used.vcpu} of ${limits.vcpu} vCPU in use; this instance needs ${row.vcpu} more. Raise spec.quotas.vcpu on the Tenant or stop using another instance`,
    );
  }
  if (used.memory_mib + row.memory_mib > limits.memoryMiB) {
    throw new QuotaExceeded(
      `tenant ${limits.name} has ${used.memory_mib} of ${limits.memoryMiB} MiB of memory in use; this instance needs ${row.memory_mib} more. Raise spec.quotas.memory on the Tenant`,
    );
  }
  if (row.public_ip_requested && used.public_ips + 1 > limits.publicIPs) {
    throw new QuotaExceeded(
      `tenant ${limits.name} has ${used.public_ips} of ${limits.publicIPs} public IPs in use; this instance asks for one more. Raise spec.quotas.publicIPs on the Tenant or delete an instance that holds one`,
    );
  }
}
