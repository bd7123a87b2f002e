// The status a Compute shows, computed from its recorded row and what the reconcile observed. Pure.
import { setCondition, type Condition, type ConditionInput } from '../../operator/conditions.ts';
import type { Compute, ComputeStatus } from '../../crds/schemas/compute.ts';
import type { InstanceRow } from './store.ts';
import { attachmentsSettled } from './attachments.ts';

export const ComputeReasons = {
  Placed: 'Placed',
  WaitingForPlacement: 'WaitingForPlacement',
  WaitingForNetwork: 'WaitingForNetwork',
  AddressesExhausted: 'AddressesExhausted',
  QuotaExceeded: 'QuotaExceeded',
  Provisioning: 'Provisioning',
  Running: 'Running',
  Stopped: 'Stopped',
  Stopping: 'Stopping',
  Starting: 'Starting',
  ProvisioningFailed: 'ProvisioningFailed',
  ZoneOutage: 'ZoneOutage',
  ProviderUnavailable: 'ProviderUnavailable',
  Terminating: 'Terminating',
  Healthy: 'Healthy',
  InvalidSpec: 'InvalidSpec',
  VolumeNotFound: 'VolumeNotFound',
  VolumeInOtherZone: 'VolumeInOtherZone',
  VolumeInUse: 'VolumeInUse',
  WaitingForVolume: 'WaitingForVolume',
  AttachFailed: 'AttachFailed',
  AttachingVolumes: 'AttachingVolumes',
} as const;

/** Why a volume of spec.volumes is not attached. */
const attachmentReasons = new Set<string>([
  ComputeReasons.VolumeNotFound,
  ComputeReasons.VolumeInOtherZone,
  ComputeReasons.VolumeInUse,
  ComputeReasons.WaitingForVolume,
  ComputeReasons.AttachFailed,
]);

/** Why the instance waits or is degraded, when it does or is. */
export interface ComputeProblem {
  reason: string;
  message: string;
}

export function computeStatus(
  obj: Compute,
  row: InstanceRow | undefined,
  problem: ComputeProblem | undefined,
  now: Date,
): ComputeStatus {
  const gen = obj.metadata.generation;
  const set = (list: Condition[] | undefined, c: ConditionInput) => setCondition(list, c, now, gen);
  const phase = row?.phase ?? 'Pending';
  const desired = obj.spec.powerState ?? 'Running';
  // A volume of spec.volumes that cannot be attached keeps the instance from being what was asked for.
  const unattached = problem !== undefined && attachmentReasons.has(problem.reason);
  const attaching = phase === desired && !!row?.attachments && !attachmentsSettled(row.attachments, obj.spec);
  const settled =
    ((phase === 'Running' && desired === 'Running') || (phase === 'Stopped' && desired === 'Stopped')) &&
    !unattached &&
    !attaching;
  let conditions = set(
    obj.status?.conditions as Condition[] | undefined,
    row?.host_id
      ? {
          type: 'Scheduled',
          status: 'True',
          reason: ComputeReasons.Placed,
          message: `placed on host ${row.host_id} in ${row.zone}`,
        }
      : {
          type: 'Scheduled',
          status: 'False',
          reason: problem?.reason ?? ComputeReasons.WaitingForPlacement,
          message: problem?.message ?? 'waiting for the scheduler',
        },
  );
  const degraded = phase === 'Failed' || problem?.reason === ComputeReasons.ProviderUnavailable;
  conditions = set(
    conditions,
    degraded
      ? {
          type: 'Degraded',
          status: 'True',
          reason: problem?.reason ?? ComputeReasons.ProvisioningFailed,
          message: problem?.message ?? row?.message ?? 'the instance failed',
        }
      : { type: 'Degraded', status: 'False', reason: ComputeReasons.Healthy, message: 'no fault observed' },
  );
  conditions = set(
    conditions,
    settled && !degraded
      ? {
          type: 'Ready',
          status: 'True',
          reason: phase === 'Running' ? ComputeReasons.Running : ComputeReasons.Stopped,
          message:
            phase === 'Running'
              ? `running at ${row?.private_ip ?? 'no address'}${row?.public_ip ? ` (public ${row.public_ip})` : ''}`
              : 'stopped as requested',
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: problem?.reason ?? (attaching ? ComputeReasons.AttachingVolumes : reasonFor(phase)),
          message:
            problem?.message ??
            row?.message ??
            (attaching ? 'attaching and detaching volumes' : `the instance is ${phase.toLowerCase()}`),
        },
  );
  return {
    phase,
    observedGeneration: gen,
    ...(row?.host_id ? { hostId: row.host_id } : {}),
    ...(row?.zone ? { zone: row.zone } : {}),
    ...(row?.private_ip ? { privateIp: row.private_ip } : {}),
    ...(row?.public_ip ? { publicIp: row.public_ip } : {}),
    ...(row?.provider_id ? { providerId: row.provider_id } : {}),
    ...(row?.operation_id ? { operationId: row.operation_id } : {}),
    ...((obj.spec.volumes?.length ?? 0) > 0 || row?.attachments?.some((a) => a.phase !== 'Detached')
      ? { volumes: volumesShown(obj, row) }
      : {}),
    ...(problem?.message || row?.message
      ? { message: (problem?.message ?? row?.message)!.slice(0, 1024) }
      : {}),
    conditions,
  };
}

/** Each volume the spec names, and any still attached that it no longer names, with whether it is attached. */
function volumesShown(obj: Compute, row: InstanceRow | undefined): NonNullable<ComputeStatus['volumes']> {
  const list = row?.attachments ?? [];
  const names = [
    ...(obj.spec.volumes ?? []).map((v) => v.name),
    ...list.filter((a) => a.phase !== 'Detached').map((a) => a.volume_name),
  ];
  return [...new Set(names)].slice(0, 16).map((name) => {
    const a = list.find((x) => x.volume_name === name);
    return {
      name,
      attached: a?.phase === 'Attached',
      ...(a?.message ? { message: a.message.slice(0, 512) } : {}),
    };
  });
}

function reasonFor(phase: string): string {
  switch (phase) {
    case 'Scheduled':
    case 'Provisioning':
      return ComputeReasons.Provisioning;
    case 'Stopping':
      return ComputeReasons.Stopping;
    case 'Stopped':
      return ComputeReasons.Stopped;
    case 'Terminating':
    case 'Terminated':
      return ComputeReasons.Terminating;
    case 'Failed':
      return ComputeReasons.ProvisioningFailed;
    default:
      return ComputeReasons.WaitingForPlacement;
  }
}
