// Builds etcd, kube-apiserver, kube-controller-manager and kubectl from the Go module in hack/controlplane,
// once per Kubernetes version, into the cache.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { binDir, versions } from './config.ts';
import { logPath, step } from './process.ts';

const moduleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'controlplane');
export const controlPlaneBinaries = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
export type ControlPlaneBinary = (typeof controlPlaneBinaries)[number];

export function binary(name: ControlPlaneBinary): string {
  return path.join(binDir, name);
}

let building: Promise<void> | undefined;

export function ensureControlPlaneBinaries(): Promise<void> {
  building ??= build();
  return building;
}

async function build(): Promise<void> {
  if (controlPlaneBinaries.every((b) => fs.existsSync(binary(b)))) return;
  const started = Date.now();
  step(
    `building Kubernetes v${versions.kubernetes} and etcd v${versions.etcd} from Go modules (first time only; several minutes)`,
  );
  fs.mkdirSync(path.dirname(logPath('build')), { recursive: true });
  const tmp = `${binDir}.partial`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const ldflags = versionLdflags();
  const log = fs.openSync(logPath('build'), 'a');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('go', ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', tmp + '/', './cmd/...'], {
      cwd: moduleDir,
      env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' },
      stdio: ['ignore', log, log],
    });
    child.once('error', (err) =>
      reject(
        new Error(
          `cannot run the Go toolchain (${err.message}); Go 1.24 or newer is needed to build the control plane`,
        ),
      ),
    );
    child.once('exit', (c) => resolve(c ?? 1));
  });
  fs.closeSync(log);
  if (code !== 0)
    throw new Error(`building the control plane failed (exit ${code}); see ${logPath('build')}`);
  fs.mkdirSync(path.dirname(binDir), { recursive: true });
  fs.rmSync(binDir, { recursive: true, force: true });
  fs.renameSync(tmp, binDir);
  step(`built the control plane into ${binDir} in ${Math.round((Date.now() - started) / 1000)}s`);
}

/** The linker flags that stamp a control-plane binary with the Kubernetes version it is built from. */
export function versionLdflags(): string {
  const v = 'k8s.io/component-base/version';
  const [major, minor] = versions.kubernetes.split('.');
  return [
    '-s',
    '-w',
    `-X ${v}.gitVersion=v${versions.kubernetes}`,
    `-X ${v}.gitMajor=${major}`,
    `-X ${v}.gitMinor=${minor}`,
    `-X ${v}.gitTreeState=clean`,
    `-X ${v}.buildDate=1970-01-01T00:00:00Z`,
  ].join(' ');
}
