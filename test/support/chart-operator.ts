// Runs the operator as the chart deploys it, on the local API server, with nothing a pod would not have:
// the image's entry point (hack/bundle.sh, as the Dockerfile builds it), the Deployment's own environment
// (values, Secret keys and the downward API resolved as the kubelet would), and the chart's ServiceAccount,
// reached through in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT and a minted token with the
// cluster's CA). The chart's RBAC objects are applied as rendered; its webhook configurations too, except
// that the API server calls the operator at https://127.0.0.1:PORT, since no Service routes here.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { auditLogPath } from '../../hack/stack/components/apiserver.ts';
import { helmBinary, kubectlBinary } from '../../hack/stack/components/tools.ts';
import { host, logDir, ports } from '../../hack/stack/config.ts';
import { backingSystemsEnv, endpoints } from '../../hack/stack/endpoints.ts';
import { pki } from '../../hack/stack/pki.ts';
import { eventually } from './kube.ts';
import { freePort } from './operator.ts';
import { imageRoot } from './image.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const adminEnv = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: endpoints().kubeconfig });
const run = (bin: string, args: string[], input?: string): string =>
  execFileSync(bin, args, { env: adminEnv(), input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
export const kubectl = (...args: string[]): string => run(kubectlBinary, args);

/** Kinds applied as the chart renders them; the Deployment is run as a process instead of a pod. */
const identityKinds = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const webhookKinds = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'];

export interface ChartOperator {
  release: string;
  namespace: string;
  serviceAccount: string;
  /** The pod name the downward API gives, which the operator uses as its identity. */
  podName: string;
  logFile: string;
  metricsPort: number;
  webhookPort: number;
  /** The chart's webhook configurations' name, and the Secret its replicas share the serving certificate in. */
  webhookConfiguration: string;
  certSecret: string;
  /** The ServiceAccount token the operator runs with. */
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** Removes everything the chart's objects created on the cluster. */
  uninstall(): void;
}

/** What the kubelet would put in the container's environment. */
async function containerEnv(
  core: k8s.CoreV1Api,
  container: Doc,
  pod: { name: string; namespace: string },
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of container.env as Doc[]) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = await core.readNamespacedSecret({ name: ref.name, namespace: pod.namespace });
      const data = secret.data?.[ref.key];
      if (data === undefined) throw new Error(`Secret ${ref.name} has no key ${ref.key}`);
      env[e.name] = Buffer.from(data, 'base64').toString('utf8');
    } else if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath as string;
      if (field === 'metadata.name') env[e.name] = pod.name;
      else if (field === 'metadata.namespace') env[e.name] = pod.namespace;
      else throw new Error(`the chart uses fieldRef ${field}, which this runner does not resolve`);
    } else throw new Error(`the chart's env ${e.name} has a source this runner does not resolve`);
  }
  return env;
}

/** Mints the ServiceAccount's token and lays out the directory a pod has mounted. */
async function serviceAccountRoot(
  core: k8s.CoreV1Api,
  dir: string,
  namespace: string,
  serviceAccount: string,
): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 } },
  });
  const sa = path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
  fs.mkdirSync(sa, { recursive: true });
  fs.writeFileSync(path.join(sa, 'token'), request.status?.token ?? '', { mode: 0o600 });
  fs.copyFileSync(pki.caCert, path.join(sa, 'ca.crt'));
  fs.writeFileSync(path.join(sa, 'namespace'), namespace);
  return request.status?.token ?? '';
}

/** Runs the chart's operator; `sets` are more `helm --set` values, as a user would give them. */
export async function runChartOperator(
  release: string,
  namespace: string,
  sets: string[] = [],
): Promise<ChartOperator> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(endpoints().kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const [metricsPort, webhookPort] = [await freePort(), await freePort()];
  const backing = backingSystemsEnv();

  // What a user does before `helm install`: the namespace and the PostgreSQL Secret the chart names.
  kubectl('create', 'namespace', namespace);
  kubectl(
    'create',
    'secret',
    'generic',
    'omnicloud-postgres',
    '-n',
    namespace,
    `--from-literal=infra_db_url=${backing.OMNICLOUD_INFRA_DB_URL}`,
    `--from-literal=tenants_db_url=${backing.OMNICLOUD_TENANTS_DB_URL}`,
    `--from-literal=billing_db_url=${backing.OMNICLOUD_BILLING_DB_URL}`,
    `--from-literal=audit_db_url=${backing.OMNICLOUD_AUDIT_DB_URL}`,
  );
  kubectl(
    'create',
    'secret',
    'generic',
    'omnicloud-s3',
    '-n',
    namespace,
    `--from-literal=access_key=${backing.OMNICLOUD_S3_ACCESS_KEY}`,
    `--from-literal=secret_key=${backing.OMNICLOUD_S3_SECRET_KEY}`,
    ...(backing.OMNICLOUD_S3_ADMIN_ACCESS_KEY && backing.OMNICLOUD_S3_ADMIN_SECRET_KEY
      ? [
          `--from-literal=admin_access_key=${backing.OMNICLOUD_S3_ADMIN_ACCESS_KEY}`,
          `--from-literal=admin_secret_key=${backing.OMNICLOUD_S3_ADMIN_SECRET_KEY}`,
        ]
      : []),
  );
  kubectl(
    'create',
    'secret',
    'generic',
    'omnicloud-vault',
    '-n',
    namespace,
    `--from-literal=role_id=${backing.OMNICLOUD_VAULT_ROLE_ID}`,
    `--from-literal=secret_id=${backing.OMNICLOUD_VAULT_SECRET_ID}`,
  );
  const rendered = run(helmBinary, [
    'template',
    release,
    'charts/omnicloud',
    '-n',
    namespace,
    '--set',
    `metrics.port=${metricsPort}`,
    '--set',
    `webhook.port=${webhookPort}`,
    '--set',
    `kafka.brokers=${backing.OMNICLOUD_KAFKA_BROKERS}`,
    '--set',
    `provider.endpoint=${backing.OMNICLOUD_PROVIDER_URL}`,
    '--set',
    `s3.endpoint=${backing.OMNICLOUD_S3_ENDPOINT}`,
    '--set',
    `s3.region=${backing.OMNICLOUD_S3_REGION}`,
    '--set',
    `vault.addr=${backing.OMNICLOUD_VAULT_ADDR}`,
    '--set',
    'simulator.enabled=false',
    ...sets.flatMap((v) => ['--set', v]),
  ]);
  const docs = parseAllDocuments(rendered)
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => d !== null);
  const identity = docs.filter((d) => identityKinds.includes(d.kind));
  const webhooks = docs
    .filter((d) => webhookKinds.includes(d.kind))
    .map((d) => {
      for (const w of d.webhooks as Doc[]) {
        w.clientConfig = { url: `https://${host}:${webhookPort}${w.clientConfig.service.path}` };
      }
      return d;
    });
  const list = (items: Doc[]) => JSON.stringify({ kind: 'List', apiVersion: 'v1', items });
  run(kubectlBinary, ['apply', '-n', namespace, '-f', '-'], list(identity));
  run(kubectlBinary, ['apply', '-f', '-'], list(webhooks));

  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  const podSpec = deployment.spec.template.spec;
  const serviceAccount = podSpec.serviceAccountName as string;
  const container = podSpec.containers[0];
  const podName = `${deployment.metadata.name}-7c9d8-x2k4q`;
  const env = await containerEnv(core, container, { name: podName, namespace });

  const root = imageRoot();
  const token = await serviceAccountRoot(core, root, namespace, serviceAccount);
  fs.mkdirSync(path.join(root, 'home'));
  const logFile = path.join(logDir, 'test-operators', `chart-${release}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'w');
  // The image's ENTRYPOINT, from the image's working directory, with the pod's environment and no other.
  const child = spawn(process.execPath, ['dist/operator.mjs'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.join(root, 'home'),
      NODE_ENV: 'production',
      ...env,
      KUBERNETES_SERVICE_HOST: host,
      KUBERNETES_SERVICE_PORT: String(ports.apiserver),
      OMNICLOUD_SERVICE_ACCOUNT_ROOT: root,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const webhookName = webhooks[0]?.metadata.name as string | undefined;
  if (webhookName) {
    // Admission fails closed until the operator has put its CA into the webhook configuration.
    await eventually('the operator to inject its webhook CA bundle', async () => {
      if (child.exitCode !== null)
        throw new Error(`the operator exited: ${fs.readFileSync(logFile, 'utf8')}`);
      const cfg = JSON.parse(kubectl('get', 'validatingwebhookconfiguration', webhookName, '-o', 'json'));
      return cfg.webhooks[0].clientConfig.caBundle ? true : undefined;
    });
  }
  return {
    release,
    namespace,
    serviceAccount,
    podName,
    logFile,
    metricsPort,
    webhookPort,
    webhookConfiguration: webhookName ?? '',
    certSecret: env.OMNICLOUD_WEBHOOK_CERT_SECRET ?? '',
    token,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    uninstall() {
      for (const d of [...webhooks, ...identity].filter(
        (d) => !d.metadata.namespace && d.kind !== 'ServiceAccount',
      )) {
        kubectl('delete', d.kind, d.metadata.name, '--ignore-not-found');
      }
      kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false');
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface AuditedRequest {
  verb: string;
  code: number;
  resource: string;
}

/** The API server's record of every request `username` made (see hack/stack/components/apiserver.ts). */
export function auditedRequests(username: string): AuditedRequest[] {
  if (!fs.existsSync(auditLogPath)) return [];
  const requests: AuditedRequest[] = [];
  for (const line of fs.readFileSync(auditLogPath, 'utf8').split('\n')) {
    if (!line.includes(username)) continue;
    const e = JSON.parse(line) as Doc;
    if (e.user?.username !== username) continue;
    const o = e.objectRef ?? {};
    requests.push({
      verb: e.verb,
      code: e.responseStatus?.code ?? 0,
      resource: [o.apiGroup, o.resource, o.subresource, o.namespace, o.name].filter(Boolean).join('/'),
    });
  }
  return requests;
}
