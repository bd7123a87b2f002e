// Runs the operator against the cluster in KUBECONFIG (the local stack's by default), as `npm start` does:
// installs the CRDs by server-side apply, runs the operator in this process with the local stack's address
// for every backing system not already set, serving its admission webhooks and registering them with the
// API server exactly as the chart's configurations do (OMNICLOUD_WEBHOOKS=off runs without them), and
// applies examples/ once admission is up.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { kubectlBinary } from './stack/components/tools.ts';
import './stack/env-defaults.ts';

const kubeconfig = process.env.KUBECONFIG!;
const webhooks = (process.env.OMNICLOUD_WEBHOOKS ?? 'on') !== 'off';
const configuration = process.env.OMNICLOUD_WEBHOOK_CONFIGURATION ?? 'omnicloud-local';
if (webhooks) {
  process.env.OMNICLOUD_WEBHOOK_PORT ??= '19443';
  process.env.OMNICLOUD_WEBHOOK_CONFIGURATION = configuration;
  process.env.OMNICLOUD_WEBHOOK_URL ??= `https://127.0.0.1:${process.env.OMNICLOUD_WEBHOOK_PORT}`;
}
const kubectl = (...args: string[]): void => {
  execFileSync(kubectlBinary, args, { stdio: 'inherit' });
};

// A configuration left by an operator that did not stop cleanly would refuse everything until this one
// registers again: remove it, so that the one that reappears is this process's.
if (webhooks) {
  kubectl(
    'delete',
    'validatingwebhookconfiguration,mutatingwebhookconfiguration',
    configuration,
    '--ignore-not-found',
  );
}
const crds = fs.readdirSync('crds').filter((f) => f.endsWith('.yaml'));
kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=omnicloud-install', '-f', 'crds/');
kubectl('wait', '--for=condition=Established', '--timeout=60s', ...crds.map((f) => `-f=crds/${f}`));
console.error(
  webhooks
    ? `[start] admission webhooks on: registered as ${configuration} at ${process.env.OMNICLOUD_WEBHOOK_URL}`
    : '[start] admission webhooks OFF (OMNICLOUD_WEBHOOKS=off): only the CRD schemas and the controllers check input',
);
console.error(
  `[start] running the operator against ${kubeconfig}; try: KUBECONFIG=${kubeconfig} kubectl get tenants`,
);

/** Applies the examples once this process has registered its webhooks (at once when they are off). */
async function applyExamples(): Promise<void> {
  const run = promisify(execFile);
  const deadline = Date.now() + 120_000;
  while (webhooks && Date.now() < deadline) {
    const got = await run(kubectlBinary, ['get', 'validatingwebhookconfiguration', configuration]).catch(
      () => undefined,
    );
    if (got) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { stdout } = await run(kubectlBinary, ['apply', '-f', 'examples/']);
  process.stderr.write(stdout);
}
if (process.env.OMNICLOUD_SKIP_EXAMPLES !== '1') {
  applyExamples().catch((err: unknown) => console.error(`[start] applying examples/ failed: ${String(err)}`));
}
await import('../operator/main.ts');
