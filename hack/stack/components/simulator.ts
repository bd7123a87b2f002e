// The cloud simulator for the local stack: the embedded default provider, run as its own process with its
// state in the stack's state directory, so instances survive a restart of the simulator.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Component, ComponentStatus } from '../component.ts';
import { host, ports, stateDir } from '../config.ts';
import { startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const baseUrl = `http://${host}:${ports.simulator}`;

async function answers(): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

export const simulatorComponent: Component = {
  name: 'cloud-simulator',
  async prepare() {},
  async start() {
    if (await answers()) return;
    step(`starting the cloud simulator on ${baseUrl}`);
    const pid = startDaemon({
      name: 'cloud-simulator',
      command: process.execPath,
      args: ['--import', 'tsx', path.join(repoRoot, 'controllers/provider/simulator/main.ts')],
      cwd: repoRoot,
      env: {
        ...process.env,
        OMNICLOUD_SIM_PORT: String(ports.simulator),
        OMNICLOUD_SIM_STATE:
          process.env.OMNICLOUD_SIM_STATE ?? path.join(stateDir, 'simulator', 'state.json'),
      },
    });
    await waitUntil('cloud-simulator', answers, 30_000, pid);
  },
  async stop() {
    await stopDaemon('cloud-simulator');
  },
  async status(): Promise<ComponentStatus> {
    const up = await answers();
    return { name: 'cloud-simulator', version: 'omnicloud', address: baseUrl, answering: up };
  },
};
