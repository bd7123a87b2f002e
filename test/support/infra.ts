// Networks, Computes, Volumes and the cloud simulator for tests that run the whole slice against the real stack.
import * as k8s from '@kubernetes/client-node';
import type { Compute } from '../../crds/schemas/compute.ts';
import type { Network } from '../../crds/schemas/network.ts';
import type { Volume } from '../../crds/schemas/volume.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { eventually, httpStatus } from './kube.ts';

export const api = { group: 'omnicloud.io', version: 'v1alpha1' };

export async function createNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

export async function deleteNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespace({ name })
    .catch(() => undefined);
}

export function networkManifest(
  namespace: string,
  name: string,
  spec: Partial<Network['spec']> = {},
): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Network',
    metadata: { name, namespace },
    spec: {
      region: 'eu-west-1',
      prefixLength: 16,
      subnets: [
        { name: 'a', zone: 'eu-west-1a', prefixLength: 24 },
        { name: 'b', zone: 'eu-west-1b', prefixLength: 24 },
      ],
      ...spec,
    },
  };
}

export function computeManifest(
  namespace: string,
  name: string,
  spec: Partial<Compute['spec']> = {},
  labels: Record<string, string> = {},
): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Compute',
    metadata: { name, namespace, labels },
    spec: { region: 'eu-west-1', size: 'small', image: 'debian-12', network: 'net', subnet: 'a', ...spec },
  };
}

export function volumeManifest(namespace: string, name: string, spec: Partial<Volume['spec']> = {}): object {
  return {
    apiVersion: 'omnicloud.io/v1alpha1',
    kind: 'Volume',
    metadata: { name, namespace },
    spec: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 10, type: 'ssd', ...spec },
  };
}

export type InfraPlural = 'networks' | 'computes' | 'volumes';

export async function create(kc: k8s.KubeConfig, manifest: object): Promise<void> {
  const m = manifest as { kind: string; metadata: { namespace: string } };
  await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
    ...api,
    plural: `${m.kind.toLowerCase()}s`,
    namespace: m.metadata.namespace,
    body: manifest,
  });
}

export async function read<T>(
  kc: k8s.KubeConfig,
  plural: InfraPlural,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  try {
    return (await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .getNamespacedCustomObject({ ...api, plural, namespace, name })) as T;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  }
}

export async function remove(
  kc: k8s.KubeConfig,
  plural: InfraPlural,
  namespace: string,
  name: string,
): Promise<void> {
  await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .deleteNamespacedCustomObject({ ...api, plural, namespace, name })
    .catch(() => undefined);
}

export async function patchSpec(
  kc: k8s.KubeConfig,
  plural: InfraPlural,
  namespace: string,
  name: string,
  spec: object,
): Promise<void> {
  await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...api, plural, namespace, name, body: { spec } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
}

export function condition(
  obj:
    | { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }
    | undefined,
  type: string,
) {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

export function waitFor<T extends { status?: unknown }>(
  kc: k8s.KubeConfig,
  plural: InfraPlural,
  namespace: string,
  name: string,
  what: string,
  test: (o: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  return eventually(
    `${plural} ${namespace}/${name}: ${what}`,
    async () => {
      const o = await read<T>(kc, plural, namespace, name);
      return o && test(o) ? o : undefined;
    },
    timeoutMs,
  );
}

export const inPhase = (phase: string) => (o: { status?: { phase?: string } }) => o.status?.phase === phase;

/** The simulator's admin API: fault injection and a view of its state. */
export const simulator = {
  async faults(body: object): Promise<void> {
    const res = await fetch(`${endpoints().provider}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator refused ${JSON.stringify(body)}: ${await res.text()}`);
  },
  async clearFaults(): Promise<void> {
    await fetch(`${endpoints().provider}/admin/faults`, { method: 'DELETE' });
  },
};

/**
 * Test clean-up: deletes the Volumes and Computes, then the Networks, and waits for each to be gone (their finalizers
 * need a running operator). Best effort: a clean-up never fails the test it follows.
 */
export async function removeInfra(
  kc: k8s.KubeConfig,
  namespace: string,
  computes: string[],
  networks = ['net'],
  volumes: string[] = [],
): Promise<void> {
  const gone = (plural: InfraPlural, name: string, timeoutMs: number) =>
    eventually(
      `${plural} ${name} gone`,
      async () => ((await read(kc, plural, namespace, name)) ? undefined : true),
      timeoutMs,
    ).catch(() => undefined);
  for (const name of volumes) await remove(kc, 'volumes', namespace, name);
  for (const name of computes) await remove(kc, 'computes', namespace, name);
  for (const name of volumes) await gone('volumes', name, 60_000);
  for (const name of computes) await gone('computes', name, 90_000);
  for (const name of networks) await remove(kc, 'networks', namespace, name);
  for (const name of networks) await gone('networks', name, 60_000);
}
