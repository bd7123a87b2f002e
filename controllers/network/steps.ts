// One lifecycle step of a Network: from the recorded phase, do the one thing that phase calls for and record
// the outcome. Provisioning is recorded before the create is asked for, and the create carries a token derived
// from the row (its uid and attempt), so a crash between the two asks again and gets the first operation back,
// never a second network. A delete first finds out what a create under way left behind, so a network deleted
// while it is being created leaves nothing at the provider.
import type { Logger } from 'pino';
import { done, requeueAfter } from '../../operator/action.ts';
import type { NetworkSpec } from '../../crds/schemas/network.ts';
import { withTransaction } from '../db/transaction.ts';
import type { StepResult } from '../managed/kind.ts';
import { createdResource, deletionOutcome, isPending } from '../provider/operations.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../provider/types.ts';
import type { NetworkDeps } from './reconcile.ts';
import {
  moveNetwork,
  updateNetwork,
  type ManagedNetwork,
  type NetworkChange,
  type NetworkPhase,
} from './row.ts';
import { NetworkReasons } from './status.ts';
import { allocateSubnets, refuseWhileInUse, subnetUsage } from './store.ts';

export interface NetworkStepContext {
  deps: NetworkDeps;
  spec: NetworkSpec;
  tenant: string;
  now: () => Date;
  log: Logger;
}

type Result = StepResult<ManagedNetwork>;

/** How long a failed create waits before it is tried again. */
export const networkRetryAfterMs = 10_000;
const pollMs = 300;

/**
 * The idempotency token of the network's current create. The first attempt keeps the uid alone, the token
 * networks were created with before attempts were counted, so a create under way across that change is found
 * again rather than made twice.
 */
export function createToken(row: Pick<ManagedNetwork, 'uid' | 'create_attempt'>): string {
  return row.create_attempt === 0 ? row.uid : `${row.uid}:create:${row.create_attempt}`;
}

/** The subnets the spec names that infra_db does not hold yet. */
export function missingSubnets(spec: NetworkSpec, row: ManagedNetwork): string[] {
  return spec.subnets.map((s) => s.name).filter((name) => !row.subnets.some((h) => h.name === name));
}

function move(
  s: NetworkStepContext,
  row: ManagedNetwork,
  to: NetworkPhase,
  change: NetworkChange = {},
  details: Record<string, unknown> = {},
): Promise<ManagedNetwork> {
  return withTransaction(s.deps.pool, (c) => moveNetwork(c, row, to, change, s.tenant, s.now(), details));
}

/**
 * The provider refused the request itself (4xx): nothing was made. An answer that is not the provider's own
 * says nothing of what it did, so it is not taken for a refusal.
 */
const refused = (err: unknown): boolean => err instanceof ProviderRequestError && err.code !== 'BadResponse';

/** Asks the provider for the network and records the operation. */
async function askForNetwork(s: NetworkStepContext, row: ManagedNetwork): Promise<ManagedNetwork> {
  const op = await s.deps.provider.createNetwork({
    idempotencyToken: createToken(row),
    region: row.region,
    cidr: row.cidr,
  });
  return updateNetwork(s.deps.pool, row, { operation_id: op.id });
}

async function createFailed(s: NetworkStepContext, row: ManagedNetwork, why: string): Promise<Result> {
  // A failed create made nothing; the next attempt gets a token of its own instead of replaying this one.
  const next = await move(
    s,
    row,
    'Allocating',
    { operation_id: null, create_attempt: row.create_attempt + 1 },
    { message: why },
  );
  return {
    row: next,
    action: requeueAfter(networkRetryAfterMs),
    problem: {
      reason: NetworkReasons.ProvisioningFailed,
      message: `the provider failed to create the network: ${why}; retrying`,
    },
  };
}

export async function provisionStep(s: NetworkStepContext, row: ManagedNetwork): Promise<Result> {
  const { deps } = s;
  if (row.phase !== 'Deleting' && missingSubnets(s.spec, row).length > 0) {
    // Subnets live in infra_db only: allocated in the network's range whatever its provider state.
    await withTransaction(deps.pool, (c) => allocateSubnets(c, row, s.spec.subnets));
    return { row: { ...row, subnets: await subnetUsage(deps.pool, row.uid) }, action: 'continue' };
  }
  switch (row.phase) {
    case 'Allocating':
      // The intent first: from here on a delete asks what the create left behind.
      return { row: await move(s, row, 'Provisioning', { operation_id: null }), action: 'continue' };
    case 'Provisioning': {
      if (!row.operation_id) {
        try {
          return { row: await askForNetwork(s, row), action: 'continue' };
        } catch (err) {
          if (!refused(err)) throw err;
          return createFailed(s, row, (err as Error).message);
        }
      }
      const op = await deps.provider.getOperation(row.operation_id);
      if (isPending(op)) return { row, action: requeueAfter(pollMs) };
      if (op.status === 'succeeded')
        return {
          row: await move(s, row, 'Ready', { provider_id: op.resourceId ?? null }),
          action: 'continue',
        };
      return createFailed(s, row, op.error?.message ?? 'no reason given');
    }
    default:
      return { row, action: done };
  }
}

/** The range given back and the row closed: nothing of the network is left at the provider or in infra_db. */
async function closed(s: NetworkStepContext, row: ManagedNetwork): Promise<Result> {
  return { row: await move(s, row, 'Deleted', { operation_id: null }), action: done };
}

export async function deleteStep(s: NetworkStepContext, row: ManagedNetwork): Promise<Result> {
  const { deps } = s;
  if (row.phase === 'Deleted') return { row, action: done };
  // Refused while instances hold addresses: nothing at the provider is touched before that is clear.
  await refuseWhileInUse(deps.pool, row.uid);
  switch (row.phase) {
    case 'Allocating':
      return closed(s, row); // nothing was asked of the provider
    case 'Deleting': {
      if ((await deletionOutcome(deps.provider, row.operation_id, 'network')) === 'pending')
        return { row, action: requeueAfter(pollMs) };
      return closed(s, row);
    }
    default: {
      // Provisioning or Ready: find out what exists at the provider, then delete it.
      let providerId = row.provider_id;
      if (!providerId && row.phase === 'Provisioning') {
        const created = await createdResource(deps.provider, row.operation_id, () =>
          askForNetwork(s, row),
        ).catch((err: unknown) => {
          // Asked again with the same token and refused outright: the first ask created nothing either.
          if (refused(err)) return null;
          throw err;
        });
        if (created === 'pending') return { row, action: requeueAfter(pollMs) };
        providerId = created;
      }
      if (!providerId) return closed(s, row);
      try {
        const op = await deps.provider.deleteNetwork(providerId, `${row.uid}:delete:${providerId}`);
        const deleting = await move(s, row, 'Deleting', { operation_id: op.id, provider_id: providerId });
        return { row: deleting, action: 'continue' };
      } catch (err) {
        if (err instanceof ProviderNotFoundError) return closed(s, row); // the provider has no such network
        throw err;
      }
    }
  }
}
