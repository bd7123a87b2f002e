// Whose an outside resource is, as infra_db records it: the tenant whose object created or adopted it. A kind's
// row is closed, never removed, when its object goes with deletionPolicy Orphan, so the resource stays that
// tenant's at the provider (a Network's row goes to give its range back: released.ts keeps whose it was). An
// object of another tenant that names it by the omnicloud.io/external-name annotation is refused before the
// provider is asked about it: nothing of the resource reaches that tenant's status or events, and nothing that
// tenant's spec asks for is done to it. The refusal does not say whose it is, nor does the one the managed
// reconciler gives when another tenant's object still holds it. Pure.
import { TerminalError } from '../../operator/action.ts';
import { externalNameAnnotation } from '../../crds/schemas/managed.ts';
import { tenantOfNamespace } from '../tenant/children.ts';

export const OwnershipReasons = {
  OwnedByAnotherTenant: 'OwnedByAnotherTenant',
} as const;

/**
 * The refusal to adopt `externalId` into `tenant`, or undefined when it may: `recordedIn` are the namespaces of
 * every row of the kind that ever held that provider id (live or closed).
 */
export function adoptionRefusedByOwner(
  what: 'instance' | 'volume' | 'network' | 'bucket',
  externalId: string,
  tenant: string,
  recordedIn: readonly string[],
): TerminalError | undefined {
  if (recordedIn.every((namespace) => tenantOfNamespace(namespace) === tenant)) return undefined;
  return new TerminalError(anotherTenantsMessage(what, externalId), OwnershipReasons.OwnedByAnotherTenant);
}

/** The refusal's words, which never say whose the resource is (a namespace or a name would tell another tenant). */
export function anotherTenantsMessage(what: string, externalId: string): string {
  return (
    `${what} ${externalId} belongs to another tenant and cannot be adopted here; ` +
    `fix the ${externalNameAnnotation} annotation to name a resource this tenant created or one made outside OmniCloud`
  );
}

/** What a kind's outside resource is called in a refusal: a Compute's is an instance. */
export function outsideNoun(kind: string): string {
  return kind === 'Compute' ? 'instance' : kind.toLowerCase();
}
