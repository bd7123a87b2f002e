// What the ConfigSet tests share against the real stack: the ConfigSet controller running in this process on
// the real API server and infra_db (started and stopped at will, as an operator restart would), tenant
// namespaces, and reads of ConfigSets, their ConfigMaps and their history.
import * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import pino from 'pino';
import { Controller } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import { configSetController, type ConfigSetObj } from '../../../controllers/config/reconcile.ts';
import { migratedPool } from '../../support/databases.ts';
import { api, createNamespace, deleteNamespace } from '../../support/infra.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';

const log = pino({ level: 'silent' });
const plural = 'configsets';

export class ConfigStack {
  readonly kc = adminConfig();
  readonly custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
  readonly core = this.kc.makeApiClient(k8s.CoreV1Api);
  pool!: pg.Pool;
  controller?: Controller<ConfigSetObj>;
  readonly namespaces: string[] = [];

  async open(): Promise<void> {
    installCrds();
    this.pool = await migratedPool('infra_db');
  }

  /** A namespace of a new tenant (tenant-<name>); removed by close(). */
  async tenantNamespace(prefix: string): Promise<string> {
    const ns = `tenant-${uniqueName(prefix)}`;
    await createNamespace(this.kc, ns);
    this.namespaces.push(ns);
    return ns;
  }

  async startController(): Promise<void> {
    const c = new Controller<ConfigSetObj>(
      { ...configSetController({ pool: this.pool, kc: this.kc, observeIntervalMs: 1_000 }), workers: 4 },
      this.kc,
      log,
      eventRecorder(this.kc, 'configset', 'it-config', log),
    );
    await c.start();
    this.controller = c;
  }

  async stopController(): Promise<void> {
    await this.controller?.stop(2_000);
    this.controller = undefined;
  }

  async close(): Promise<void> {
    // ConfigSets go first while the controller still runs, so their finalizers are let go.
    for (const ns of this.namespaces) {
      const list = (await this.custom
        .listNamespacedCustomObject({ ...api, plural, namespace: ns })
        .catch(() => ({ items: [] }))) as { items: ConfigSetObj[] };
      for (const o of list.items) await this.remove(ns, o.metadata.name).catch(() => undefined);
      for (const o of list.items)
        await eventually(
          'gone',
          async () => ((await this.read(ns, o.metadata.name)) ? undefined : true),
          30_000,
        ).catch(() => undefined);
    }
    await this.stopController();
    for (const ns of this.namespaces) await deleteNamespace(this.kc, ns);
    await this.pool?.end();
  }

  manifest(ns: string, name: string, spec: object): object {
    return {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind: 'ConfigSet',
      metadata: { name, namespace: ns },
      spec,
    };
  }

  async create(ns: string, name: string, spec: object): Promise<ConfigSetObj> {
    return (await this.custom.createNamespacedCustomObject({
      ...api,
      plural,
      namespace: ns,
      body: this.manifest(ns, name, spec),
    })) as ConfigSetObj;
  }

  async patchSpec(ns: string, name: string, spec: object): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { ...api, plural, namespace: ns, name, body: { spec } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  async read(ns: string, name: string): Promise<ConfigSetObj | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        ...api,
        plural,
        namespace: ns,
        name,
      })) as ConfigSetObj;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async remove(ns: string, name: string): Promise<void> {
    await this.custom
      .deleteNamespacedCustomObject({ ...api, plural, namespace: ns, name })
      .catch(() => undefined);
  }

  async configMap(ns: string, name: string): Promise<k8s.V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ namespace: ns, name });
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  /** Waits until the ConfigSet's status satisfies `test` for its latest generation. */
  waitFor(ns: string, name: string, what: string, test: (o: ConfigSetObj) => boolean, timeoutMs = 30_000) {
    return eventually(
      `configset ${ns}/${name}: ${what}`,
      async () => {
        const o = await this.read(ns, name);
        return o && o.status?.observedGeneration === o.metadata.generation && test(o) ? o : undefined;
      },
      timeoutMs,
    );
  }

  async versions(
    uid: string,
  ): Promise<{ version: number; hash: string; source: string; content: unknown }[]> {
    const { rows } = await this.pool.query(
      'SELECT version, hash, source, content FROM config_versions WHERE uid = $1 ORDER BY version',
      [uid],
    );
    return rows;
  }
}

export const ready = (o: ConfigSetObj) =>
  o.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
export const readyAt = (version: number) => (o: ConfigSetObj) =>
  ready(o) && o.status?.currentVersion === version;
export const conditionOf = (o: ConfigSetObj | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);
