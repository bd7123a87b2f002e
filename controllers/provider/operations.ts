// Reading the provider's asynchronous operations the same way in every controller: whether one is still under
// way, what a create that may or may not have reached the provider left behind, and how a delete ended.
import { ProviderNotFoundError, type CloudProvider, type Operation } from './types.ts';

export const isPending = (op: Operation): boolean => op.status === 'pending' || op.status === 'running';

/**
 * The provider id a create left: a string, null when it created nothing, or 'pending' while that is not known
 * yet. Without a recorded operation the create is asked for again with the same token (`askAgain`), which
 * returns the first operation if there was one and never a second resource.
 */
export async function createdResource(
  provider: CloudProvider,
  operationId: string | null,
  askAgain: () => Promise<unknown>,
): Promise<string | null | 'pending'> {
  if (!operationId) {
    await askAgain();
    return 'pending';
  }
  const created = await provider.getOperation(operationId);
  if (isPending(created)) return 'pending';
  return created.status === 'succeeded' ? (created.resourceId ?? null) : null;
}

/**
 * How a delete operation stands: 'pending', or 'done' (also when there was none, or the provider no longer
 * knows it). A failed delete throws, naming `what` and the provider's reason.
 */
export async function deletionOutcome(
  provider: CloudProvider,
  operationId: string | null,
  what: string,
): Promise<'pending' | 'done'> {
  if (!operationId) return 'done';
  const op = await provider.getOperation(operationId).catch((err: unknown) => {
    if (err instanceof ProviderNotFoundError) return undefined;
    throw err;
  });
  if (op && isPending(op)) return 'pending';
  if (op?.status === 'failed')
    throw new Error(`the provider could not delete the ${what}: ${op.error?.message ?? 'no reason given'}`);
  return 'done';
}
