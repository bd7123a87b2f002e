// What each run of the managed-reconciler kill test does to its object, and what it must end as: the manifest
// it is made from, the operation that starts it (an apply, a spec patch, a console edit, a delete), the phase
// it settles in, the transitions and drift events its whole life must show exactly once, and what the
// provider must hold for it. Objects live in us-east-1c, a zone only this test uses, so counts there are ours.
import type * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { ComputePhase } from '../../../crds/schemas/compute.ts';
import type { VolumePhase } from '../../../crds/schemas/volume.ts';
import { transitions as computeTransitions } from '../../../controllers/compute/lifecycle.ts';
import { volumeTransitions } from '../../../controllers/volume/lifecycle.ts';
import type { CloudConsole } from '../../support/console.ts';
import {
  computeManifest,
  create,
  networkManifest,
  patchSpec,
  remove,
  volumeManifest,
  type InfraPlural,
} from '../../support/infra.ts';
import type { Kind, Run } from './schedule.ts';

export const region = 'us-east-1';
export const zone = 'us-east-1c';
/** The network every Compute of the test is placed in. */
export const computeNetwork = 'net';

export const pluralOf: Readonly<Record<Kind, InfraPlural>> = {
  Compute: 'computes',
  Volume: 'volumes',
  Network: 'networks',
};

const tableOf: Readonly<Record<Kind, string>> = {
  Compute: 'instances',
  Volume: 'volumes',
  Network: 'networks',
};

export const volumeSize = 10;
export const grownVolumeSize = 15;
/** The size a console user grows a volume to: past the spec, so it cannot be put back. */
export const consoleVolumeSize = 20;

export function manifestOf(ns: string, kind: Kind, name: string): object {
  switch (kind) {
    case 'Compute':
      return computeManifest(ns, name, { region, network: computeNetwork, subnet: 'a' });
    case 'Volume':
      return volumeManifest(ns, name, { region, zone, sizeGiB: volumeSize });
    case 'Network':
      // Small ranges: the namespace's pool holds every network of the test.
      return networkManifest(ns, name, {
        region,
        prefixLength: 24,
        subnets: [{ name: 'a', zone, prefixLength: 26 }],
      });
  }
}

export function computeNetworkManifest(ns: string): object {
  return networkManifest(ns, computeNetwork, {
    region,
    prefixLength: 16,
    subnets: [{ name: 'a', zone, prefixLength: 24 }],
  });
}

/** What infra_db records of an object, whatever its kind. */
export interface RecordedRow {
  phase: string;
  provider_id: string | null;
  updated_at: Date;
  cidr?: string;
  vcpu?: number;
  size_gib?: number;
  create_attempt?: number;
}

export async function recordedRow(infra: pg.Pool, kind: Kind, uid: string): Promise<RecordedRow | undefined> {
  const extra = {
    Compute: ', vcpu, create_attempt',
    Volume: ', size_gib, create_attempt',
    Network: ', cidr::text AS cidr',
  }[kind];
  const { rows } = await infra.query<RecordedRow>(
    `SELECT phase, provider_id, updated_at${extra} FROM ${tableOf[kind]} WHERE uid = $1`,
    [uid],
  );
  return rows[0];
}

/** The remediation plan the managed reconciler has recorded as under way for the object, if any. */
export async function recordedPlan(infra: pg.Pool, uid: string): Promise<string | undefined> {
  const { rows } = await infra.query<{ plan_hash: string | null }>(
    'SELECT plan_hash FROM managed_resources WHERE uid = $1',
    [uid],
  );
  return rows[0]?.plan_hash ?? undefined;
}

/** The object a run acts on, as the test knows it. */
export interface Subject {
  run: Run;
  uid?: string;
  /** The outside resource before the operation (none before a create). */
  before?: RecordedRow;
  /** The outbox position before the operation: events after it are the operation's. */
  outboxSeq: string;
}

/** When the operation really begins: a console delete is only believed once the row's visibility grace is over. */
export function leadMs(s: Subject, now: number): number {
  if (s.run.edit !== 'delete' || !s.before) return 0;
  // controllers/{compute,volume}/client.ts: visibilityGraceMs, with a margin for the zone listing.
  const graceEnds = new Date(s.before.updated_at).getTime() + 15_000 + 1_500;
  return Math.max(0, graceEnds - now);
}

/** Starts the run's operation. */
export async function act(kc: k8s.KubeConfig, console: CloudConsole, ns: string, s: Subject): Promise<void> {
  const { run } = s;
  const plural = pluralOf[run.kind];
  const id = s.before?.provider_id ?? '';
  switch (run.op) {
    case 'create':
      return create(kc, manifestOf(ns, run.kind, run.name));
    case 'delete':
      return remove(kc, plural, ns, run.name);
    case 'update':
      return run.kind === 'Compute'
        ? patchSpec(kc, plural, ns, run.name, { powerState: 'Stopped' })
        : patchSpec(kc, plural, ns, run.name, { sizeGiB: grownVolumeSize });
    case 'remediate':
      switch (run.edit) {
        case 'stop':
        case 'stop-again':
          await console.setPower(id, 'stopped');
          return;
        case 'resize':
          await console.resizeInstance(id, { vcpu: (s.before?.vcpu ?? 1) + 1 });
          return;
        case 'delete':
          await (run.kind === 'Compute' ? console.deleteInstance(id) : console.deleteVolume(id));
          return;
        case 'grow':
          await console.growVolume(id, consoleVolumeSize);
          return;
      }
  }
  throw new Error(`no operation for ${run.name}`);
}

/** The phase the object settles in, or undefined when it must be gone. */
export function finalPhase(run: Run): string | undefined {
  if (run.op === 'delete') return undefined;
  if (run.kind === 'Network') return 'Ready';
  if (run.kind === 'Volume') return 'Available';
  return run.op === 'update' ? 'Stopped' : 'Running';
}

const created: Readonly<Record<Kind, readonly string[]>> = {
  Compute: ['Pending', 'Scheduled', 'Provisioning', 'Running'],
  Volume: ['Pending', 'Creating', 'Available'],
  Network: ['Allocating', 'Provisioning', 'Ready'],
};

/** Every phase the object's life must have entered once, in order: its creation, then the operation. */
export function expectedPhases(run: Run): readonly string[] {
  const made = created[run.kind];
  if (run.op === 'create') return made;
  if (run.op === 'delete')
    return [
      ...made,
      ...{
        Compute: ['Terminating', 'Terminated'],
        Volume: ['Deleting', 'Deleted'],
        Network: ['Deleting', 'Deleted'],
      }[run.kind],
    ];
  if (run.op === 'update')
    return [...made, ...(run.kind === 'Compute' ? ['Stopping', 'Stopped'] : ['Resizing', 'Available'])];
  switch (run.edit) {
    case 'delete':
      // Given up as failed, then created afresh under a new attempt.
      return [...made, 'Failed', ...made];
    case 'grow':
      // Recorded at the size it was grown to.
      return [...made, 'Resizing', 'Available'];
    default:
      // Put back by a remediation plan: no phase changes.
      return made;
  }
}

/** The kind's lifecycle table, where it has one. */
export function lifecycleOf(kind: Kind): Readonly<Record<string, readonly string[]>> | undefined {
  if (kind === 'Compute')
    return computeTransitions as Readonly<Record<ComputePhase, readonly ComputePhase[]>>;
  if (kind === 'Volume') return volumeTransitions as Readonly<Record<VolumePhase, readonly VolumePhase[]>>;
  return undefined;
}

export const driftEventTypes = [
  'drift-detected',
  'remediation-started',
  'remediated',
  'drift-cleared',
] as const;
export type DriftEventType = (typeof driftEventTypes)[number];

/** How many of each drift event the object's life must have. */
export function expectedDriftEvents(run: Run): Record<DriftEventType, number> {
  const none = { 'drift-detected': 0, 'remediation-started': 0, remediated: 0, 'drift-cleared': 0 };
  if (run.op !== 'remediate') return none;
  switch (run.edit) {
    case 'stop':
    case 'resize':
      return { 'drift-detected': 1, 'remediation-started': 1, remediated: 1, 'drift-cleared': 1 };
    case 'stop-again':
      return { 'drift-detected': 2, 'remediation-started': 2, remediated: 2, 'drift-cleared': 2 };
    case 'delete':
      // Recreated, not remediated by a plan.
      return { ...none, 'drift-detected': 1, 'drift-cleared': 1 };
    default:
      // A volume grown outside cannot shrink: the drift is reported and stays.
      return { ...none, 'drift-detected': 1 };
  }
}

/** The Drifted condition the settled object shows. */
export function expectedDrifted(run: Run): 'True' | 'False' {
  return run.edit === 'grow' ? 'True' : 'False';
}
