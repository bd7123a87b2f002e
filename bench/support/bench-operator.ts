// A benchmark's own operator, run alone. It refuses to start beside another operator on the same API server
// (other-operators.ts), then runs the operator as the tests do (test/support/operator.ts) with leader
// election ON for the usual Lease, so an operator started while the benchmark runs waits as a standby instead
// of racing it; the run goes on only once this operator leads. The operator authenticates as a ServiceAccount
// of its own (bound to cluster-admin for the run), because the local API server's audit log records service
// accounts' requests: that is how a benchmark counts the operator's API writes, per verb and resource.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { auditLogPath } from '../../hack/stack/components/apiserver.ts';
import { auditedRequests, type AuditedRequest } from '../../test/support/chart-operator.ts';
import { uniqueName } from '../../test/support/kube.ts';
import { startOperator, type OperatorProcess } from '../../test/support/operator.ts';
import { imageRoot } from '../../test/support/image.ts';
import { chartNodeOptions } from './chart-defaults.ts';
import { Refused } from './refused.ts';
import { liveLeaseHolder, operatorProcesses, refusal } from './other-operators.ts';
import type { Teardown } from './teardown.ts';

export interface BenchOperator {
  process: OperatorProcess;
  /** The ServiceAccount user the API server's audit log names the operator's requests with. */
  user: string;
  /** A point in the audit log to count the operator's requests from. */
  auditMark(): AuditMark;
  /**
   * The operator's requests since `mark`, or undefined when the API server rotated its audit log meanwhile
   * (at 50 MB): the requests before the rotation are in a file this does not read, so a count would be short.
   */
  requestsSince(mark: AuditMark): AuditedRequest[] | undefined;
  /** The operator's process id. */
  pid: number;
  /** Resident memory now and at its peak, in MiB. */
  rssMiB(): { now: number; peak: number };
  /** The operator's Prometheus metrics, as text. */
  metrics(): Promise<string>;
}

const lease = {
  namespace: process.env.OMNICLOUD_LEASE_NAMESPACE ?? 'kube-system',
  name: process.env.OMNICLOUD_LEASE_NAME ?? 'omnicloud-operator',
};

export interface AuditMark {
  inode: number;
  count: number;
}

const auditInode = (): number => (fs.existsSync(auditLogPath) ? fs.statSync(auditLogPath).ino : 0);

/** Throws Refused if another operator reaches this API server (or holds the Lease this one would take). */
export async function ensureNoOtherOperator(kc: k8s.KubeConfig, bench: string): Promise<void> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const holder = await liveLeaseHolder(kc, lease.namespace, lease.name);
  const processes = operatorProcesses(server);
  if (holder || processes.length > 0)
    throw new Refused(refusal(bench, server, { ...lease, holder }, processes));
}

/** Grants a fresh ServiceAccount cluster-admin for the run and writes a kubeconfig that uses its token. */
async function serviceAccountKubeconfig(
  kc: k8s.KubeConfig,
  teardown: Teardown,
  prefix: string,
): Promise<{ file: string; user: string }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const namespace = uniqueName(prefix);
  const name = 'operator';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  teardown.add(`delete namespace ${namespace}`, async () => {
    await core.deleteNamespace({ name: namespace });
  });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  teardown.add(`delete ClusterRoleBinding ${namespace}`, async () => {
    await rbac.deleteClusterRoleBinding({ name: namespace });
  });
  const token = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 4 * 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const sa = new k8s.KubeConfig();
  sa.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: token.status?.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  teardown.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(file, sa.exportConfig(), { mode: 0o600 });
  return { file, user: `system:serviceaccount:${namespace}:${name}` };
}

function statusField(pid: number, field: string): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024); // kB to MiB
}

/**
 * Starts the benchmark's operator (after ensureNoOtherOperator) and returns once it leads and its caches are
 * synced; the teardown stops it and removes its identity.
 */
export async function startBenchOperator(
  kc: k8s.KubeConfig,
  teardown: Teardown,
  bench: string,
  env: NodeJS.ProcessEnv,
): Promise<BenchOperator> {
  const { file, user } = await serviceAccountKubeconfig(kc, teardown, `${bench}-op`);
  // What a cluster runs: the image's bundle, with the chart's heap limit (OMNICLOUD_BENCH_SOURCES=1: the
  // sources through tsx instead, which holds the TypeScript sources and their transforms in memory too).
  const fromSources = process.env.OMNICLOUD_BENCH_SOURCES === '1';
  const image = fromSources ? undefined : imageRoot();
  if (image) teardown.add(`remove ${image}`, async () => fs.rmSync(image, { recursive: true, force: true }));
  const proc = await startOperator(
    uniqueName(`${bench}-op`),
    {
      KUBECONFIG: file,
      OMNICLOUD_LEADER_ELECTION: 'true',
      OMNICLOUD_LEASE_NAME: lease.name,
      OMNICLOUD_LEASE_NAMESPACE: lease.namespace,
      OMNICLOUD_LOG_LEVEL: 'info',
      ...(image ? { NODE_OPTIONS: chartNodeOptions() } : {}),
      ...env,
    },
    { image },
  );
  teardown.adopt(proc.child, `the ${bench} operator`);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `the operator exited (${proc.child.exitCode ?? proc.child.signalCode}); see ${proc.logFile}`,
      );
    }
    const ready = await proc.readyz();
    if (ready?.startsWith('200 leader')) break;
    if (Date.now() > deadline) {
      const holder = await liveLeaseHolder(kc, lease.namespace, lease.name);
      throw new Refused(
        `the ${bench} operator did not lead within 90 s (readyz: ${ready ?? 'no answer'}); the Lease ` +
          `${lease.namespace}/${lease.name} is held by ${holder?.holder ?? 'nobody live'}; log ${proc.logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const pid = proc.child.pid!;
  return {
    process: proc,
    pid,
    user,
    auditMark: () => ({ inode: auditInode(), count: auditedRequests(user).length }),
    requestsSince: (mark) =>
      auditInode() === mark.inode ? auditedRequests(user).slice(mark.count) : undefined,
    rssMiB: () => ({ now: statusField(pid, 'VmRSS'), peak: statusField(pid, 'VmHWM') }),
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${proc.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      return res.text();
    },
  };
}
