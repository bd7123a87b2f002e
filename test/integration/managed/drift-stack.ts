// What the drift and policy tests share against the real stack: a Ready tenant with a Ready Network (two subnets
// and a security group), an operator that compares settled objects with the provider every two seconds, the
// cloud's console for out-of-band edits, and reads of what the operator told: drift history and its outbox
// events in infra_db, Kubernetes Events, and every status version by a watch. close() takes everything down,
// also after a start that failed half way.
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import type { Volume } from '../../../crds/schemas/volume.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { isPending } from '../../../controllers/provider/operations.ts';
import type { InstanceInfo, SecurityGroup } from '../../../controllers/provider/types.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { stackConsole } from '../../support/console.ts';
import { migratedPool } from '../../support/databases.ts';
import {
  api,
  computeManifest,
  condition,
  create,
  inPhase,
  networkManifest,
  read,
  remove,
  volumeManifest,
  waitFor,
  type InfraPlural,
} from '../../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import { StatusHistory } from './status-history.ts';

/** How often the operator under test lists the provider's zones (OMNICLOUD_OBSERVE_INTERVAL_MS). */
export const observeIntervalMs = 2_000;
/**
 * How long after an out-of-band edit its drift must show: the next listing (one interval) plus a reconcile
 * and a status write on a machine shared with other work. Far below the 10-minute resync that would find it
 * without the observer.
 */
export const detectionDeadlineMs = observeIntervalMs + 8_000;

/** The Network's one security group: HTTPS from inside the private range only. */
export const webGroup: SecurityGroup = {
  name: 'web',
  ingress: [{ protocol: 'tcp', ports: '443', cidr: '10.0.0.0/8' }],
  egress: [],
};

export interface HistoryRow {
  event: string;
  path: string | null;
  drift_type: string | null;
  severity: string | null;
  action: string | null;
  plan_hash: string | null;
  desired: unknown;
  actual: unknown;
}

export interface EventSeen {
  type: string;
  reason: string;
  note: string;
}

export type ComputeObj = Compute & k8s.KubernetesObject;
export type VolumeObj = Volume & k8s.KubernetesObject;

export class DriftStack {
  readonly kc = adminConfig();
  readonly tenant: string;
  readonly ns: string;
  readonly provider = new HttpProvider(endpoints().provider);
  readonly console = stackConsole();
  op?: OperatorProcess;
  infra!: pg.Pool;
  computes!: StatusHistory<ComputeObj>;
  volumes!: StatusHistory<VolumeObj>;
  /** Outside resources a test left at the provider on purpose (orphaned, adopted): deleted by close(). */
  private readonly leftInstances = new Set<string>();
  private readonly leftVolumes = new Set<string>();

  constructor(prefix: string) {
    this.tenant = uniqueName(prefix);
    this.ns = `tenant-${this.tenant}`;
  }

  async start(opts: { network?: boolean } = {}): Promise<void> {
    installCrds();
    this.infra = await migratedPool('infra_db');
    this.op = await startOperator(uniqueName(`${this.tenant}-op`), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: String(observeIntervalMs),
    });
    await createReadyTenant(this.kc, this.tenant, {
      quotas: { vcpu: 16, memory: '64Gi', storage: '500Gi', networks: 1, publicIPs: 0 },
    });
    this.computes = new StatusHistory(
      this.kc,
      `/apis/${api.group}/${api.version}/namespaces/${this.ns}/computes`,
    );
    this.volumes = new StatusHistory(
      this.kc,
      `/apis/${api.group}/${api.version}/namespaces/${this.ns}/volumes`,
    );
    await Promise.all([this.computes.start(), this.volumes.start()]);
    if (opts.network === false) return;
    await create(this.kc, networkManifest(this.ns, 'net', { securityGroups: [webGroup] }));
    await waitFor<Network>(this.kc, 'networks', this.ns, 'net', 'Ready', inPhase('Ready'), 90_000);
  }

  /** Deletes what the test made (the operator runs the finalizers), the tenant, then stops the operator. */
  async close(): Promise<void> {
    try {
      this.computes?.stop();
      this.volumes?.stop();
      if (this.op) {
        for (const plural of ['volumes', 'computes'] as const) {
          for (const name of await this.names(plural)) await remove(this.kc, plural, this.ns, name);
        }
        await eventually(
          'computes and volumes gone',
          async () =>
            (await this.names('computes')).length + (await this.names('volumes')).length === 0
              ? true
              : undefined,
          120_000,
        ).catch(() => undefined);
        await remove(this.kc, 'networks', this.ns, 'net');
        await deleteTenants(this.kc, [this.tenant], false, 120_000);
      }
      for (const id of this.leftInstances)
        await this.provider.deleteInstance(id, `${id}:test-cleanup`).catch(() => undefined);
      for (const id of this.leftVolumes)
        await this.provider.deleteVolume(id, `${id}:test-cleanup`).catch(() => undefined);
    } finally {
      await this.op?.stop();
      await this.infra?.end();
    }
  }

  private async names(plural: InfraPlural): Promise<string[]> {
    const list = (await this.kc
      .makeApiClient(k8s.CustomObjectsApi)
      .listNamespacedCustomObject({ ...api, plural, namespace: this.ns })
      .catch(() => ({ items: [] }))) as { items: k8s.KubernetesObject[] };
    return list.items.map((o) => o.metadata!.name!);
  }

  /** Deleted by close() if a test leaves it at the provider. */
  leaveInstance(id: string): void {
    this.leftInstances.add(id);
  }

  leaveVolume(id: string): void {
    this.leftVolumes.add(id);
  }

  async createCompute(
    name: string,
    spec: Partial<Compute['spec']> = {},
    annotations: Record<string, string> = {},
  ): Promise<void> {
    const manifest = computeManifest(this.ns, name, spec) as { metadata: Record<string, unknown> };
    manifest.metadata.annotations = annotations;
    await create(this.kc, manifest);
  }

  async createVolume(name: string, spec: Partial<Volume['spec']> = {}): Promise<void> {
    await create(this.kc, volumeManifest(this.ns, name, spec));
  }

  compute(name: string): Promise<ComputeObj | undefined> {
    return read<ComputeObj>(this.kc, 'computes', this.ns, name);
  }

  waitCompute(name: string, what: string, test: (c: ComputeObj) => boolean, timeoutMs = 90_000) {
    return waitFor<ComputeObj>(this.kc, 'computes', this.ns, name, what, test, timeoutMs);
  }

  waitVolume(name: string, what: string, test: (v: VolumeObj) => boolean, timeoutMs = 90_000) {
    return waitFor<VolumeObj>(this.kc, 'volumes', this.ns, name, what, test, timeoutMs);
  }

  /** Waits until the object is gone (its finalizer has run). */
  async removeAndWait(plural: InfraPlural, name: string, timeoutMs = 90_000): Promise<void> {
    await remove(this.kc, plural, this.ns, name);
    await eventually(
      `${plural} ${name} gone`,
      async () => ((await read(this.kc, plural, this.ns, name)) ? undefined : true),
      timeoutMs,
    );
  }

  async annotate(plural: InfraPlural, name: string, annotations: Record<string, string>): Promise<void> {
    await this.kc
      .makeApiClient(k8s.CustomObjectsApi)
      .patchNamespacedCustomObject(
        { ...api, plural, namespace: this.ns, name, body: { metadata: { annotations } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
  }

  /** The instance as the provider has it now (undefined once deleted). */
  async instance(id: string): Promise<InstanceInfo | undefined> {
    const info = await this.provider.getInstance(id);
    return info && info.state !== 'terminated' ? info : undefined;
  }

  waitInstance(id: string, what: string, test: (i: InstanceInfo | undefined) => boolean, timeoutMs = 60_000) {
    return eventually(
      `instance ${id}: ${what}`,
      async () => {
        const info = await this.instance(id);
        return test(info) ? (info ?? null) : undefined;
      },
      timeoutMs,
    );
  }

  /** An instance made at the provider without OmniCloud (for adoption), running, in eu-west-1a. */
  async outsideInstance(): Promise<InstanceInfo> {
    const hosts = (await this.provider.listHosts('eu-west-1')).filter(
      (h) => h.zone === 'eu-west-1a' && h.status === 'up',
    );
    for (const host of hosts) {
      let op = await this.provider.createInstance({
        idempotencyToken: uniqueName('outside'),
        region: 'eu-west-1',
        zone: 'eu-west-1a',
        hostId: host.id,
        vcpu: 1,
        memoryMiB: 2048,
        image: 'debian-12',
      });
      op = await eventually(`create ${op.id} done`, async () => {
        const now = await this.provider.getOperation(op.id);
        return isPending(now) ? undefined : now;
      });
      if (op.status !== 'succeeded' || !op.resourceId) continue; // that host is full: try the next
      this.leaveInstance(op.resourceId);
      return this.waitInstance(
        op.resourceId,
        'running',
        (i) => i?.state === 'running',
      ) as Promise<InstanceInfo>;
    }
    throw new Error('no host in eu-west-1a has room for an outside instance');
  }

  /** The object's drift history, oldest first. */
  async history(uid: string): Promise<HistoryRow[]> {
    const { rows } = await this.infra.query<HistoryRow>(
      `SELECT event, path, drift_type, severity, action, plan_hash, desired, actual
         FROM drift_history WHERE uid = $1 ORDER BY id`,
      [uid],
    );
    return rows;
  }

  /** Waits for a history row of `event` that passes `test`. */
  historyRow(uid: string, event: string, test: (r: HistoryRow) => boolean = () => true, timeoutMs = 60_000) {
    return eventually(
      `a drift_history row ${event} of ${uid}`,
      async () => (await this.history(uid)).find((r) => r.event === event && test(r)),
      timeoutMs,
    );
  }

  /** The types of the CloudEvents written to the outbox for the object, oldest first. */
  async outboxTypes(uid: string): Promise<string[]> {
    const { rows } = await this.infra.query<{ type: string }>(
      "SELECT event->>'type' AS type FROM outbox WHERE key = $1 ORDER BY seq",
      [uid],
    );
    return rows.map((r) => r.type);
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
      `a ${reason} event about ${uid}`,
      async () => (await this.events(uid)).find((e) => e.reason === reason),
      timeoutMs,
    );
  }

  /** Provider calls of one route counted by the simulator so far (for differences around a step). */
  async calls(): Promise<Record<string, number>> {
    return (await this.console.calls()).byRoute;
  }

  /** Waits until the operator has listed the instances of a zone `n` more times: `n` observe intervals passed. */
  async listings(n: number, route = 'GET /v1/instances'): Promise<void> {
    const from = (await this.calls())[route] ?? 0;
    await eventually(
      `${n} more listings (${route})`,
      async () => (((await this.calls())[route] ?? 0) >= from + n ? true : undefined),
      n * observeIntervalMs + 30_000,
    );
  }
}

export const runningAndInSync = (c: ComputeObj): boolean =>
  c.status?.phase === 'Running' &&
  condition(c, 'Ready')?.status === 'True' &&
  condition(c, 'Drifted')?.status === 'False';
