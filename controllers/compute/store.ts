// The Compute's row in infra_db and the hosts' reserved capacity. Every phase change is one transaction that
// checks the phase it starts from (so two writers cannot both move an instance), applies the change, and
// writes the event to the outbox.
import type { Pool, PoolClient } from 'pg';
import type { ComputePhase } from '../../crds/schemas/compute.ts';
import type { InstanceInfo } from '../provider/types.ts';
import { recordTransition } from '../events/outbox.ts';
import { assertTransition } from './lifecycle.ts';
import type { AttachmentRow } from './attachment-store.ts';

export interface InstanceRow {
  uid: string;
  namespace: string;
  name: string;
  region: string;
  zone: string | null;
  host_id: string | null;
  vcpu: number;
  memory_mib: number;
  gpu: number;
  labels: Record<string, string>;
  placement_group: string | null;
  placement_strategy: string | null;
  /** The anti-affinity selectors the instance was placed with (recorded when it is Scheduled). */
  anti_affinity: Record<string, string>[];
  phase: ComputePhase;
  private_ip: string | null;
  public_ip_requested: boolean;
  public_ip: string | null;
  provider_id: string | null;
  operation_id: string | null;
  message: string | null;
  updated_at?: Date;
  create_attempt: number;
  /** The volumes attached or asked for (volume_attachments), read with the row by the Compute's client. */
  attachments?: AttachmentRow[];
}

export interface HostRow {
  id: string;
  region: string;
  zone: string;
  vcpu: number;
  memory_mib: number;
  gpu: number;
  status: string;
}

/** Another writer moved the instance first; the reconcile starts over from what is recorded. */
export class PhaseConflict extends Error {}
/** The host no longer has room (another writer reserved it); the scheduler must choose again. */
export class CapacityConflict extends Error {}

const columns = `uid, namespace, name, region, zone, host_id, vcpu, memory_mib, gpu, labels, placement_group,
  placement_strategy, anti_affinity, phase, host(private_ip) AS private_ip, public_ip_requested, host(public_ip) AS public_ip, provider_id, operation_id, message, updated_at,
  create_attempt`;

export async function readInstance(db: Pool | PoolClient, uid: string): Promise<InstanceRow | undefined> {
  const { rows } = await db.query<InstanceRow>(`SELECT ${columns} FROM instances WHERE uid = $1`, [uid]);
  return rows[0];
}

export async function instancesHoldingHosts(db: Pool): Promise<InstanceRow[]> {
  const { rows } = await db.query<InstanceRow>(`SELECT ${columns} FROM instances WHERE host_id IS NOT NULL`);
  return rows;
}

export type NewInstance = Omit<
  InstanceRow,
  | 'phase'
  | 'host_id'
  | 'anti_affinity'
  | 'private_ip'
  | 'public_ip'
  | 'provider_id'
  | 'operation_id'
  | 'message'
  | 'updated_at'
  | 'create_attempt'
>;

export { withTransaction } from '../db/transaction.ts';

/** Records a new instance as Pending (once: a second call finds the row and changes nothing). */
export async function recordPending(
  client: PoolClient,
  i: NewInstance,
  tenant: string,
  now: Date,
): Promise<InstanceRow> {
  const inserted = await client.query(
    `INSERT INTO instances (uid, namespace, name, region, zone, vcpu, memory_mib, gpu, labels, placement_group,
       placement_strategy, public_ip_requested, phase)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'Pending') ON CONFLICT (uid) DO NOTHING`,
    [
      i.uid,
      i.namespace,
      i.name,
      i.region,
      i.zone,
      i.vcpu,
      i.memory_mib,
      i.gpu,
      JSON.stringify(i.labels),
      i.placement_group,
      i.placement_strategy,
      i.public_ip_requested,
    ],
  );
  if (inserted.rowCount === 1) {
    await recordTransition(
      client,
      {
        kind: 'Compute',
        uid: i.uid,
        namespace: i.namespace,
        name: i.name,
        tenant,
        from: null,
        to: 'Pending',
        details: {
          region: i.region,
          vcpu: i.vcpu,
          memoryMiB: i.memory_mib,
          labels: i.labels,
          publicIp: i.public_ip_requested,
        },
      },
      now,
    );
  }
  return (await readInstance(client, i.uid))!;
}

export type InstanceChange = Partial<
  Pick<
    InstanceRow,
    | 'zone'
    | 'host_id'
    | 'anti_affinity'
    | 'private_ip'
    | 'public_ip'
    | 'provider_id'
    | 'operation_id'
    | 'message'
    | 'create_attempt'
  >
>;

/** Moves the instance from `from` to `to` with `change`, and writes the event; PhaseConflict if it moved. */
export async function transition(
  client: PoolClient,
  row: InstanceRow,
  to: ComputePhase,
  change: InstanceChange,
  tenant: string,
  now: Date,
  details: Record<string, unknown> = {},
): Promise<InstanceRow> {
  assertTransition(row.phase, to);
  const sets = ['phase = $3', 'updated_at = now()'];
  const values: unknown[] = [row.uid, row.phase, to];
  for (const [key, value] of Object.entries(change)) {
    // jsonb columns take JSON text: node-postgres would send a JS array as a PostgreSQL array literal.
    values.push(key === 'anti_affinity' ? JSON.stringify(value) : value);
    sets.push(`${key} = $${values.length}`);
  }
  const updated = await client.query(
    `UPDATE instances SET ${sets.join(', ')} WHERE uid = $1 AND phase = $2`,
    values,
  );
  if (updated.rowCount !== 1)
    throw new PhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}`);
  const next = { ...row, ...change, phase: to, updated_at: now };
  await recordTransition(
    client,
    {
      kind: 'Compute',
      uid: row.uid,
      namespace: row.namespace,
      name: row.name,
      tenant,
      from: row.phase,
      to,
      details: {
        region: row.region,
        zone: next.zone,
        hostId: next.host_id,
        vcpu: row.vcpu,
        memoryMiB: row.memory_mib,
        labels: row.labels,
        gpu: row.gpu,
        publicIp: row.public_ip_requested,
        ...(next.message && to === 'Failed' ? { message: next.message } : {}),
        ...details,
      },
    },
    now,
  );
  return next;
}

export async function reserveHost(
  client: PoolClient,
  hostId: string,
  i: Pick<InstanceRow, 'vcpu' | 'memory_mib' | 'gpu'>,
): Promise<void> {
  await client.query('SAVEPOINT reserve');
  try {
    const { rowCount } = await client.query(
      `UPDATE hosts SET used_vcpu = used_vcpu + $2, used_memory_mib = used_memory_mib + $3, used_gpu = used_gpu + $4
       WHERE id = $1 AND status = 'up'`,
      [hostId, i.vcpu, i.memory_mib, i.gpu],
    );
    if (rowCount !== 1) throw new CapacityConflict(`host ${hostId} is unknown or down`);
    await client.query('RELEASE SAVEPOINT reserve');
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT reserve');
    if ((err as { code?: string }).code === '23514')
      throw new CapacityConflict(`host ${hostId} has no room left`);
    throw err;
  }
}

export async function releaseHost(
  client: PoolClient,
  hostId: string,
  i: Pick<InstanceRow, 'vcpu' | 'memory_mib' | 'gpu'>,
): Promise<void> {
  await client.query(
    `UPDATE hosts SET used_vcpu = used_vcpu - $2, used_memory_mib = used_memory_mib - $3, used_gpu = used_gpu - $4 WHERE id = $1`,
    [hostId, i.vcpu, i.memory_mib, i.gpu],
  );
}

/** Records an operation id without a phase change (the intent was recorded by the transition before). */
export async function recordOperation(
  client: Pool | PoolClient,
  row: InstanceRow,
  change: Pick<InstanceChange, 'operation_id' | 'provider_id'>,
): Promise<InstanceRow> {
  const { rowCount } = await client.query(
    'UPDATE instances SET operation_id = COALESCE($3, operation_id), provider_id = COALESCE($4, provider_id), updated_at = now() WHERE uid = $1 AND phase = $2',
    [row.uid, row.phase, change.operation_id ?? null, change.provider_id ?? null],
  );
  if (rowCount !== 1) throw new PhaseConflict(`${row.namespace}/${row.name} is no longer ${row.phase}`);
  return { ...row, ...change };
}

/** Records the public address the provider gave, without a phase change. */
export async function recordPublicIp(pool: Pool, row: InstanceRow, address: string): Promise<InstanceRow> {
  await pool.query('UPDATE instances SET public_ip = $2, updated_at = now() WHERE uid = $1', [
    row.uid,
    address,
  ]);
  return { ...row, public_ip: address };
}

/** Brings the host table in line with the provider's list; reserved capacity is kept. */
export async function syncHosts(pool: Pool, hosts: readonly HostRow[]): Promise<void> {
  if (hosts.length === 0) return;
  await pool.query(
    `INSERT INTO hosts (id, region, zone, vcpu, memory_mib, gpu, status)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[])
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status`,
    [
      hosts.map((h) => h.id),
      hosts.map((h) => h.region),
      hosts.map((h) => h.zone),
      hosts.map((h) => h.vcpu),
      hosts.map((h) => h.memory_mib),
      hosts.map((h) => h.gpu),
      hosts.map((h) => h.status),
    ],
  );
}

/**
 * Records an instance that exists at the provider as this object's (adoption), in the phase the provider
 * shows, holding its host's capacity, with its event; once (a second call finds the row and changes nothing).
 */
export async function recordAdopted(
  client: PoolClient,
  obj: { metadata: { uid?: string; namespace?: string; name?: string; labels?: Record<string, string> } },
  spec: { region: string; publicIp: boolean },
  info: InstanceInfo,
  tenant: string,
  now: Date,
): Promise<InstanceRow> {
  const phase: ComputePhase =
    info.state === 'stopped' ? 'Stopped' : info.state === 'failed' ? 'Failed' : 'Running';
  const inserted = await client.query(
    `INSERT INTO instances (uid, namespace, name, region, zone, host_id, vcpu, memory_mib, gpu, labels,
       public_ip_requested, phase, provider_id, private_ip, public_ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14) ON CONFLICT (uid) DO NOTHING`,
    [
      obj.metadata.uid,
      obj.metadata.namespace,
      obj.metadata.name,
      info.region,
      info.zone,
      info.hostId,
      info.vcpu,
      info.memoryMiB,
      JSON.stringify(obj.metadata.labels ?? {}),
      Boolean(info.publicIp) || spec.publicIp,
      phase,
      info.id,
      info.privateIp ?? null,
      info.publicIp ?? null,
    ],
  );
  const row = (await readInstance(client, obj.metadata.uid!))!;
  if (inserted.rowCount === 1) {
    await reserveHost(client, info.hostId, row);
    await recordTransition(
      client,
      {
        kind: 'Compute',
        uid: row.uid,
        namespace: row.namespace,
        name: row.name,
        tenant,
        from: null,
        to: phase,
        details: {
          adopted: true,
          providerId: info.id,
          region: row.region,
          zone: row.zone,
          hostId: row.host_id,
          vcpu: row.vcpu,
          memoryMiB: row.memory_mib,
          labels: row.labels,
          gpu: 0,
          publicIp: row.public_ip_requested,
        },
      },
      now,
    );
  }
  return row;
}
