// Objects the API server took under older CRD rules, for tests of what the operator and the webhooks do with
// them: one kind's CRD is installed without some of today's CEL rules while the objects are created, then
// every CRD is installed again as crds/ has it. Tests that use it run under the stack lock, as every test
// that installs CRDs does, so no other test meets the older rules; and the rules left out only let more in.
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { crdFor, type CelRule, type KindDefinition } from '../../crds/generator/crd.ts';
import type { JsonSchema } from '../../crds/generator/structural.ts';
import { memoryBounds } from '../../crds/schemas/compute.ts';
import { kubectlBinary } from '../../hack/stack/components/tools.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { adminConfig, eventually, httpStatus } from './kube.ts';
import { installCrds } from './operator.ts';

/** Rules the CRDs hold today and did not always: what older objects may break. */
export const laterRules = {
  /** A Compute's memory of at least 256Mi. */
  computeMemoryFloor: (r: CelRule) => r.rule.includes(`quantity('${memoryBounds.minimumMiB - 1}Mi')`),
  /** A Network's subnets in zones of its region. */
  networkSubnetZones: (r: CelRule) => r.rule.includes('s.zone.startsWith(self.region)'),
  /** A Network that does not peer with itself. */
  networkSelfPeering: (r: CelRule) => r.rule.includes('p.network != self.metadata.name'),
  /** A Tenant name that fits its namespace. */
  tenantName: (r: CelRule) => r.rule.includes('self.metadata.name.matches('),
};

/** The kind's CRD without the rules `older` picks; fails when it picks none, so a renamed rule is noticed. */
function olderCrd(kind: KindDefinition, older: (rule: CelRule) => boolean): object {
  const crd = crdFor(kind) as { spec: { versions: { schema: { openAPIV3Schema: JsonSchema } }[] } };
  let dropped = 0;
  const strip = (node: JsonSchema): void => {
    const rules = node['x-kubernetes-validations'] as CelRule[] | undefined;
    if (rules) {
      const kept = rules.filter((r) => !older(r));
      dropped += rules.length - kept.length;
      if (kept.length > 0) node['x-kubernetes-validations'] = kept;
      else delete node['x-kubernetes-validations'];
    }
    for (const child of Object.values((node.properties as Record<string, JsonSchema>) ?? {})) strip(child);
    if (node.items) strip(node.items as JsonSchema);
    if (typeof node.additionalProperties === 'object') strip(node.additionalProperties as JsonSchema);
  };
  strip(crd.spec.versions[0]!.schema.openAPIV3Schema);
  if (dropped === 0) throw new Error(`no rule of the ${kind.kind} CRD is the older one asked for`);
  return crd;
}

function apply(crd: object): void {
  execFileSync(
    kubectlBinary,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=omnicloud-install', '-f', '-'],
    {
      env: { ...process.env, KUBECONFIG: endpoints().kubeconfig },
      input: JSON.stringify(crd),
      stdio: 'pipe',
    },
  );
}

/**
 * Whether the API server's rules take `manifest` now: a server-side dry run of its create, under its own name
 * (a rule may read the name), where AlreadyExists means the rules had nothing to say.
 */
async function takes(manifest: { metadata: { namespace?: string } }, plural: string): Promise<boolean> {
  const custom = adminConfig().makeApiClient(k8s.CustomObjectsApi);
  const api = { group: 'omnicloud.io', version: 'v1alpha1', plural, body: manifest, dryRun: 'All' };
  try {
    await (manifest.metadata.namespace
      ? custom.createNamespacedCustomObject({ ...api, namespace: manifest.metadata.namespace })
      : custom.createClusterCustomObject(api));
    return true;
  } catch (err) {
    if (httpStatus(err) === 409) return true;
    if (httpStatus(err) === 422) return false;
    throw err;
  }
}

/**
 * Runs `create` while the kind's CRD lacks the rules `older` picks, once the API server takes `manifest`
 * (an object today's rules refuse); then installs today's CRDs and waits until it is refused again.
 */
export async function underOlderRules(
  kind: KindDefinition,
  older: (rule: CelRule) => boolean,
  manifest: object,
  create: () => Promise<void>,
): Promise<void> {
  const probe = manifest as { metadata: { namespace?: string } };
  apply(olderCrd(kind, older));
  try {
    await eventually(`the ${kind.kind} CRD without today's rules`, async () =>
      (await takes(probe, kind.plural)) ? true : undefined,
    );
    await create();
  } finally {
    installCrds();
    await eventually(`today's ${kind.kind} CRD`, async () =>
      (await takes(probe, kind.plural)) ? undefined : true,
    );
  }
}
