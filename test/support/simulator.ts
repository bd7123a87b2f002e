// The cloud simulator as a process of a test's own, on a free port with a journal in a temporary folder, so
// the test needs neither the shared stack nor its lock; and waiting for a provider operation to end.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CloudProvider, Operation } from '../../controllers/provider/types.ts';
import { eventually } from './kube.ts';
import { freePort } from './operator.ts';

export interface OwnSimulator {
  url: string;
  port: number;
  /** The journal file, kept across restarts. */
  stateFile: string;
  /** Ends the process (SIGTERM lets it close its journal; SIGKILL is a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on the same port and journal. */
  restart(): Promise<void>;
  /** Stops the process and removes its journal. */
  dispose(): Promise<void>;
}

function spawnSimulator(port: number, stateFile: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'controllers/provider/simulator/main.ts'], {
    env: { ...process.env, OMNICLOUD_SIM_PORT: String(port), OMNICLOUD_SIM_STATE: stateFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<ChildProcess>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve(child));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * A simulator of the test's own. `env` sets its OMNICLOUD_SIM_* variables; by default operations take 50 ms
 * and what they create is visible at once.
 */
export async function startOwnSimulator(env: Record<string, string> = {}): Promise<OwnSimulator> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnicloud-sim-'));
  const stateFile = path.join(dir, 'state.jsonl');
  const port = await freePort();
  const settings = { OMNICLOUD_SIM_LATENCY_MS: '50', OMNICLOUD_SIM_VISIBILITY_DELAY_MS: '0', ...env };
  let child = await spawnSimulator(port, stateFile, settings);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stateFile,
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
    restart: async () => {
      await stopChild(child, 'SIGTERM');
      child = await spawnSimulator(port, stateFile, settings);
    },
    dispose: async () => {
      await stopChild(child, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The operation once it has succeeded or failed. */
export function settled(provider: CloudProvider, id: string, timeoutMs = 10_000): Promise<Operation> {
  return eventually(
    `operation ${id} to end`,
    async () => {
      const op = await provider.getOperation(id);
      return op.status === 'succeeded' || op.status === 'failed' ? op : undefined;
    },
    timeoutMs,
  );
}

/** The id of what a create made, once its operation has succeeded; a failed create throws with its reason. */
export async function created(provider: CloudProvider, pending: Promise<Operation>): Promise<string> {
  const op = await settled(provider, (await pending).id);
  if (op.status !== 'succeeded' || !op.resourceId)
    throw new Error(`${op.kind} ${op.id} failed: ${op.error?.code} ${op.error?.message}`);
  return op.resourceId;
}
