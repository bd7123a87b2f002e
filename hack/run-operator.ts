// Runs the operator against the cluster in KUBECONFIG (the local stack's by default): installs the CRDs
// by server-side apply, then runs until interrupted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { kubectlBinary } from './stack/components/tools.ts';
import { endpoints } from './stack/endpoints.ts';

const kubeconfig = endpoints().kubeconfig;
const kubectl = (...args: string[]): void => {
  execFileSync(kubectlBinary, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
};

const crds = fs.readdirSync('crds').filter((f) => f.endsWith('.yaml'));
if (crds.length > 0) {
  kubectl('apply', '--server-side', '--field-manager=omnicloud-install', '-f', 'crds/');
  kubectl('wait', '--for=condition=Established', '--timeout=60s', ...crds.map((f) => `-f=crds/${f}`));
}
console.log(`OmniCloud CRDs installed on the cluster in ${kubeconfig}; waiting (Ctrl-C to stop).`);
setInterval(() => undefined, 1 << 30);
