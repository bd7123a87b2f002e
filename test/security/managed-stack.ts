// What the security tests of managed resources share against the real stack: one operator for the file (its
// observe interval short), any number of Ready tenants each with its own namespace (and a Ready Network when
// Computes need one), every status version of their Computes and Volumes as a watch delivers them, the cloud's
// console and call counter, and reads of what the operator told (drift history and outbox rows in infra_db,
// Kubernetes Events). close() takes everything down, also after a start that failed half way, and kills the
// operator whatever happened before.
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { Compute } from '../../crds/schemas/compute.ts';
import type { Network } from '../../crds/schemas/network.ts';
import type { Volume } from '../../crds/schemas/volume.ts';
import { HttpProvider } from '../../controllers/provider/http-client.ts';
import type { InstanceInfo, SecurityGroup, VolumeInfo } from '../../controllers/provider/types.ts';
import { logDir } from '../../hack/stack/config.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { StatusHistory } from '../integration/managed/status-history.ts';
import { stackConsole } from '../support/console.ts';
import { migratedPool } from '../support/databases.ts';
import {
  api,
  computeManifest,
  create,
  inPhase,
  networkManifest,
  read,
  remove,
  volumeManifest,
  waitFor,
  type InfraPlural,
} from '../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import { created, settled } from '../support/simulator.ts';
import { createReadyTenant, deleteTenants } from '../support/tenants.ts';

/** How often the operator under test lists the provider's zones (OMNICLOUD_OBSERVE_INTERVAL_MS). */
export const observeIntervalMs = 2_000;

/** Each tenant Network's one security group: HTTPS from inside the private range only. */
export const webGroup: SecurityGroup = {
  name: 'web',
  ingress: [{ protocol: 'tcp', ports: '443', cidr: '10.0.0.0/8' }],
  egress: [],
};

export type ComputeObj = Compute & k8s.KubernetesObject;
export type VolumeObj = Volume & k8s.KubernetesObject;
export type Annotations = Record<string, string>;

export interface EventSeen {
  type: string;
  reason: string;
  note: string;
}

/** Provider routes that change something; a call to any of them is a change made outside the cluster. */
export const mutatingRoute = (route: string): boolean => !route.startsWith('GET ');

/** One tenant's namespace and what the tests make in it. */
export class TenantSpace {
  readonly ns: string;
  readonly computes: StatusHistory<ComputeObj>;
  readonly volumes: StatusHistory<VolumeObj>;

  constructor(
    readonly kc: k8s.KubeConfig,
    readonly name: string,
  ) {
    this.ns = `tenant-${name}`;
    const base = `/apis/${api.group}/${api.version}/namespaces/${this.ns}`;
    this.computes = new StatusHistory(kc, `${base}/computes`);
    this.volumes = new StatusHistory(kc, `${base}/volumes`);
  }

  async createCompute(name: string, spec: Partial<Compute['spec']> = {}, annotations: Annotations = {}) {
    const manifest = computeManifest(this.ns, name, spec) as { metadata: Record<string, unknown> };
    manifest.metadata.annotations = annotations;
    await create(this.kc, manifest);
  }

  async createVolume(name: string, spec: Partial<Volume['spec']> = {}, annotations: Annotations = {}) {
    const manifest = volumeManifest(this.ns, name, spec) as { metadata: Record<string, unknown> };
    manifest.metadata.annotations = annotations;
    await create(this.kc, manifest);
  }

  waitCompute(name: string, what: string, test: (c: ComputeObj) => boolean, timeoutMs = 90_000) {
    return waitFor<ComputeObj>(this.kc, 'computes', this.ns, name, what, test, timeoutMs);
  }

  waitVolume(name: string, what: string, test: (v: VolumeObj) => boolean, timeoutMs = 90_000) {
    return waitFor<VolumeObj>(this.kc, 'volumes', this.ns, name, what, test, timeoutMs);
  }

  async annotate(plural: InfraPlural, name: string, annotations: Record<string, string | null>) {
    await this.kc
      .makeApiClient(k8s.CustomObjectsApi)
      .patchNamespacedCustomObject(
        { ...api, plural, namespace: this.ns, name, body: { metadata: { annotations } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
  }

  async removeAndWait(plural: InfraPlural, name: string, timeoutMs = 90_000): Promise<void> {
    await remove(this.kc, plural, this.ns, name);
    await eventually(
      `${plural} ${this.ns}/${name} gone`,
      async () => ((await read(this.kc, plural, this.ns, name)) ? undefined : true),
      timeoutMs,
    );
  }

  /** The Kubernetes Events about the object (by uid), oldest first. */
  async events(uid: string): Promise<EventSeen[]> {
    const list = (await this.kc.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject({
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      namespace: this.ns,
    })) as {
      items: {
        type?: string;
        reason?: string;
        note?: string;
        eventTime?: string;
        regarding?: { uid?: string };
      }[];
    };
    return list.items
      .filter((e) => e.regarding?.uid === uid)
      .sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)))
      .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', note: e.note ?? '' }));
  }

  event(uid: string, reason: string, timeoutMs = 30_000): Promise<EventSeen> {
    return eventually(
      `a ${reason} event about ${this.ns}/${uid}`,
      async () => (await this.events(uid)).find((e) => e.reason === reason),
      timeoutMs,
    );
  }

  async names(plural: InfraPlural): Promise<string[]> {
    const list = (await this.kc
      .makeApiClient(k8s.CustomObjectsApi)
      .listNamespacedCustomObject({ ...api, plural, namespace: this.ns })
      .catch(() => ({ items: [] }))) as { items: k8s.KubernetesObject[] };
    return list.items.map((o) => o.metadata!.name!);
  }
}

export class ManagedSecurityStack {
  readonly kc = adminConfig();
  readonly provider = new HttpProvider(endpoints().provider);
  readonly console = stackConsole();
  readonly tenants: TenantSpace[];
  op?: OperatorProcess;
  infra!: pg.Pool;
  private readonly leftInstances = new Set<string>();
  private readonly leftVolumes = new Set<string>();
  private networks = false;

  constructor(prefixes: string[]) {
    this.tenants = prefixes.map((p) => new TenantSpace(this.kc, uniqueName(p)));
  }

  /** The operator, then each tenant Ready (with a Ready Network `net` and its group `web` unless `network` is false). */
  async start(opts: { network?: boolean; networksQuota?: number } = {}): Promise<void> {
    installCrds();
    this.infra = await migratedPool('infra_db');
    this.op = await startOperator(uniqueName('sec-managed-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: String(observeIntervalMs),
    });
    for (const t of this.tenants) {
      await createReadyTenant(this.kc, t.name, {
        quotas: {
          vcpu: 16,
          memory: '64Gi',
          storage: '500Gi',
          networks: opts.networksQuota ?? 1,
          publicIPs: 1,
        },
      });
      await Promise.all([t.computes.start(), t.volumes.start()]);
    }
    if (opts.network === false) return;
    this.networks = true;
    for (const t of this.tenants)
      await create(this.kc, networkManifest(t.ns, 'net', { securityGroups: [webGroup] }));
    for (const t of this.tenants)
      await waitFor<Network>(this.kc, 'networks', t.ns, 'net', 'Ready', inPhase('Ready'), 90_000);
  }

  /** Deletes what the tests made (the operator runs the finalizers), the tenants, then kills the operator. */
  async close(): Promise<void> {
    try {
      for (const t of this.tenants) {
        t.computes.stop();
        t.volumes.stop();
      }
      if (this.op) {
        for (const t of this.tenants)
          for (const plural of ['volumes', 'computes'] as const)
            for (const name of await t.names(plural)) await remove(this.kc, plural, t.ns, name);
        await eventually(
          'computes and volumes gone',
          async () => {
            let left = 0;
            for (const t of this.tenants)
              left += (await t.names('computes')).length + (await t.names('volumes')).length;
            return left === 0 ? true : undefined;
          },
          120_000,
        ).catch(() => undefined);
        if (this.networks) for (const t of this.tenants) await remove(this.kc, 'networks', t.ns, 'net');
        await deleteTenants(
          this.kc,
          this.tenants.map((t) => t.name),
          false,
          120_000,
        );
      }
      for (const id of this.leftInstances)
        await this.provider.deleteInstance(id, `${id}:test-cleanup`).catch(() => undefined);
      for (const id of this.leftVolumes)
        await this.provider.deleteVolume(id, `${id}:test-cleanup`).catch(() => undefined);
    } finally {
      await this.op?.stop('SIGKILL');
      await this.infra?.end();
    }
  }

  /** Deleted at the provider by close(): resources a test left there on purpose (orphaned, adopted). */
  leaveInstance(id: string): void {
    this.leftInstances.add(id);
  }

  leaveVolume(id: string): void {
    this.leftVolumes.add(id);
  }

  /** The instance as the provider has it now (undefined once deleted). */
  async instance(id: string): Promise<InstanceInfo | undefined> {
    const info = await this.provider.getInstance(id);
    return info && info.state !== 'terminated' ? info : undefined;
  }

  async volume(id: string): Promise<VolumeInfo | undefined> {
    const info = await this.provider.getVolume(id);
    return info && info.state !== 'deleted' ? info : undefined;
  }

  /** An instance made at the provider without OmniCloud (for adoption), running, in eu-west-1a. */
  async outsideInstance(): Promise<InstanceInfo> {
    const hosts = (await this.provider.listHosts('eu-west-1')).filter(
      (h) => h.zone === 'eu-west-1a' && h.status === 'up',
    );
    for (const host of hosts) {
      const op = await settled(
        this.provider,
        (
          await this.provider.createInstance({
            idempotencyToken: uniqueName('outside'),
            region: 'eu-west-1',
            zone: 'eu-west-1a',
            hostId: host.id,
            vcpu: 1,
            memoryMiB: 2048,
            image: 'debian-12',
          })
        ).id,
      );
      if (op.status !== 'succeeded' || !op.resourceId) continue; // that host is full: try the next
      const id = op.resourceId;
      this.leaveInstance(id);
      return eventually(`instance ${id} running`, async () => {
        const info = await this.instance(id);
        return info?.state === 'running' ? info : undefined;
      });
    }
    throw new Error('no host in eu-west-1a has room for an outside instance');
  }

  /** A volume made at the provider without OmniCloud, in eu-west-1a. */
  async outsideVolume(sizeGiB = 10): Promise<VolumeInfo> {
    const id = await created(
      this.provider,
      this.provider.createVolume({
        idempotencyToken: uniqueName('outside-vol'),
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        type: 'ssd',
        sizeGiB,
      }),
    );
    this.leaveVolume(id);
    return eventually(`volume ${id} visible`, () => this.volume(id));
  }

  /** Provider calls by route since the simulator started (for differences around a step). */
  async calls(): Promise<Record<string, number>> {
    return (await this.console.calls()).byRoute;
  }

  /** Waits until the operator has listed `route` `n` more times: `n` observe intervals passed. */
  async listings(n: number, route = 'GET /v1/instances'): Promise<void> {
    const from = (await this.calls())[route] ?? 0;
    await eventually(
      `${n} more listings (${route})`,
      async () => (((await this.calls())[route] ?? 0) >= from + n ? true : undefined),
      n * observeIntervalMs + 30_000,
    );
  }

  /**
   * Lets `n` observe intervals pass where no listing marks them (nothing of the zone is tracked): what a
   * reconcile would still do later has had the time to happen.
   */
  async intervals(n: number): Promise<void> {
    await new Promise((r) => setTimeout(r, n * observeIntervalMs + 1_000));
  }

  /** What infra_db told of the object: its drift history and outbox events, as text to search. */
  async toldOf(uid: string): Promise<{ history: string[]; outbox: string[] }> {
    const history = await this.infra.query<{ row: unknown }>(
      'SELECT to_jsonb(h) AS row FROM drift_history h WHERE uid = $1 ORDER BY id',
      [uid],
    );
    const outbox = await this.infra.query<{ event: unknown }>(
      'SELECT event FROM outbox WHERE key = $1 ORDER BY seq',
      [uid],
    );
    return {
      history: history.rows.map((r) => JSON.stringify(r.row)),
      outbox: outbox.rows.map((r) => JSON.stringify(r.event)),
    };
  }
}

/**
 * The API requests that changed one of `ids` at the provider since `since` (ms), from the simulator's request log:
 * unlike the call counter, blind to what other tests on the shared stack do meanwhile.
 */
export function changesTo(ids: readonly string[], since: number): string[] {
  const file = path.join(logDir, 'cloud-simulator.log');
  return (
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"msg":"request"') && ids.some((id) => l.includes(id)))
      .map((l) => JSON.parse(l) as { time: string; method: string; path: string })
      // The console's out-of-band edits (its /admin routes) are the test's own, not calls of the operator.
      .filter((r) => Date.parse(r.time) >= since && r.method !== 'GET' && !r.path.startsWith('/admin/'))
      .map((r) => `${r.method} ${r.path}`)
  );
}

/** The mutating calls made between two snapshots of the call counter, by route. */
export function mutatingCallsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const made: Record<string, number> = {};
  for (const [route, n] of Object.entries(after)) {
    const delta = n - (before[route] ?? 0);
    if (mutatingRoute(route) && delta > 0) made[route] = delta;
  }
  return made;
}
