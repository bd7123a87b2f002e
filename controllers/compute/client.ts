// The Compute's external client for the managed reconciler: its lifecycle steps (steps.ts), what the provider
// has of an instance (from the zone observer's last listing, or asked directly), and how drifted fields are
// put back (start or stop, resize, security groups).
import type { Logger } from 'pino';
import { requeueAfter, TerminalError } from '../../operator/action.ts';
import type { ExternalClient, Observation, StepContext, StepResult } from '../managed/kind.ts';
import { pathCovers, type DriftRecord } from '../managed/drift/index.ts';
import { ZoneObserver } from '../managed/observer.ts';
import { adoptionRefusedByOwner } from '../managed/ownership.ts';
import { releaseAddress } from '../network/store.ts';
import { isPending } from '../provider/operations.ts';
import type { InstanceInfo, SecurityGroup } from '../provider/types.ts';
import type { ComputeSpec } from '../../crds/schemas/compute.ts';
import type { ComputeDeps, ComputeObj } from './reconcile.ts';
import { demandOf } from './resources.ts';
import { readAttachments, releaseAttachments } from './attachment-store.ts';
import { allDetached, attachmentsSettled, attachStep, detachAllStep } from './attachments.ts';
import { ComputeReasons } from './status.ts';
import {
  provisionStep,
  recreateInstance,
  terminateStep,
  type StepContext as ComputeStepContext,
} from './steps.ts';
import {
  readInstance,
  recordAdopted,
  recordPending,
  recordPublicIp,
  releaseHost,
  transition,
  withTransaction,
  type InstanceRow,
} from './store.ts';

/** What drift is judged on: what a console user can change. */
export interface InstanceState {
  powerState: string;
  vcpu: number;
  memoryMiB: number;
  securityGroups: SecurityGroup[];
}

export function instanceState(info: InstanceInfo): InstanceState {
  const power = info.state === 'running' ? 'Running' : info.state === 'stopped' ? 'Stopped' : info.state;
  return {
    powerState: power,
    vcpu: info.vcpu,
    memoryMiB: info.memoryMiB,
    securityGroups: info.securityGroups ?? [],
  };
}

export function instanceObserver(
  deps: Pick<ComputeDeps, 'provider' | 'observeIntervalMs'>,
  log: Logger,
): ZoneObserver<InstanceInfo> {
  return new ZoneObserver<InstanceInfo>(
    'instances',
    async (scope, pageToken) => {
      const page = await deps.provider.listInstances({ region: scope.region, zone: scope.zone!, pageToken });
      return { items: page.items.map((i) => ({ id: i.id, state: i })), nextPageToken: page.nextPageToken };
    },
    deps.observeIntervalMs ?? 30_000,
    log,
  );
}

/** How long after its last change an instance the provider does not show is taken as not visible yet. */
const visibilityGraceMs = 15_000;

type Ctx = StepContext<ComputeObj, ComputeSpec>;

export function computeClient(
  deps: ComputeDeps,
  observer: ZoneObserver<InstanceInfo> | undefined,
): ExternalClient<ComputeObj, ComputeSpec, InstanceRow, InstanceState> {
  const steps = (s: Ctx): ComputeStepContext => ({ ...s, deps });
  const scopeOf = (row: InstanceRow) => ({ region: row.region, zone: row.zone ?? undefined });
  const stopTracking = (row: InstanceRow) => {
    if (row.provider_id) observer?.untrack(scopeOf(row), row.provider_id);
  };
  return {
    async read(uid) {
      const row = await readInstance(deps.pool, uid);
      return row && { ...row, attachments: await readAttachments(deps.pool, uid) };
    },
    async record(s, externalId) {
      if (externalId) {
        // Asked of infra_db first: the provider is never asked about another tenant's instance for this one.
        const { rows } = await deps.pool.query<{ namespace: string }>(
          'SELECT DISTINCT namespace FROM instances WHERE provider_id = $1',
          [externalId],
        );
        const refusal = adoptionRefusedByOwner(
          'instance',
          externalId,
          s.tenant,
          rows.map((r) => r.namespace),
        );
        if (refusal) throw refusal;
        const info = await deps.provider.getInstance(externalId);
        if (!info || info.state === 'terminated')
          throw new TerminalError(
            `the provider has no instance ${externalId} to adopt; fix the omnicloud.io/external-name annotation`,
            'ExternalResourceNotFound',
          );
        return withTransaction(deps.pool, (c) => recordAdopted(c, s.obj, s.spec, info, s.tenant, s.now()));
      }
      const demand = demandOf(s.spec);
      return withTransaction(deps.pool, (c) =>
        recordPending(
          c,
          {
            uid: s.obj.metadata.uid!,
            namespace: s.obj.metadata.namespace!,
            name: s.obj.metadata.name!,
            region: s.spec.region,
            zone: s.spec.zone ?? null,
            vcpu: demand.vcpu,
            memory_mib: demand.memoryMiB,
            gpu: demand.gpu,
            labels: s.obj.metadata.labels ?? {},
            placement_group: s.spec.placement.group?.name ?? null,
            placement_strategy: s.spec.placement.group?.strategy ?? null,
            public_ip_requested: s.spec.publicIp,
          },
          s.tenant,
          s.now(),
        ),
      );
    },
    async claimedBy(externalId, uid) {
      const { rows } = await deps.pool.query<{ namespace: string; name: string }>(
        `SELECT namespace, name FROM instances WHERE provider_id = $1 AND uid <> $2 AND phase <> 'Terminated'`,
        [externalId, uid],
      );
      return rows[0];
    },
    settled: (row, spec) => row.phase === spec.powerState && attachmentsSettled(row.attachments, spec),
    // Where the spec wants it, the instance gets the volumes it names; until then it is provisioned.
    create: (s, row) =>
      row.phase === s.spec.powerState ? attachStep(steps(s), row) : provisionStep(steps(s), row),
    async delete(s, row) {
      // Its volumes are detached first, so none is left held by an instance that is going.
      const detaching = !allDetached(row.attachments) ? await detachAllStep(steps(s), row) : undefined;
      if (detaching) return detaching;
      const result = await terminateStep(steps(s), row);
      if (result.row.phase === 'Terminated') stopTracking(result.row);
      return result;
    },
    gone: (row) => row.phase === 'Terminated',
    async release(s, row) {
      stopTracking(row);
      const next = await withTransaction(deps.pool, async (c) => {
        if (row.host_id) await releaseHost(c, row.host_id, row);
        await releaseAddress(c, row.uid);
        await releaseAttachments(c, row.uid);
        const change = { host_id: null, private_ip: null, public_ip: null };
        const orphaned = { orphaned: true, providerId: row.provider_id };
        if (row.phase === 'Pending')
          return transition(c, row, 'Terminated', change, s.tenant, s.now(), orphaned);
        const leaving =
          row.phase === 'Terminating'
            ? row
            : await transition(c, row, 'Terminating', {}, s.tenant, s.now(), orphaned);
        return transition(c, leaving, 'Terminated', change, s.tenant, s.now(), orphaned);
      });
      deps.placement.release(row.uid);
      return next;
    },
    desired: (spec, row) => ({
      powerState: spec.powerState,
      vcpu: row.vcpu,
      memoryMiB: row.memory_mib,
      securityGroups: deps.securityGroups?.(row.namespace, spec.network, spec.securityGroups) ?? [],
    }),
    async observe(row, fresh): Promise<Observation<InstanceState>> {
      if (!row.provider_id) return { exists: 'unknown' };
      if (!fresh && observer?.active) {
        observer.track(scopeOf(row), row.provider_id, `${row.namespace}/${row.name}`);
        const seen = observer.lookup(scopeOf(row), row.provider_id, row.updated_at);
        if (seen.exists !== true) {
          if (seen.exists === false) return confirmGone(row);
          return seen;
        }
        return { exists: true, state: instanceState(seen.state), raw: seen.state };
      }
      return confirmGone(row);
    },
    async interpret(s, row, raw) {
      const info = raw as InstanceInfo;
      if (info.state === 'failed') {
        const message = info.message ?? 'the provider reports the instance failed';
        const next = await withTransaction(deps.pool, (c) =>
          transition(c, row, 'Failed', { message }, s.tenant, s.now()),
        );
        stopTracking(row);
        return {
          row: next,
          action: requeueAfter(5_000),
          problem: { reason: ComputeReasons.ZoneOutage, message },
        };
      }
      if (info.publicIp && info.publicIp !== row.public_ip)
        return { row: await recordPublicIp(deps.pool, row, info.publicIp) };
      return undefined;
    },
    async update(s, row, records, token) {
      const ops: string[] = [];
      const id = row.provider_id!;
      const touches = (field: string) => records.some((r: DriftRecord) => pathCovers(field, r.path));
      if (touches('securityGroups')) {
        const groups = deps.securityGroups?.(row.namespace, s.spec.network, s.spec.securityGroups) ?? [];
        ops.push((await deps.provider.updateInstanceSecurityGroups(id, groups, `${token}:groups`)).id);
      }
      if (touches('vcpu') || touches('memoryMiB')) {
        const size = { vcpu: row.vcpu, memoryMiB: row.memory_mib };
        ops.push((await deps.provider.resizeInstance(id, size, `${token}:size`)).id);
      }
      if (touches('powerState')) {
        const op =
          s.spec.powerState === 'Running'
            ? await deps.provider.startInstance(id, `${token}:start`)
            : await deps.provider.stopInstance(id, `${token}:stop`);
        ops.push(op.id);
      }
      return ops;
    },
    async recreate(s, row, why) {
      stopTracking(row);
      return recreateInstance(steps(s), row, why);
    },
    async operation(id) {
      const op = await deps.provider.getOperation(id);
      if (isPending(op)) return 'pending';
      return op.status === 'succeeded' ? 'succeeded' : { failed: op.error?.message ?? 'no reason given' };
    },
  };

  async function confirmGone(row: InstanceRow): Promise<Observation<InstanceState>> {
    const info = await deps.provider.getInstance(row.provider_id!);
    const gone = !info || info.state === 'terminated';
    observer?.saw(scopeOf(row), row.provider_id!, gone ? undefined : info);
    if (gone) {
      // Right after a change the provider may not show the instance yet (eventual consistency): not gone.
      const since = Date.now() - (row.updated_at ? new Date(row.updated_at).getTime() : 0);
      return since < visibilityGraceMs ? { exists: 'unknown' } : { exists: false };
    }
    return { exists: true, state: instanceState(info), raw: info };
  }
}

export type ComputeStepResult = StepResult<InstanceRow>;
