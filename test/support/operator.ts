// Runs the real operator as a child process for integration and chaos tests, and reads its probes.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { kubectlBinary } from '../../hack/stack/components/tools.ts';
import { logDir } from '../../hack/stack/config.ts';
import { endpoints, operatorEnv } from '../../hack/stack/endpoints.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Installs every CRD in crds/ by server-side apply and waits until they are established. */
export function installCrds(): void {
  const env = { ...process.env, KUBECONFIG: endpoints().kubeconfig };
  const files = fs.readdirSync('crds').filter((f) => f.endsWith('.yaml'));
  execFileSync(
    kubectlBinary,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=omnicloud-install', '-f', 'crds/'],
    { env, stdio: 'pipe' },
  );
  execFileSync(
    kubectlBinary,
    ['wait', '--for=condition=Established', '--timeout=60s', ...files.map((f) => `-f=crds/${f}`)],
    { env, stdio: 'pipe' },
  );
}

export interface OperatorProcess {
  child: ChildProcess;
  port: number;
  identity: string;
  logFile: string;
  readyz(): Promise<string | undefined>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts an operator process from the sources, or with `image` from the image's bundle (dist/operator.mjs, as
 * the Dockerfile builds it: what a cluster runs).
 */
export async function startOperator(
  identity: string,
  env: NodeJS.ProcessEnv = {},
  opts: { image?: string } = {},
): Promise<OperatorProcess> {
  const port = await freePort();
  const logFile = path.join(logDir, 'test-operators', `${identity}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const entry = opts.image
    ? [path.join(opts.image, 'dist', 'operator.mjs')]
    : ['--import', 'tsx', 'operator/main.ts'];
  const child = spawn(process.execPath, entry, {
    env: {
      ...process.env,
      ...operatorEnv(),
      OMNICLOUD_HTTP_PORT: String(port),
      OMNICLOUD_IDENTITY: identity,
      OMNICLOUD_LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Returned once its probes answer (or it has exited, for tests of a start that fails), so a test never
  // races the operator's start.
  const deadline = Date.now() + 60_000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(1000),
    }).then(
      () => true,
      () => false,
    );
    if (answered) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    port,
    identity,
    logFile,
    async readyz() {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
        return `${res.status} ${(await res.text()).trim()}`;
      } catch {
        return undefined;
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
