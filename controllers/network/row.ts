// The Network's row as the managed reconciler keeps it: the recorded network with its subnets and their usage,
// moved from phase to phase by a table given as data, each move checked against the phase it starts from (so
// two writers cannot both move a network) and written with its event in one transaction. A network that is
// gone gives its range back: its row is removed with the Deleted event, so Deleted is a phase only this side
// of infra_db ever holds.
import type { Pool, PoolClient } from 'pg';
import { recordTransition } from '../events/outbox.ts';
import { findNetwork, releaseNetwork, subnetUsage, type NetworkRow, type SubnetUsage } from './store.ts';
import { updatePhased } from '../managed/phased-update.ts';

export type NetworkPhase = 'Allocating' | 'Provisioning' | 'Ready' | 'Deleting' | 'Deleted';

/**
 * Allocating: the range is recorded, nothing asked of the provider. Provisioning: the create is (about to
 * be) asked for; its operation is recorded once known. Ready: the provider has the network. Deleting: its
 * delete is under way. A failed create goes back to Allocating with its next attempt, and so does a network
 * deleted outside OmniCloud that is created again.
 */
const nextPhases: Readonly<Record<NetworkPhase, readonly NetworkPhase[]>> = {
  Allocating: ['Provisioning', 'Deleted'],
  Provisioning: ['Ready', 'Allocating', 'Deleting', 'Deleted'],
  Ready: ['Allocating', 'Deleting', 'Deleted'],
  Deleting: ['Deleted'],
  Deleted: [],
};

export interface ManagedNetwork extends NetworkRow {
  phase: NetworkPhase;
  subnets: SubnetUsage[];
  /** The peerings whose network is not Ready, when they were looked up for status. */
  missingPeers?: string[];
}

export type NetworkChange = Partial<Pick<NetworkRow, 'provider_id' | 'operation_id' | 'create_attempt'>>;

/** Another writer moved the network first; the reconcile starts over from what is recorded. */
export class NetworkPhaseConflict extends Error {}

export async function readManagedNetwork(
  db: Pool | PoolClient,
  uid: string,
): Promise<ManagedNetwork | undefined> {
  const row = await findNetwork(db, uid);
  if (!row) return undefined;
  return { ...row, phase: row.phase as NetworkPhase, subnets: await subnetUsage(db, uid) };
}

/** Records a change that is not a phase change (an operation id), or one checked by `moveNetwork`. */
export async function updateNetwork(
  db: Pool | PoolClient,
  row: ManagedNetwork,
  change: NetworkChange,
  phase: NetworkPhase = row.phase,
): Promise<ManagedNetwork> {
  return updatePhased(
    db,
    'networks',
    row,
    change,
    phase,
    () => new NetworkPhaseConflict(`network ${row.scope}/${row.name} is no longer ${row.phase}; retrying`),
  );
}

/**
 * Moves the network from its recorded phase to `to` with `change`, and writes the event (`details` adds to
 * it). Deleted gives the range and subnets back, refused (InUse) while instances hold addresses in it.
 */
export async function moveNetwork(
  client: PoolClient,
  row: ManagedNetwork,
  to: NetworkPhase,
  change: NetworkChange,
  tenant: string,
  now: Date,
  details: Record<string, unknown> = {},
): Promise<ManagedNetwork> {
  if (!nextPhases[row.phase].includes(to))
    throw new Error(`a network cannot move from ${row.phase} to ${to}`);
  const next = await updateNetwork(client, row, change, to);
  if (to === 'Deleted') await releaseNetwork(client, row.uid);
  await recordTransition(client, transitionOf(next, tenant, row.phase, details), now);
  return next;
}

export function transitionOf(
  row: NetworkRow,
  tenant: string,
  from: string | null,
  details: Record<string, unknown> = {},
) {
  return {
    kind: 'Network' as const,
    uid: row.uid,
    namespace: row.scope,
    name: row.name,
    tenant,
    from,
    to: row.phase,
    details: { region: row.region, cidr: row.cidr, ...details },
  };
}
