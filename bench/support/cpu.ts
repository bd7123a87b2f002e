// CPU time spent by the processes a benchmark depends on over one phase, from /proc: a process and its live
// descendants (PostgreSQL's backends, a wrapper's child), so a slow figure can be told apart as work done or
// waiting for a busy machine. A descendant that exits inside the phase takes its time with it.
import fs from 'node:fs';
import os from 'node:os';
import { readPid } from '../../hack/stack/process.ts';

const tickMs = 10; // USER_HZ is 100 on Linux

function stat(pid: string): { ppid: string; cpuMs: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // After the command: state ppid ... utime (14th field, index 11 here) stime (index 12).
    return { ppid: f[1]!, cpuMs: (Number(f[11]) + Number(f[12])) * tickMs };
  } catch {
    return undefined;
  }
}

/** CPU ms used so far by `root` and its live descendants. */
export function treeCpuMs(root: number): number {
  const all = new Map<string, { ppid: string; cpuMs: number }>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = stat(pid);
    if (s) all.set(pid, s);
  }
  const inTree = (pid: string): boolean => {
    for (let p: string | undefined = pid; p && p !== '0'; p = all.get(p)?.ppid)
      if (p === String(root)) return true;
    return false;
  };
  let ms = 0;
  for (const [pid, s] of all) if (inTree(pid)) ms += s.cpuMs;
  return ms;
}

/** The stack's daemons a Compute goes through, by their pid files, and the given processes. */
export function stackProcesses(extra: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = { ...extra };
  for (const name of ['kube-apiserver', 'etcd', 'postgres', 'cloud-simulator', 'kube-controller-manager']) {
    const pid = readPid(name);
    if (pid) out[name] = pid;
  }
  return out;
}

export interface CpuUse {
  wallMs: number;
  cores: number;
  /** CPU ms per process over the phase. */
  byProcess: Record<string, number>;
}

/**
 * Starts measuring; the returned function ends the phase and gives what each process used, and this
 * benchmark's own process (its children, such as the operator, apart) as "benchmark client".
 */
export function measureCpu(processes: Record<string, number>): () => CpuUse {
  const start = performance.now();
  const client = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(processes).map(([n, pid]) => [n, treeCpuMs(pid)]));
  return () => {
    const used = process.cpuUsage(client);
    return {
      wallMs: performance.now() - start,
      cores: os.cpus().length,
      byProcess: {
        ...Object.fromEntries(Object.entries(processes).map(([n, pid]) => [n, treeCpuMs(pid) - before[n]!])),
        'benchmark client': Math.round((used.user + used.system) / 1000),
      },
    };
  };
}
