// kube-scheduler for the placement benchmark: built from the same Kubernetes Go module as the local control
// plane (hack/controlplane/cmd/kube-scheduler), cached beside the control plane's binaries under the
// Kubernetes version, and run against the stack's API server with the admin kubeconfig, leader election off,
// under a scheduler name of its own, so it places only the benchmark's Pods and nobody else's pending ones.
import { versionLdflags } from '../../hack/stack/build.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binDir, logDir, versions } from '../../hack/stack/config.ts';
import { freePort } from '../../test/support/operator.ts';
import type { Teardown } from './teardown.ts';

const moduleDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'hack',
  'controlplane',
);
export const kubeSchedulerBinary = path.join(binDir, 'kube-scheduler');

/** Builds kube-scheduler once per Kubernetes version, version-stamped as the stack's binaries are. */
export async function ensureKubeScheduler(log: (msg: string) => void): Promise<string> {
  if (fs.existsSync(kubeSchedulerBinary)) return kubeSchedulerBinary;
  log(`building kube-scheduler v${versions.kubernetes} from hack/controlplane (first time only)`);
  const started = Date.now();
  // The version stamp the control plane's binaries get.
  const ldflags = versionLdflags();
  fs.mkdirSync(binDir, { recursive: true });
  // Built beside its final name and renamed, so an interrupted build never leaves a broken binary cached.
  const partial = `${kubeSchedulerBinary}.partial`;
  const buildLog = path.join(logDir, 'kube-scheduler-build.log');
  fs.mkdirSync(logDir, { recursive: true });
  const out = fs.openSync(buildLog, 'a');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      'go',
      ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', partial, './cmd/kube-scheduler'],
      {
        cwd: moduleDir,
        env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
        stdio: ['ignore', out, out],
      },
    );
    child.once('error', (err) => reject(new Error(`cannot run the Go toolchain (${err.message})`)));
    child.once('exit', (c) => resolve(c ?? 1));
  });
  fs.closeSync(out);
  if (code !== 0) throw new Error(`building kube-scheduler failed (exit ${code}); see ${buildLog}`);
  fs.renameSync(partial, kubeSchedulerBinary);
  log(`built ${kubeSchedulerBinary} in ${Math.round((Date.now() - started) / 1000)} s`);
  return kubeSchedulerBinary;
}

function healthy(port: number): Promise<boolean> {
  // /healthz is served to anyone (authorization-always-allow-paths), on a self-signed certificate.
  return new Promise((resolve) => {
    const req = https.get(
      `https://127.0.0.1:${port}/healthz`,
      { rejectUnauthorized: false, timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export interface SchedulerOptions {
  kubeconfig: string;
  schedulerName: string;
  /** The scheduler's client rate limit; kube-scheduler's defaults (50, burst 100) unless given. */
  qps?: number;
  burst?: number;
}

/** Starts kube-scheduler; returns once it answers /healthz. The teardown stops it. */
export async function startKubeScheduler(
  opts: SchedulerOptions,
  teardown: Teardown,
  log: (msg: string) => void,
): Promise<{ pid: number; logFile: string }> {
  const binary = await ensureKubeScheduler(log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scheduler-'));
  teardown.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      'apiVersion: kubescheduler.config.k8s.io/v1',
      'kind: KubeSchedulerConfiguration',
      'leaderElection:',
      '  leaderElect: false',
      'clientConnection:',
      `  kubeconfig: ${JSON.stringify(opts.kubeconfig)}`,
      `  qps: ${opts.qps ?? 50}`,
      `  burst: ${opts.burst ?? 100}`,
      'profiles:',
      `  - schedulerName: ${opts.schedulerName}`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const logFile = path.join(logDir, `${opts.schedulerName}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    binary,
    [
      `--config=${config}`,
      `--authentication-kubeconfig=${opts.kubeconfig}`,
      `--authorization-kubeconfig=${opts.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${dir}`,
      '--v=1',
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  teardown.adopt(child, 'kube-scheduler');
  const deadline = Date.now() + 60_000;
  while (!(await healthy(port))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`kube-scheduler exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    if (Date.now() > deadline)
      throw new Error(`kube-scheduler did not answer /healthz in 60 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { pid: child.pid!, logFile };
}
