// What the Bucket tests share against the real stack: the Bucket controller run in this process (the real
// Controller with its informer, queue and the managed reconciler) on the real API server, infra_db and the S3
// server, with the operator's keys and IAM-admin keys as the stack hands them out; one namespace per tenant;
// the log it writes, kept to search for credentials; and clients of the S3 server with the operator's keys,
// a tenant's delivered keys, or the IAM-admin keys. close() deletes what the tests made and stops it all.
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import type pg from 'pg';
import pino from 'pino';
import { bucketBackends, bucketController, type BucketObj } from '../../../controllers/bucket/reconcile.ts';
import { s3Admin } from '../../../controllers/bucket/s3-admin.ts';
import { s3ClientOptions } from '../../../controllers/backing/s3.ts';
import { removeBucketWithVersions } from '../../../controllers/backing/s3.ts';
import type { Bucket } from '../../../crds/schemas/bucket.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { done } from '../../../operator/action.ts';
import { Controller } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import type { S3Endpoint } from '../../../operator/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { api, createNamespace, deleteNamespace } from '../../support/infra.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';

export const observeIntervalMs = 1_000;

/** The stack's S3 endpoint with the operator's and the IAM-admin keys; throws when the stack has not made them. */
export function stackS3(): S3Endpoint {
  const s = endpoints().s3;
  if (!s.accessKey || !s.secretKey || !s.adminAccessKey || !s.adminSecretKey)
    throw new Error('the stack has not made the operator S3 keys and IAM-admin keys: is the stack up?');
  return {
    endpoint: s.endpoint,
    region: s.region,
    accessKey: s.accessKey,
    secretKey: s.secretKey,
    admin: { accessKey: s.adminAccessKey, secretKey: s.adminSecretKey },
  };
}

export interface Credentials {
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

/** The S3 error code a call fails with, or 'resolved'. */
export async function s3Outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'resolved';
  } catch (err) {
    return err instanceof Minio.S3Error ? (err.code ?? '') : `not an S3Error: ${String(err)}`;
  }
}

export async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

export const condition = (b: Bucket | undefined, type: string) =>
  b?.status?.conditions?.find((c) => c.type === type);
export const isReady = (b: Bucket) => condition(b, 'Ready')?.status === 'True';

export class BucketStack {
  readonly kc = adminConfig();
  readonly s3: S3Endpoint = stackS3();
  readonly operator = new Minio.Client(s3ClientOptions(this.s3, this.s3));
  readonly admin = s3Admin({ endpoint: this.s3.endpoint, region: this.s3.region, ...this.s3.admin! });
  readonly lines: string[] = [];
  readonly namespaces: string[];
  pool!: pg.Pool;
  private controller?: Controller<BucketObj>;
  private readonly made = new Set<string>();

  /** `s3` replaces the stack's S3 endpoint (a server that does not answer, say). */
  constructor(prefixes: string[], s3?: S3Endpoint) {
    this.namespaces = prefixes.map((p) => `tenant-${uniqueName(p)}`);
    if (s3) this.s3 = s3;
  }

  async start(): Promise<void> {
    installCrds();
    this.pool = await migratedPool('infra_db');
    for (const ns of this.namespaces) await createNamespace(this.kc, ns);
    const log = pino(
      { level: 'debug' },
      new Writable({
        write: (chunk: Buffer, _enc, done) => {
          this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      }),
    );
    const spec = bucketController({
      pool: this.pool,
      kc: this.kc,
      ...bucketBackends(this.s3),
      observeIntervalMs,
    });
    // Only this stack's namespaces: Buckets of other tests (and their operators) are left alone.
    const ours = (obj: BucketObj) => this.namespaces.includes(obj.metadata?.namespace ?? '');
    this.controller = new Controller(
      {
        ...spec,
        reconcile: (obj, ctx) => (ours(obj) ? spec.reconcile(obj, ctx) : Promise.resolve(done)),
        onTerminalError: async (obj, err, ctx) => {
          if (ours(obj)) await spec.onTerminalError?.(obj, err, ctx);
        },
        workers: 4,
        resyncMs: 60_000,
      },
      this.kc,
      log,
      eventRecorder(this.kc, spec.name, uniqueName('bucket-test'), log),
    );
    await this.controller.start();
  }

  private customs() {
    return this.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  async create(
    ns: string,
    name: string,
    spec: Record<string, unknown> = {},
    annotations: Record<string, string> = {},
  ): Promise<void> {
    this.made.add(`${ns}/${name}`);
    await this.customs().createNamespacedCustomObject({
      ...api,
      plural: 'buckets',
      namespace: ns,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'Bucket',
        metadata: { name, namespace: ns, annotations },
        spec,
      },
    });
  }

  async read(ns: string, name: string): Promise<Bucket | undefined> {
    try {
      return (await this.customs().getNamespacedCustomObject({
        ...api,
        plural: 'buckets',
        namespace: ns,
        name,
      })) as Bucket;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async patch(ns: string, name: string, body: object): Promise<void> {
    await this.customs().patchNamespacedCustomObject(
      { ...api, plural: 'buckets', namespace: ns, name, body },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  wait(
    ns: string,
    name: string,
    what: string,
    test: (b: Bucket) => boolean,
    timeoutMs = 60_000,
  ): Promise<Bucket> {
    return eventually(
      `bucket ${ns}/${name}: ${what}`,
      async () => {
        const b = await this.read(ns, name);
        return b && test(b) ? b : undefined;
      },
      timeoutMs,
    );
  }

  async remove(ns: string, name: string): Promise<void> {
    await this.customs()
      .deleteNamespacedCustomObject({ ...api, plural: 'buckets', namespace: ns, name })
      .catch(() => undefined);
  }

  async removeAndWait(ns: string, name: string, timeoutMs = 60_000): Promise<void> {
    await this.remove(ns, name);
    await eventually(
      `bucket ${ns}/${name} gone`,
      async () => ((await this.read(ns, name)) ? undefined : true),
      timeoutMs,
    );
  }

  /** The credentials the Secret delivers. */
  async credentials(ns: string, secretName: string): Promise<Credentials> {
    const secret = await this.kc
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedSecret({ name: secretName, namespace: ns });
    const data = secret.data ?? {};
    const field = (k: string) => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
    return {
      endpoint: field('endpoint'),
      region: field('region'),
      bucket: field('bucket'),
      accessKey: field('accessKey'),
      secretKey: field('secretKey'),
    };
  }

  /** A client of the S3 server with delivered credentials, built from what the Secret says alone. */
  clientOf(c: Credentials): Minio.Client {
    return new Minio.Client(s3ClientOptions({ endpoint: c.endpoint, region: c.region }, c));
  }

  /** The Kubernetes Events about the object (by uid). */
  async events(ns: string, uid: string): Promise<{ type: string; reason: string; note: string }[]> {
    const list = (await this.customs().listNamespacedCustomObject({
      group: 'events.k8s.io',
      version: 'v1',
      plural: 'events',
      namespace: ns,
    })) as { items: { type?: string; reason?: string; note?: string; regarding?: { uid?: string } }[] };
    return list.items
      .filter((e) => e.regarding?.uid === uid)
      .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', note: e.note ?? '' }));
  }

  async close(): Promise<void> {
    try {
      for (const key of this.made) {
        const [ns, name] = key.split('/') as [string, string];
        const b = await this.read(ns, name);
        if (!b) continue;
        // Whatever a test left: deleted with everything in it.
        await this.patch(ns, name, { spec: { forceDelete: true, deletionPolicy: 'Delete' } }).catch(
          () => undefined,
        );
        await this.removeAndWait(ns, name).catch(() => undefined);
      }
    } finally {
      await this.controller?.stop(5_000);
      for (const ns of this.namespaces) await deleteNamespace(this.kc, ns);
      await this.pool?.end();
    }
  }

  /** Removes a bucket the tests left at the server (an orphan), with everything in it. */
  async dropBucket(bucket: string): Promise<void> {
    await removeBucketWithVersions(this.operator, bucket).catch(() => undefined);
  }
}
