// From `kubectl apply -f examples/` to a Ready tenant, as a user would do it, with the real kubectl.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { kubectlBinary } from '../../hack/stack/components/tools.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';

function kubectl(...args: string[]): string {
  return execFileSync(kubectlBinary, args, {
    env: { ...process.env, KUBECONFIG: endpoints().kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}

describe('system: the examples, applied with kubectl', function () {
  this.timeout(180_000);
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('sys-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await op.stop();
  });

  it('applies examples/, shows a Ready tenant in `kubectl get omnicloud`, and deletes it cleanly', async () => {
    assert.match(
      kubectl('apply', '-f', 'examples/'),
      /tenant\.omnicloud\.io\/acme (created|configured|unchanged)/,
    );
    await eventually('acme to be Ready', async () => {
      const ready = kubectl(
        'get',
        'tenant',
        'acme',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      );
      return ready === 'True' ? true : undefined;
    });
    const table = kubectl('get', 'omnicloud');
    assert.match(table, /acme\s+ACME Corporation\s+tenant-acme\s+Active\s+True/);
    assert.match(kubectl('get', 'tn', 'acme', '-o', 'name'), /tenant.omnicloud.io\/acme/);
    assert.match(
      kubectl('auth', 'can-i', 'list', 'resourcequotas', '-n', 'tenant-acme', '--as', 'alice@acme.example'),
      /yes/,
    );
    kubectl('delete', '-f', 'examples/', '--wait=true', '--timeout=120s');
    assert.throws(() => kubectl('get', 'namespace', 'tenant-acme'), /NotFound/);
  });
});
