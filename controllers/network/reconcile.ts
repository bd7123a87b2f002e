// The Network controller: allocates the network's CIDR and subnets in infra_db, creates the network at the
// provider (idempotent by the object's uid), and shows address usage per subnet. Deletion frees the ranges
// behind a finalizer, and is held back while instances still use addresses in the network.
import type * as k8s from '@kubernetes/client-node';
import type { Pool, PoolClient } from 'pg';
import { done, requeueAfter, retryAfterOf, TerminalError, type Action } from '../../operator/action.ts';
import { failureForStatus } from '../failure.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import { addFinalizer, finalizerDecision, removeFinalizer } from '../../operator/finalizer.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import { networkSpecSchema, type Network, type NetworkStatus } from '../../crds/schemas/network.ts';
import { showingDatabaseOutage } from '../db/unavailable.ts';
import { recordTransition } from '../events/outbox.ts';
import type { CloudProvider } from '../provider/types.ts';
import { ProviderNotFoundError, ProviderUnavailableError } from '../provider/types.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { withTransaction } from '../compute/store.ts';
import { alreadyShown, invalidSpec } from '../invalid-spec.ts';
import { NetworkReasons, networkStatus, overlapMessage, type NetworkObserved } from './status.ts';
import { networkSpecProblems } from './spec-check.ts';
import { networkWatches } from './watches.ts';
import {
  allocateNetwork,
  allocateSubnets,
  findNetwork,
  findNetworkByName,
  IpamRefusal,
  recordedNetwork,
  releaseNetwork,
  subnetUsage,
  type NetworkRow,
} from './store.ts';

export const networkFinalizer = 'omnicloud.io/network-cleanup';
export const networkResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Network',
  plural: 'networks',
  namespaced: true,
};

export interface NetworkDeps {
  pool: Pool;
  provider: CloudProvider;
  onOutbox?: () => void;
}

type Obj = Network & k8s.KubernetesObject;

export function networkController(deps: NetworkDeps): ControllerSpec<Obj> {
  return {
    name: 'network',
    resource: networkResource,
    watches: networkWatches(networkResource),
    reconcile: showingDatabaseOutage(networkResource, 'infra_db', ['Ready'], (obj, ctx) =>
      reconcileNetwork(obj, ctx, deps),
    ),
    async onTerminalError(net, err, ctx) {
      const status = networkStatus(
        net,
        {
          phase: 'Failed',
          problem: {
            reason: (err as TerminalError).reason ?? NetworkReasons.InvalidSpec,
            message: err.message,
          },
        },
        new Date(ctx.clock.now()),
      );
      const changed = await writeStatus(ctx.kc, networkResource, net, status);
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed)
        await ctx.events.record(
          net,
          'Warning',
          (err as TerminalError).reason ?? NetworkReasons.InvalidSpec,
          err.message,
        );
    },
  };
}

async function moveTo(
  client: PoolClient,
  net: Obj,
  row: NetworkRow,
  to: string,
  change: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const sets = ['phase = $3', 'updated_at = now()'];
  const values: unknown[] = [row.uid, row.phase, to];
  for (const [k, v] of Object.entries(change)) {
    values.push(v);
    sets.push(`${k} = $${values.length}`);
  }
  const { rowCount } = await client.query(
    `UPDATE networks SET ${sets.join(', ')} WHERE uid = $1 AND phase = $2`,
    values,
  );
  if (rowCount !== 1) throw new Error(`network ${net.metadata.name} moved on while being updated; retrying`);
  const ns = net.metadata.namespace!;
  await recordTransition(
    client,
    {
      kind: 'Network',
      uid: row.uid,
      namespace: ns,
      name: net.metadata.name,
      tenant: tenantOfNamespace(ns),
      from: row.phase,
      to,
      details: { region: net.spec.region, cidr: row.cidr },
    },
    now,
  );
}

export async function reconcileNetwork(
  net: Obj,
  ctx: ReconcileContext<Obj>,
  deps: NetworkDeps,
): Promise<Action> {
  switch (finalizerDecision(net, networkFinalizer)) {
    case 'gone':
      return done;
    case 'add-finalizer':
      await addFinalizer(ctx.kc, networkResource, net, networkFinalizer);
      return done;
    case 'cleanup':
      return cleanup(net, ctx, deps);
    case 'apply':
      break;
  }
  const uid = net.metadata.uid;
  const recorded = await recordedNetwork(deps.pool, uid);
  const invalid = invalidSpec(networkSpecProblems(net, recorded));
  const parsed = networkSpecSchema.safeParse(net.spec);
  // With nothing recorded there is nothing to keep working from, and nothing is allocated for such a spec.
  // Once recorded, the network keeps what was applied and the spec's problem is shown beside it.
  if (!parsed.success || (invalid && !recorded))
    throw new TerminalError(invalid?.message ?? 'spec is invalid', NetworkReasons.InvalidSpec);
  const spec = parsed.data;
  const now = () => new Date(ctx.clock.now());
  const scope = net.metadata.namespace!;
  let observed: NetworkObserved;
  let action: Action = done;
  try {
    let row = await withTransaction(deps.pool, async (client) => {
      const created = !(await findNetwork(client, uid));
      const r = await allocateNetwork(client, {
        uid,
        scope,
        name: net.metadata.name,
        region: spec.region,
        cidr: spec.cidr,
        prefixLength: spec.prefixLength,
      });
      // A spec that cannot be acted on adds nothing either, not even the subnets it would add.
      if (!invalid) await allocateSubnets(client, r, spec.subnets);
      if (created)
        await recordTransition(
          client,
          {
            kind: 'Network',
            uid,
            namespace: scope,
            name: net.metadata.name,
            tenant: tenantOfNamespace(scope),
            from: null,
            to: 'Allocating',
            details: { region: spec.region, cidr: r.cidr },
          },
          now(),
        );
      return r;
    });
    if (row.phase === 'Allocating') {
      const op = await deps.provider.createNetwork({
        idempotencyToken: uid,
        region: spec.region,
        cidr: row.cidr,
      });
      await withTransaction(deps.pool, (c) =>
        moveTo(c, net, row, 'Provisioning', { operation_id: op.id }, now()),
      );
      deps.onOutbox?.();
      row = { ...row, phase: 'Provisioning', operation_id: op.id };
    }
    if (row.phase === 'Provisioning') {
      const op = await deps.provider.getOperation(row.operation_id!);
      if (op.status === 'succeeded') {
        await withTransaction(deps.pool, (c) =>
          moveTo(c, net, row, 'Ready', { provider_id: op.resourceId }, now()),
        );
        deps.onOutbox?.();
        row = { ...row, phase: 'Ready', provider_id: op.resourceId ?? null };
        await ctx.events.record(
          net,
          'Normal',
          NetworkReasons.Available,
          `network ${row.cidr} is available in ${spec.region}`,
        );
      } else if (op.status === 'failed') {
        // The provider refused: allocate again later with a fresh operation.
        await withTransaction(deps.pool, (c) =>
          moveTo(c, net, row, 'Allocating', { operation_id: null }, now()),
        );
        observed = {
          phase: 'Provisioning',
          cidr: row.cidr,
          problem: {
            reason: NetworkReasons.ProvisioningFailed,
            message: `the provider failed to create the network: ${op.error?.message ?? 'no reason given'}; retrying`,
          },
        };
        await writeStatus(ctx.kc, networkResource, net, networkStatus(net, observed, now()));
        return requeueAfter(10_000);
      } else {
        action = requeueAfter(500);
      }
    }
    const client = await deps.pool.connect();
    const missingPeers: string[] = [];
    let subnets;
    try {
      subnets = await subnetUsage(client, uid);
      for (const p of spec.peerings) {
        const peer = await findNetworkByName(client, scope, p.network);
        if (!peer || peer.phase !== 'Ready') missingPeers.push(p.network);
      }
    } finally {
      client.release();
    }
    if (missingPeers.length > 0 && action === done) action = requeueAfter(15_000);
    const phase = row.phase === 'Ready' ? 'Ready' : 'Provisioning';
    observed = {
      phase,
      cidr: row.cidr,
      providerId: row.provider_id,
      operationId: row.operation_id,
      subnets,
      missingPeers,
    };
  } catch (err) {
    if (err instanceof IpamRefusal) {
      const message = err.holder
        ? overlapMessage(spec.cidr!, err.holder, ctx.cache.get(err.holder.name, scope))
        : err.message;
      observed = { phase: 'Failed', problem: { reason: NetworkReasons[err.reason], message } };
      // The deletion of the network holding the range wakes this one (watches.ts); this is only a backstop.
      action = requeueAfter(60_000);
    } else if (err instanceof ProviderUnavailableError) {
      observed = {
        phase: 'Provisioning',
        problem: {
          reason: NetworkReasons.ProviderUnavailable,
          message: `the cloud provider is unavailable: ${err.message}; retrying`,
        },
      };
      action = requeueAfter(5_000);
    } else {
      throw err;
    }
  }
  if (invalid) observed = { ...observed, problem: invalid };
  const status: NetworkStatus = networkStatus(net, observed, now());
  if (invalid && !alreadyShown(net.status, invalid)) {
    await ctx.events.record(net, 'Warning', invalid.reason, invalid.message);
  } else if (status.phase === 'Failed' && net.status?.phase !== 'Failed') {
    await ctx.events.record(
      net,
      'Warning',
      status.conditions!.find((c) => c.type === 'Ready')!.reason,
      status.conditions!.find((c) => c.type === 'Ready')!.message,
    );
  }
  await writeStatus(ctx.kc, networkResource, net, status);
  return action;
}

async function cleanup(net: Obj, ctx: ReconcileContext<Obj>, deps: NetworkDeps): Promise<Action> {
  const now = () => new Date(ctx.clock.now());
  const uid = net.metadata.uid;
  const row = await withTransaction(deps.pool, (c) => findNetwork(c, uid));
  if (row) {
    try {
      // Refused while instances hold addresses: nothing at the provider is touched before that is clear.
      const inUse = await deps.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM addresses WHERE network_uid = $1',
        [uid],
      );
      if (Number(inUse.rows[0]!.n) > 0)
        throw new IpamRefusal(
          `${inUse.rows[0]!.n} instance(s) still hold addresses in this network; delete them first`,
          'InUse',
        );
      if (row.provider_id && row.phase !== 'Deleting') {
        const op = await deps.provider.deleteNetwork(row.provider_id, `${uid}:delete`);
        await withTransaction(deps.pool, (c) =>
          moveTo(c, net, row, 'Deleting', { operation_id: op.id }, now()),
        );
        deps.onOutbox?.();
        return requeueAfter(500);
      }
      if (row.phase === 'Deleting' && row.operation_id) {
        const op = await deps.provider.getOperation(row.operation_id).catch((err: unknown) => {
          if (err instanceof ProviderNotFoundError) return { status: 'succeeded' as const };
          throw err;
        });
        if (op.status === 'pending' || op.status === 'running') return requeueAfter(500);
        if (op.status === 'failed')
          throw new Error(
            `the provider failed to delete the network: ${'error' in op ? op.error?.message : ''}`,
          );
      }
      await withTransaction(deps.pool, async (c) => {
        await releaseNetwork(c, uid);
        const ns = net.metadata.namespace!;
        await recordTransition(
          c,
          {
            kind: 'Network',
            uid,
            namespace: ns,
            name: net.metadata.name,
            tenant: tenantOfNamespace(ns),
            from: row.phase,
            to: 'Deleted',
            details: { region: net.spec.region, cidr: row.cidr },
          },
          now(),
        );
      });
      deps.onOutbox?.();
    } catch (err) {
      // A throttled call goes back to the runtime, which waits as long as the provider asked.
      if (retryAfterOf(err) !== undefined) throw err;
      const reason = err instanceof IpamRefusal ? NetworkReasons.InUse : NetworkReasons.ProviderUnavailable;
      const status = networkStatus(
        net,
        {
          phase: 'Deleting',
          cidr: row.cidr,
          problem: { reason, message: `cannot delete yet: ${failureForStatus(err)}` },
        },
        now(),
      );
      await writeStatus(ctx.kc, networkResource, net, status);
      return requeueAfter(err instanceof IpamRefusal ? 5_000 : 10_000);
    }
  }
  await removeFinalizer(ctx.kc, networkResource, net, networkFinalizer);
  return done;
}
