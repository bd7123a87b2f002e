// Finds operators other than a benchmark's own that would act on its objects: a live holder of the leader
// Lease the benchmark's operator campaigns for (wherever that holder runs), and operator processes on this
// machine that talk to the same API server, leader election on or off (an operator run with it off, as the
// integration tests run theirs, never shows in any Lease). A Lease's holder is judged live as leader election
// judges it (operator/lease.ts): by watching its record change on this process's clock, never by comparing
// its renewTime with this machine's wall clock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kubeconfigPath } from '../../hack/stack/config.ts';
import { leaseExpired, observe, type Observation } from '../../operator/lease.ts';

export interface LeaseHolder {
  holder: string;
  renewals: number;
  watchedMs: number;
}

/**
 * The live holder of Lease namespace/name, or undefined when there is none: no Lease, no holder, or a holder
 * that did not renew for a whole lease duration (a replica that died without handing it back).
 */
export async function liveLeaseHolder(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
): Promise<LeaseHolder | undefined> {
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const start = performance.now();
  let seen: Observation | undefined;
  let renewals = -1;
  for (;;) {
    let lease: k8s.V1Lease;
    try {
      lease = await leases.readNamespacedLease({ name, namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
    const now = performance.now();
    const next = observe(
      seen,
      {
        holderIdentity: lease.spec?.holderIdentity,
        // The typed client parses MicroTime into a Date; any change of it is what matters here.
        renewTime: String(lease.spec?.renewTime ?? ''),
        leaseDurationSeconds: lease.spec?.leaseDurationSeconds,
        resourceVersion: lease.metadata?.resourceVersion,
      },
      now,
    );
    if (next !== seen) renewals++;
    seen = next;
    if (!seen.holder || leaseExpired(seen, now)) return undefined;
    // Renewed while watched: someone is leading now. Leaders renew every retry period (2 s by default).
    if (renewals > 0) return { holder: seen.holder, renewals, watchedMs: now - start };
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface OperatorProcess {
  pid: number;
  command: string;
  /** What started it (npm start, a test run), so the message says whose it is. */
  parent?: string;
  identity: string;
  leaderElection: boolean;
  server: string;
}

/** What the operator's processes run: npm start's runner, the operator itself, the chart's bundle. */
const operatorEntryPoints = ['hack/run-operator.ts', 'operator/main.ts', 'operator.mjs'];

function readProc(pid: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function parentOf(pid: string): string | undefined {
  // The command may hold spaces or parentheses: the fields after the last ')' are fixed.
  const stat = readProc(pid, 'stat');
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
}

function serverInKubeconfig(file: string): string | undefined {
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(file);
    return kc.getCurrentCluster()?.server;
  } catch {
    return undefined;
  }
}

/** The API server a process reaches, found as operator/kubeconfig.ts and hack/run-operator.ts find it. */
function serverOf(env: Record<string, string>, command: string): string | undefined {
  const first = env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (first) return serverInKubeconfig(path.resolve(env.PWD ?? '/', first));
  // npm start's runner defaults KUBECONFIG to the local stack's before the operator reads it.
  if (command.includes('run-operator.ts')) return serverInKubeconfig(kubeconfigPath);
  if (env.KUBERNETES_SERVICE_HOST) {
    return `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  }
  const home = path.join(env.HOME ?? os.homedir(), '.kube', 'config');
  return fs.existsSync(home) ? serverInKubeconfig(home) : undefined;
}

/** Compares API server addresses: localhost and 127.0.0.1 are one host. */
export function sameServer(a: string | undefined, b: string | undefined): boolean {
  const norm = (s: string) => {
    const u = new URL(s);
    const hostname = u.hostname === 'localhost' ? '127.0.0.1' : u.hostname;
    return `${u.protocol}//${hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  };
  try {
    return a !== undefined && b !== undefined && norm(a) === norm(b);
  } catch {
    return false;
  }
}

/**
 * Operator processes on this machine that reach `server`, except `own` (this process by default; null for
 * none) and its descendants. A wrapper (tsx, npm) and the process it runs are one operator: only the
 * outermost is listed.
 */
export function operatorProcesses(server: string, own: number | null = process.pid): OperatorProcess[] {
  const pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const matching = new Map<string, string>();
  for (const pid of pids) {
    const argv = readProc(pid, 'cmdline')?.split('\0').filter(Boolean) ?? [];
    const command = argv.join(' ');
    if (operatorEntryPoints.some((e) => argv.some((a) => a.endsWith(e)))) matching.set(pid, command);
  }
  const ours = (pid: string): boolean => {
    for (let p: string | undefined = pid; p && p !== '0' && p !== '1'; p = parentOf(p)) {
      if (p === String(own)) return true;
    }
    return false;
  };
  const found: OperatorProcess[] = [];
  for (const [pid, command] of matching) {
    if (ours(pid) || matching.has(parentOf(pid) ?? '')) continue;
    // The operator's own settings are in the innermost process's environment: the wrapper passes its own on.
    const env = Object.fromEntries(
      (readProc(pid, 'environ') ?? '')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    const reaches = serverOf(env, command);
    if (reaches !== undefined && !sameServer(reaches, server)) continue;
    const inner = [...matching.keys()].filter((p) => p !== pid && descendsFrom(p, pid));
    const ppid = parentOf(pid);
    const parentCommand = ppid ? readProc(ppid, 'cmdline')?.split('\0').filter(Boolean).join(' ') : undefined;
    found.push({
      pid: Number(pid),
      command,
      ...(parentCommand ? { parent: `pid ${ppid}: ${parentCommand.slice(0, 200)}` } : {}),
      // The default identity is the host name and the pid of the process that runs the operator's code.
      identity: env.OMNICLOUD_IDENTITY ?? [pid, ...inner].map((p) => `${os.hostname()}-${p}`).join(' or '),
      leaderElection: env.OMNICLOUD_LEADER_ELECTION !== 'false',
      server: reaches ?? `${server} (assumed: no kubeconfig found in its environment)`,
    });
  }
  return found;
}

function descendsFrom(pid: string, ancestor: string): boolean {
  for (let p = parentOf(pid); p && p !== '0'; p = parentOf(p)) if (p === ancestor) return true;
  return false;
}

/** Why the benchmark will not run, naming each other operator and how to stop it. */
export function refusal(
  bench: string,
  server: string,
  lease: { namespace: string; name: string; holder?: LeaseHolder },
  processes: OperatorProcess[],
): string {
  const lines = [
    `${bench} must run alone: another OmniCloud operator is running against ${server}, and it would reconcile ` +
      "the benchmark's objects beside the benchmark's own operator.",
  ];
  if (lease.holder) {
    const local = processes.find((p) => p.identity.split(' or ').includes(lease.holder!.holder));
    lines.push(
      `  - the leader Lease ${lease.namespace}/${lease.name} is held by "${lease.holder.holder}", renewed ` +
        `${lease.holder.renewals} time(s) in the ${(lease.holder.watchedMs / 1000).toFixed(1)} s it was watched` +
        (local ? ` (pid ${local.pid} on this machine)` : ' (not a process on this machine)'),
    );
  }
  for (const p of processes) {
    lines.push(
      `  - pid ${p.pid}: ${p.command}\n      identity ${p.identity}; leader election ` +
        `${p.leaderElection ? 'on' : 'OFF (it acts whoever holds the Lease)'}; API server ${p.server}` +
        (p.parent ? `\n      started by ${p.parent}` : ''),
    );
  }
  lines.push(
    'Stop it, then run the benchmark again:',
    ...processes.map(
      (p) => `  kill ${p.pid}    # SIGTERM: it stops its work (and hands back the Lease if it holds it)`,
    ),
    '  (or Ctrl-C in the terminal running `npm start`; a test that started it stops it when it ends)',
  );
  if (lease.holder && !processes.some((p) => p.identity.split(' or ').includes(lease.holder!.holder))) {
    lines.push(
      `  the Lease holder runs elsewhere: stop it there (kubectl -n ${lease.namespace} get lease ${lease.name} ` +
        '-o yaml shows it); once it stops renewing, the Lease is free after its duration.',
    );
  }
  return lines.join('\n');
}
