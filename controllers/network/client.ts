// The Network's external client for the managed reconciler: its range allocated in infra_db when it is
// recorded (or the range of the provider network it adopts), its lifecycle steps (steps.ts), what the provider
// has of it (from the region observer's last listing, or asked directly), and what drift means for it: a
// network's range cannot change in place, and a network deleted outside OmniCloud is created again.
import type { Logger } from 'pino';
import { TerminalError } from '../../operator/action.ts';
import { externalNameAnnotation } from '../../crds/schemas/managed.ts';
import type { NetworkSpec } from '../../crds/schemas/network.ts';
import { withTransaction } from '../db/transaction.ts';
import { recordTransition } from '../events/outbox.ts';
import type { ExternalClient, Observation, StepContext } from '../managed/kind.ts';
import { ZoneObserver } from '../managed/observer.ts';
import { adoptionRefusedByOwner } from '../managed/ownership.ts';
import { forgetReleased, recordReleased, releasedFrom } from '../managed/released.ts';
import { isPending } from '../provider/operations.ts';
import type { NetworkInfo } from '../provider/types.ts';
import type { NetworkDeps, NetworkObj } from './reconcile.ts';
import { moveNetwork, readManagedNetwork, transitionOf, updateNetwork, type ManagedNetwork } from './row.ts';
import { overlapMessage } from './status.ts';
import { deleteStep, missingSubnets, provisionStep, type NetworkStepContext } from './steps.ts';
import { allocateNetwork, allocateSubnets, findNetwork, IpamRefusal, type NetworkClaim } from './store.ts';

/** What drift is judged on: the network's range. */
export interface NetworkState {
  cidr: string;
}

/** How long after its last change a network the provider does not show is taken as not visible yet. */
const visibilityGraceMs = 15_000;

export function networkObserver(deps: NetworkDeps, log: Logger): ZoneObserver<NetworkInfo> {
  return new ZoneObserver<NetworkInfo>(
    'networks',
    async (scope, pageToken) => {
      const page = await deps.provider.listNetworks({ region: scope.region, pageToken });
      return { items: page.items.map((n) => ({ id: n.id, state: n })), nextPageToken: page.nextPageToken };
    },
    deps.observeIntervalMs ?? 30_000,
    log,
  );
}

type Ctx = StepContext<NetworkObj, NetworkSpec>;

export function networkClient(
  deps: NetworkDeps,
  observer: ZoneObserver<NetworkInfo> | undefined,
): ExternalClient<NetworkObj, NetworkSpec, ManagedNetwork, NetworkState> {
  const steps = (s: Ctx): NetworkStepContext => ({
    deps,
    spec: s.spec,
    tenant: s.tenant,
    now: s.now,
    log: s.log,
  });
  const scopeOf = (row: ManagedNetwork) => ({ region: row.region });
  const stopTracking = (row: ManagedNetwork) => {
    if (row.provider_id) observer?.untrack(scopeOf(row), row.provider_id);
  };

  /** Records the network's range and subnets, and the event of its first phase, once. */
  async function allocate(s: Ctx, claim: NetworkClaim, adopted?: NetworkInfo): Promise<ManagedNetwork> {
    try {
      return await withTransaction(deps.pool, async (c) => {
        const fresh = !(await findNetwork(c, claim.uid));
        const allocated = await allocateNetwork(c, claim);
        await allocateSubnets(c, allocated, s.spec.subnets);
        let row = (await readManagedNetwork(c, claim.uid))!;
        if (!fresh) return row;
        if (adopted) row = await updateNetwork(c, row, { provider_id: adopted.id }, 'Ready');
        const details = adopted ? { adopted: true, providerId: adopted.id } : {};
        await recordTransition(c, transitionOf(row, s.tenant, null, details), s.now());
        return row;
      });
    } catch (err) {
      // Named as the holder is now: there, being deleted, or gone while infra_db still holds its range.
      if (err instanceof IpamRefusal && err.holder) {
        const holder = s.cache?.get(err.holder.name, claim.scope);
        const message = overlapMessage(claim.cidr ?? '', err.holder, holder);
        throw new IpamRefusal(message, err.reason, err.holder);
      }
      throw err;
    }
  }

  async function confirmGone(row: ManagedNetwork): Promise<Observation<NetworkState>> {
    const info = await deps.provider.getNetwork(row.provider_id!);
    const gone = !info || info.state === 'deleted';
    // The next listing is compared with what this read saw, so a change made meanwhile still wakes the network.
    observer?.saw(scopeOf(row), row.provider_id!, gone ? undefined : info);
    if (gone) {
      // Right after a change the provider may not show the network yet (eventual consistency): not gone.
      const since = Date.now() - (row.updated_at ? new Date(row.updated_at).getTime() : 0);
      return since < visibilityGraceMs ? { exists: 'unknown' } : { exists: false };
    }
    return { exists: true, state: { cidr: info.cidr }, raw: info };
  }

  return {
    read: (uid) => readManagedNetwork(deps.pool, uid),
    async record(s, externalId) {
      const claim = {
        uid: s.obj.metadata.uid!,
        scope: s.obj.metadata.namespace!,
        name: s.obj.metadata.name!,
        region: s.spec.region,
        cidr: s.spec.cidr,
        prefixLength: s.spec.prefixLength,
      };
      if (!externalId) return allocate(s, claim);
      // Asked of infra_db first (the networks it holds, and those let go with deletionPolicy Orphan, whose rows
      // are gone): the provider is never asked about another tenant's network for this one.
      const { rows } = await deps.pool.query<{ namespace: string }>(
        'SELECT DISTINCT scope AS namespace FROM networks WHERE provider_id = $1',
        [externalId],
      );
      const recordedIn = [
        ...rows.map((r) => r.namespace),
        ...(await releasedFrom(deps.pool, 'Network', externalId)),
      ];
      const refusal = adoptionRefusedByOwner('network', externalId, s.tenant, recordedIn);
      if (refusal) throw refusal;
      const info = await deps.provider.getNetwork(externalId);
      if (!info || info.state === 'deleted')
        throw new TerminalError(
          `the provider has no network ${externalId} to adopt; fix the ${externalNameAnnotation} annotation`,
          'ExternalResourceNotFound',
        );
      // The range is the one the provider network has; a spec that says otherwise is shown as invalid.
      return allocate(s, { ...claim, region: info.region, cidr: info.cidr, prefixLength: undefined }, info);
    },
    async claimedBy(externalId, uid) {
      const { rows } = await deps.pool.query<{ namespace: string; name: string }>(
        'SELECT scope AS namespace, name FROM networks WHERE provider_id = $1 AND uid <> $2',
        [externalId, uid],
      );
      return rows[0];
    },
    settled: (row, spec) => row.phase === 'Ready' && missingSubnets(spec, row).length === 0,
    create: (s, row) => provisionStep(steps(s), row),
    async delete(s, row) {
      const result = await deleteStep(steps(s), row);
      if (result.row.phase === 'Deleted') {
        stopTracking(row);
        // Deleted at the provider: nobody holds it any more.
        if (row.provider_id) await forgetReleased(deps.pool, 'Network', row.provider_id);
      }
      return result;
    },
    gone: (row) => row.phase === 'Deleted',
    async release(s, row) {
      stopTracking(row);
      const orphaned = { orphaned: true, providerId: row.provider_id };
      // The row goes to give the range back; the network stays this tenant's at the provider.
      return withTransaction(deps.pool, async (c) => {
        if (row.provider_id) {
          const held = {
            kind: 'Network',
            providerId: row.provider_id,
            namespace: row.scope,
            tenant: s.tenant,
          };
          await recordReleased(c, held, s.now());
        }
        return moveNetwork(c, row, 'Deleted', { operation_id: null }, s.tenant, s.now(), orphaned);
      });
    },
    desired: (_spec, row) => ({ cidr: row.cidr }),
    async observe(row, fresh) {
      if (!row.provider_id) return { exists: 'unknown' };
      if (!fresh && observer?.active) {
        observer.track(scopeOf(row), row.provider_id, `${row.scope}/${row.name}`);
        const seen = observer.lookup(scopeOf(row), row.provider_id, row.updated_at);
        if (seen.exists === true) return { exists: true, state: { cidr: seen.state.cidr }, raw: seen.state };
        if (seen.exists === 'unknown') return seen;
      }
      return confirmGone(row);
    },
    cannotRevert: (r) =>
      r.path === 'cidr'
        ? "a network's range cannot change in place; create a new Network for the range it has now"
        : undefined,
    // Nothing of a network is put back in place: its range cannot change, and a missing one is recreated.
    update: async () => [],
    async recreate(s, row, why) {
      stopTracking(row);
      const next = await withTransaction(deps.pool, (c) =>
        moveNetwork(
          c,
          row,
          'Allocating',
          { provider_id: null, operation_id: null, create_attempt: row.create_attempt + 1 },
          s.tenant,
          s.now(),
          { message: why, previousProviderId: row.provider_id },
        ),
      );
      return { row: next, action: 'continue' };
    },
    async operation(id) {
      const op = await deps.provider.getOperation(id);
      if (isPending(op)) return 'pending';
      return op.status === 'succeeded' ? 'succeeded' : { failed: op.error?.message ?? 'no reason given' };
    },
  };
}
