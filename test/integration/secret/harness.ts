// What the ManagedSecret tests share against the real stack: the real controller run in this process against
// the real API server, infra_db and OpenBao (the Vault API) — optionally through a proxy a test can freeze —
// with its log lines captured; a namespace of its own (tenant-<name>); the test's own AppRole client to look
// at OpenBao and to write behind the controller's back; and helpers to make, read and wait for objects.
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { ManagedSecret } from '../../../crds/schemas/managed-secret.ts';
import { OperatorVault } from '../../../controllers/backing/vault.ts';
import { kafkaClient } from '../../../controllers/events/pipeline.ts';
import { OutboxRelay } from '../../../controllers/events/relay.ts';
import { ensureTopics } from '../../../controllers/events/topics.ts';
import { addManagedSecretController, type SecretObj } from '../../../controllers/secret/reconcile.ts';
import { Controller, type ControllerSpec } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import { createLogger } from '../../../operator/logger.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { api, condition, createNamespace, deleteNamespace } from '../../support/infra.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';

export const plural = 'managedsecrets';

export interface HarnessOptions {
  /** The Vault API address the controller uses (a proxy's); the stack's by default. */
  vaultAddr?: string;
  observeIntervalMs?: number;
  /** Relays the outbox to Kafka, as the operator does. */
  relay?: boolean;
  workers?: number;
  vaultTimeoutMs?: number;
  /** The controller's Vault client (one that races its writes, say); built from vaultAddr otherwise. */
  vault?: OperatorVault;
}

export class SecretHarness {
  readonly kc = adminConfig();
  readonly tenant: string;
  readonly ns: string;
  readonly logLines: string[] = [];
  readonly log = createLogger('debug', { write: (line: string) => void this.logLines.push(line) });
  /** The test's own client: what OpenBao holds, and writes behind the controller's back. */
  readonly direct = new OperatorVault(vaultLogin());
  pool!: pg.Pool;
  controller?: Controller<SecretObj>;
  relay?: OutboxRelay;

  constructor(prefix: string) {
    this.tenant = uniqueName(prefix);
    this.ns = `tenant-${this.tenant}`;
  }

  async start(opts: HarnessOptions = {}): Promise<void> {
    installCrds();
    this.pool = await migratedPool('infra_db');
    await createNamespace(this.kc, this.ns);
    if (opts.relay) {
      const kafka = kafkaClient(endpoints().kafkaBrokers, uniqueName('secret-relay'), this.log);
      await ensureTopics(kafka);
      this.relay = new OutboxRelay(kafka, this.pool, this.log);
      this.relay.start();
    }
    const vault =
      opts.vault ??
      new OperatorVault(
        { ...vaultLogin(), addr: opts.vaultAddr ?? vaultLogin().addr },
        { timeoutMs: opts.vaultTimeoutMs ?? 3_000 },
      );
    const identity = uniqueName('secret-test');
    this.controller = addManagedSecretController(
      (spec: ControllerSpec<SecretObj>) =>
        new Controller(
          { ...spec, workers: opts.workers ?? 4, resyncMs: 60_000 },
          this.kc,
          this.log,
          eventRecorder(this.kc, spec.name, identity, this.log),
        ),
      {
        pool: this.pool,
        vault,
        kc: this.kc,
        onOutbox: () => this.relay?.nudge(),
        observeIntervalMs: opts.observeIntervalMs ?? 1_000,
      },
    );
    await this.controller.start();
  }

  /** Deletes every ManagedSecret of the namespace (the controller runs the finalizers), then the namespace. */
  async stop(): Promise<void> {
    try {
      if (this.controller) {
        for (const name of await this.names()) await this.remove(name);
        await eventually(
          'managed secrets gone',
          async () => ((await this.names()).length === 0 ? true : undefined),
          60_000,
        ).catch(() => undefined);
      }
    } finally {
      await this.controller?.stop(5_000);
      await this.relay?.stop();
      await deleteNamespace(this.kc, this.ns).catch(() => undefined);
      await this.pool?.end();
    }
  }

  manifest(
    name: string,
    spec: Record<string, unknown>,
    annotations: Record<string, string> = {},
  ): ManagedSecret & k8s.KubernetesObject {
    return {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'ManagedSecret',
      metadata: { name, namespace: this.ns, annotations } as SecretObj['metadata'],
      spec: spec as ManagedSecret['spec'],
    };
  }

  async create(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}) {
    await this.custom().createNamespacedCustomObject({
      ...api,
      plural,
      namespace: this.ns,
      body: this.manifest(name, spec, annotations),
    });
  }

  async read(name: string): Promise<SecretObj | undefined> {
    try {
      return (await this.custom().getNamespacedCustomObject({
        ...api,
        plural,
        namespace: this.ns,
        name,
      })) as SecretObj;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async patch(name: string, body: object): Promise<void> {
    await this.custom().patchNamespacedCustomObject(
      { ...api, plural, namespace: this.ns, name, body },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
    return this.patch(name, { metadata: { annotations } });
  }

  async remove(name: string): Promise<void> {
    await this.custom()
      .deleteNamespacedCustomObject({ ...api, plural, namespace: this.ns, name })
      .catch(() => undefined);
  }

  async removeAndWait(name: string, timeoutMs = 60_000): Promise<void> {
    await this.remove(name);
    await eventually(`${name} gone`, async () => ((await this.read(name)) ? undefined : true), timeoutMs);
  }

  async names(): Promise<string[]> {
    const list = (await this.custom()
      .listNamespacedCustomObject({ ...api, plural, namespace: this.ns })
      .catch(() => ({ items: [] }))) as { items: k8s.KubernetesObject[] };
    return list.items.map((o) => o.metadata!.name!);
  }

  waitFor(
    name: string,
    what: string,
    test: (o: SecretObj) => boolean,
    timeoutMs = 60_000,
  ): Promise<SecretObj> {
    return eventually(
      `${this.ns}/${name}: ${what}`,
      async () => {
        const o = await this.read(name);
        return o && test(o) ? o : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits until the object is Ready and Synced at a version (above `after` when given). */
  ready(name: string, after = 0, timeoutMs = 60_000): Promise<SecretObj> {
    return this.waitFor(
      name,
      `Ready above version ${after}`,
      (o) =>
        condition(o, 'Ready')?.status === 'True' &&
        condition(o, 'Synced')?.status === 'True' &&
        (o.status?.version ?? 0) > after,
      timeoutMs,
    );
  }

  /** A Kubernetes Secret of the namespace, or undefined. */
  async secret(name: string): Promise<k8s.V1Secret | undefined> {
    try {
      return await this.core().readNamespacedSecret({ name, namespace: this.ns });
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** The value a Secret holds at `key`. */
  async secretValue(name: string, key = 'value'): Promise<string | undefined> {
    const s = await this.secret(name);
    const data = s?.data?.[key];
    return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
  }

  /** Creates or replaces a source Secret with one key. */
  async putSource(name: string, key: string, value: string): Promise<void> {
    const body: k8s.V1Secret = {
      metadata: { name, namespace: this.ns },
      stringData: { [key]: value },
    };
    const existing = await this.secret(name);
    if (existing) await this.core().replaceNamespacedSecret({ name, namespace: this.ns, body });
    else await this.core().createNamespacedSecret({ namespace: this.ns, body });
  }

  /** The KV path of an object this harness created (not adopted). */
  path(name: string): string {
    return `tenants/${this.tenant}/${this.ns}/${name}`;
  }

  /** The Kubernetes Events about an object, by uid, oldest first, as "reason: note". */
  async events(uid: string): Promise<string[]> {
    const list = (await this.custom().listNamespacedCustomObject({
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      namespace: this.ns,
    })) as { items: { reason?: string; note?: string; eventTime?: string; regarding?: { uid?: string } }[] };
    return list.items
      .filter((e) => e.regarding?.uid === uid)
      .sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)))
      .map((e) => `${e.reason}: ${e.note}`);
  }

  private custom() {
    return this.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  private core() {
    return this.kc.makeApiClient(k8s.CoreV1Api);
  }
}

/** The operator's AppRole login the stack hands out. */
export function vaultLogin(): { addr: string; roleId: string; secretId: string } {
  const { addr, roleId, secretId } = endpoints().vault;
  if (!roleId || !secretId)
    throw new Error('the stack hands out no AppRole login (OMNICLOUD_VAULT_ROLE_ID/SECRET_ID)');
  return { addr, roleId, secretId };
}

/** The stack's OpenBao as host and port, for a proxy in front of it. */
export function openBaoTarget(): { host: string; port: number } {
  const url = new URL(endpoints().vault.addr);
  return { host: url.hostname, port: Number(url.port || 8200) };
}

/**
 * A plain forwarder on a fixed loopback port: with it, a test brings a frozen proxy's port back to life
 * (freezable-proxy.ts has no thaw) so the controller's address stays the same across an outage.
 */
export async function startForwarder(
  port: number,
  target: { host: string; port: number },
): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
