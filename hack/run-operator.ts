// Runs the operator against the cluster in KUBECONFIG (the local stack's by default): installs the CRDs by
// server-side apply, applies the examples (a tenant, a network, two instances), then runs the operator in this process until interrupted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { kubectlBinary } from './stack/components/tools.ts';
import { endpoints } from './stack/endpoints.ts';

const kubeconfig = endpoints().kubeconfig;
const kubectl = (...args: string[]): void => {
  execFileSync(kubectlBinary, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
};

const crds = fs.readdirSync('crds').filter((f) => f.endsWith('.yaml'));
kubectl('apply', '--server-side', '--field-manager=omnicloud-install', '-f', 'crds/');
kubectl('wait', '--for=condition=Established', '--timeout=60s', ...crds.map((f) => `-f=crds/${f}`));
if (process.env.OMNICLOUD_SKIP_EXAMPLES !== '1') kubectl('apply', '-f', 'examples/');
console.error(
  `[start] running the operator against ${kubeconfig}; try: KUBECONFIG=${kubeconfig} kubectl get tenants`,
);
await import('../operator/main.ts');
