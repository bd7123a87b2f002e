// One lifecycle step of a Compute: from the recorded phase, do the one thing that phase calls for and record
// the outcome. Returns 'continue' when the next step can run at once, or an Action to wait.
import type { Logger } from 'pino';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import type { ComputeSpec } from '../../crds/schemas/compute.ts';
import { allocateAddress, findNetworkByName, listSubnets, releaseAddress } from '../network/store.ts';
import { createdResource, deletionOutcome, isPending } from '../provider/operations.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../provider/types.ts';
import type { ComputeDeps, ComputeObj } from './reconcile.ts';
import { checkQuota, QuotaExceeded } from './quota.ts';
import { ComputeReasons, type ComputeProblem } from './status.ts';
import {
  CapacityConflict,
  recordOperation,
  releaseHost,
  reserveHost,
  transition,
  withTransaction,
  type InstanceRow,
} from './store.ts';

export interface StepContext {
  deps: ComputeDeps;
  obj: ComputeObj;
  spec: ComputeSpec;
  tenant: string;
  now: () => Date;
  log: Logger;
}

export interface StepResult {
  row: InstanceRow;
  action: Action | 'continue';
  problem?: ComputeProblem;
}

/** How long a failed provisioning waits before the instance is scheduled afresh. */
export const retryFailedAfterMs = 30_000;
const pollMs = 300;

export async function provisionStep(s: StepContext, row: InstanceRow): Promise<StepResult> {
  const { deps } = s;
  const move = (to: InstanceRow['phase'], change = {}) =>
    withTransaction(deps.pool, (c) => transition(c, row, to, change, s.tenant, s.now()));
  switch (row.phase) {
    case 'Pending':
      return schedule(s, row);
    case 'Scheduled': {
      // Record the intent first: from Provisioning on, deletion asks the provider what exists.
      const next = await move('Provisioning', { operation_id: null });
      return { row: await createAtProvider(s, next), action: 'continue' };
    }
    case 'Provisioning': {
      if (!row.operation_id) return { row: await createAtProvider(s, row), action: 'continue' };
      const op = await deps.provider.getOperation(row.operation_id);
      if (isPending(op)) return { row, action: requeueAfter(pollMs) };
      if (op.status === 'succeeded') {
        return {
          row: await move('Running', { provider_id: op.resourceId ?? row.provider_id, message: null }),
          action: 'continue',
        };
      }
      const message = `the provider could not ${row.provider_id ? 'start' : 'create'} the instance: ${op.error?.message ?? 'no reason given'}`;
      if (row.provider_id) return { row: await move('Failed', { message }), action: requeueAfter(5_000) };
      return { row: await failAndRelease(s, row, message), action: requeueAfter(retryFailedAfterMs) };
    }
    case 'Running': {
      // Reached only while the spec wants the instance stopped: settled instances are observed, not stepped.
      const op = await deps.provider.stopInstance(row.provider_id!, `${row.uid}:stop:${row.operation_id}`);
      return { row: await move('Stopping', { operation_id: op.id }), action: 'continue' };
    }
    case 'Stopping': {
      const op = await deps.provider.getOperation(row.operation_id!);
      if (isPending(op)) return { row, action: requeueAfter(pollMs) };
      if (op.status === 'succeeded')
        return { row: await move('Stopped', { message: null }), action: 'continue' };
      return {
        row: await move('Failed', {
          message: `the provider could not stop the instance: ${op.error?.message}`,
        }),
        action: requeueAfter(5_000),
      };
    }
    case 'Stopped': {
      // Reached only while the spec wants the instance running.
      const op = await deps.provider.startInstance(row.provider_id!, `${row.uid}:start:${row.operation_id}`);
      return { row: await move('Provisioning', { operation_id: op.id }), action: 'continue' };
    }
    case 'Failed': {
      if (row.provider_id) return observeRecovery(s, row);
      const since = s.now().getTime() - (row.updated_at ? new Date(row.updated_at).getTime() : 0);
      if (since < retryFailedAfterMs)
        return {
          row,
          action: requeueAfter(retryFailedAfterMs - since),
          problem: {
            reason: ComputeReasons.ProvisioningFailed,
            message: `${row.message ?? 'failed'}; retrying in ${Math.ceil((retryFailedAfterMs - since) / 1000)}s`,
          },
        };
      return { row: await move('Pending', { message: null }), action: 'continue' };
    }
    default:
      return { row, action: done };
  }
}

async function schedule(s: StepContext, row: InstanceRow): Promise<StepResult> {
  const { deps, spec, obj } = s;
  const ns = obj.metadata.namespace!;
  const network = await findNetworkByName(deps.pool, ns, spec.network);
  if (!network || network.phase !== 'Ready') {
    return {
      row,
      action: requeueAfter(3_000),
      problem: {
        reason: ComputeReasons.WaitingForNetwork,
        message: `waiting for network ${spec.network} in ${ns} to be Ready`,
      },
    };
  }
  const subnet = (await listSubnets(deps.pool, network.uid)).find((x) => x.name === spec.subnet);
  if (!subnet)
    throw new TerminalError(
      `spec.subnet: network ${spec.network} has no subnet ${spec.subnet}`,
      ComputeReasons.InvalidSpec,
    );
  if (spec.zone && spec.zone !== subnet.zone) {
    throw new TerminalError(
      `spec.zone ${spec.zone} differs from subnet ${spec.subnet}'s zone ${subnet.zone}; omit spec.zone or pick a subnet in ${spec.zone}`,
      ComputeReasons.InvalidSpec,
    );
  }
  const request = {
    instanceId: row.uid,
    tenant: s.tenant,
    region: row.region,
    zone: subnet.zone,
    vcpu: row.vcpu,
    memoryMiB: row.memory_mib,
    gpu: row.gpu,
    labels: row.labels,
    affinity: spec.placement.affinity,
    antiAffinity: spec.placement.antiAffinity,
    placementGroup: spec.placement.group,
  };
  // Looked up before placing: between the placement and its transaction nothing may fail unreleased.
  const limits = await deps.quota?.(obj.metadata.namespace!);
  const placed = deps.placement.place(request);
  if (!placed.ok)
    return { row, action: requeueAfter(15_000), problem: { reason: placed.reason, message: placed.message } };
  try {
    const next = await withTransaction(deps.pool, async (c) => {
      if (limits) await checkQuota(c, row, limits);
      await reserveHost(c, placed.hostId, row);
      const ip = await allocateAddress(c, network.uid, subnet.name, row.uid);
      return transition(
        c,
        row,
        'Scheduled',
        {
          zone: placed.zone,
          host_id: placed.hostId,
          private_ip: ip,
          anti_affinity: request.antiAffinity,
        },
        s.tenant,
        s.now(),
        { network: spec.network, subnet: spec.subnet },
      );
    });
    return { row: next, action: 'continue' };
  } catch (err) {
    deps.placement.release(row.uid);
    if (err instanceof QuotaExceeded) {
      return {
        row,
        action: requeueAfter(10_000),
        problem: { reason: ComputeReasons.QuotaExceeded, message: err.message },
      };
    }
    if (err instanceof CapacityConflict) {
      // The in-memory view was behind the database: refresh it and choose again.
      s.log.info(
        { instance: row.uid, err: err.message },
        'placement lost a race for host capacity; rescheduling',
      );
      await deps.placement.refresh();
      return { row, action: 'continue' };
    }
    throw err;
  }
}

async function createAtProvider(s: StepContext, row: InstanceRow): Promise<InstanceRow> {
  const op = await s.deps.provider.createInstance({
    // One token per attempt: a create that failed created nothing, and the retry must not replay the failure.
    idempotencyToken: `${row.uid}:create:${row.create_attempt}`,
    region: row.region,
    zone: row.zone!,
    hostId: row.host_id!,
    vcpu: row.vcpu,
    memoryMiB: row.memory_mib,
    gpu: row.gpu,
    image: s.spec.image,
    privateIp: row.private_ip ?? undefined,
    publicIp: row.public_ip_requested,
    labels: row.labels,
    securityGroups: s.deps.securityGroups?.(row.namespace, s.spec.network, s.spec.securityGroups) ?? [],
  });
  // The provider id is recorded only when the create succeeds: until then the instance may never exist.
  return recordOperation(s.deps.pool, row, { operation_id: op.id });
}

async function failAndRelease(s: StepContext, row: InstanceRow, message: string): Promise<InstanceRow> {
  const next = await withTransaction(s.deps.pool, async (c) => {
    if (row.host_id) await releaseHost(c, row.host_id, row);
    await releaseAddress(c, row.uid);
    return transition(
      c,
      row,
      'Failed',
      { host_id: null, private_ip: null, provider_id: null, message, create_attempt: row.create_attempt + 1 },
      s.tenant,
      s.now(),
    );
  });
  s.deps.placement.release(row.uid);
  return next;
}

/**
 * The instance is gone at the provider while the spec wants it: give back its host and address and schedule it
 * afresh at once, with a new create attempt (so a new token, never the old instance's operation).
 */
export async function recreateInstance(s: StepContext, row: InstanceRow, why: string): Promise<StepResult> {
  const failed = await failAndRelease(s, row, why);
  const next = await withTransaction(s.deps.pool, (c) =>
    transition(c, failed, 'Pending', { message: null }, s.tenant, s.now(), { recreated: true }),
  );
  return { row: next, action: 'continue' };
}

/** A failed instance that exists at the provider: back to what it was once the provider says so. */
async function observeRecovery(s: StepContext, row: InstanceRow): Promise<StepResult> {
  const seen = await s.deps.provider.getInstance(row.provider_id!);
  if (seen?.state === 'running' || seen?.state === 'stopped') {
    const to = seen.state === 'running' ? 'Running' : 'Stopped';
    const next = await withTransaction(s.deps.pool, (c) =>
      transition(c, row, to, { message: null }, s.tenant, s.now(), { recovered: true }),
    );
    return { row: next, action: 'continue' };
  }
  const message = seen?.message ?? row.message ?? 'the instance is not available';
  return { row, action: requeueAfter(5_000), problem: { reason: ComputeReasons.ZoneOutage, message } };
}

export async function terminateStep(s: StepContext, row: InstanceRow): Promise<StepResult> {
  const { deps } = s;
  const move = (to: InstanceRow['phase'], change = {}) =>
    withTransaction(deps.pool, (c) => transition(c, row, to, change, s.tenant, s.now()));
  switch (row.phase) {
    case 'Terminated':
      return { row, action: done };
    case 'Pending':
      return { row: await move('Terminated'), action: done };
    case 'Scheduled':
      // Nothing was asked of the provider yet.
      return { row: await move('Terminating', { operation_id: null }), action: 'continue' };
    case 'Terminating': {
      if ((await deletionOutcome(deps.provider, row.operation_id, 'instance')) === 'pending')
        return { row, action: requeueAfter(pollMs) };
      const next = await withTransaction(deps.pool, async (c) => {
        if (row.host_id) await releaseHost(c, row.host_id, row);
        await releaseAddress(c, row.uid);
        return transition(
          c,
          row,
          'Terminated',
          { host_id: null, private_ip: null, public_ip: null },
          s.tenant,
          s.now(),
        );
      });
      deps.placement.release(row.uid);
      return { row: next, action: done };
    }
    default: {
      // Provisioning, Running, Stopping, Stopped or Failed: find out what exists at the provider, then delete it.
      let providerId = row.provider_id;
      if (!providerId && row.phase === 'Provisioning') {
        const created = await createdResource(deps.provider, row.operation_id, () =>
          createAtProvider(s, row),
        ).catch((err: unknown) => {
          // Asking again repeats the first request word for word: refused now, it was refused then, and
          // nothing was created (a spec the provider cannot act on, such as no memory).
          if (isRefusal(err)) return null;
          throw err;
        });
        if (created === 'pending') return { row, action: requeueAfter(pollMs) };
        providerId = created;
      }
      if (!providerId) return { row: await move('Terminating', { operation_id: null }), action: 'continue' };
      const op = await deps.provider.deleteInstance(providerId, `${row.uid}:delete`).catch((err: unknown) => {
        // The provider no longer knows the instance (deleted behind our back): it is gone, which is all a
        // delete asks for. Retrying would wait for ever for something that cannot exist again.
        if (err instanceof ProviderNotFoundError) return undefined;
        throw err;
      });
      return {
        row: await move('Terminating', { operation_id: op?.id ?? null, provider_id: providerId }),
        action: 'continue',
      };
    }
  }
}

/** The provider understood the request and refused it (4xx); an answer it could not give says nothing. */
function isRefusal(err: unknown): boolean {
  return (
    err instanceof ProviderRequestError && err.status >= 400 && err.status < 500 && err.code !== 'BadResponse'
  );
}
