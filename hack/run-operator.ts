// Runs the operator against the cluster in KUBECONFIG (the local stack's by default): installs the CRDs by
// server-side apply, applies the examples (a tenant, a network, two instances), then runs the operator in
// this process, handing it the local stack's addresses for every backing system not already set.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { kubectlBinary } from './stack/components/tools.ts';
import { operatorEnv } from './stack/endpoints.ts';

for (const [name, value] of Object.entries(operatorEnv())) process.env[name] ??= value;
const kubeconfig = process.env.KUBECONFIG!;
const kubectl = (...args: string[]): void => {
  execFileSync(kubectlBinary, args, { stdio: 'inherit' });
};

const crds = fs.readdirSync('crds').filter((f) => f.endsWith('.yaml'));
kubectl('apply', '--server-side', '--field-manager=omnicloud-install', '-f', 'crds/');
kubectl('wait', '--for=condition=Established', '--timeout=60s', ...crds.map((f) => `-f=crds/${f}`));
if (process.env.OMNICLOUD_SKIP_EXAMPLES !== '1') kubectl('apply', '-f', 'examples/');
console.error(
  `[start] running the operator against ${kubeconfig}; try: KUBECONFIG=${kubeconfig} kubectl get tenants`,
);
await import('../operator/main.ts');
