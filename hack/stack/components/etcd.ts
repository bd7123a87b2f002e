// etcd for the local control plane: one member on loopback, plain HTTP (it is reachable only from this machine).
import fs from 'node:fs';
import path from 'node:path';
import type { Component, ComponentStatus } from '../component.ts';
import { host, ports, stateDir, versions } from '../config.ts';
import { binary, ensureControlPlaneBinaries } from '../build.ts';
import { readPid, isAlive, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const clientUrl = `http://${host}:${ports.etcd}`;
const peerUrl = `http://${host}:${ports.etcdPeer}`;

async function healthy(): Promise<boolean> {
  const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json()) as { health?: string };
  return res.ok && body.health === 'true';
}

export const etcdComponent: Component = {
  name: 'etcd',
  prepare: ensureControlPlaneBinaries,
  async start() {
    if (await healthy().catch(() => false)) return;
    const dataDir = path.join(stateDir, 'etcd');
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    step(`starting etcd on ${clientUrl}`);
    const pid = startDaemon({
      name: 'etcd',
      command: binary('etcd'),
      args: [
        '--name=omnicloud',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=omnicloud=${peerUrl}`,
        '--log-level=warn',
        // A development store on one machine: fsync per write would only slow every test down.
        '--unsafe-no-fsync',
        '--quota-backend-bytes=4294967296',
      ],
    });
    await waitUntil('etcd', healthy, 60_000, pid);
  },
  async stop() {
    await stopDaemon('etcd');
  },
  async status(): Promise<ComponentStatus> {
    const answering = await healthy().catch(() => false);
    let version: string = versions.etcd;
    if (answering) {
      const v = (await (await fetch(`${clientUrl}/version`)).json()) as { etcdserver?: string };
      version = v.etcdserver ?? version;
    }
    const pid = readPid('etcd');
    return {
      name: 'etcd',
      version,
      address: clientUrl,
      answering,
      detail: pid && isAlive(pid) ? `pid ${pid}` : undefined,
    };
  },
};
