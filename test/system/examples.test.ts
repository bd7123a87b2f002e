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
  this.timeout(300_000);
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('sys-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await op.stop();
  });

  it('applies examples/: a Ready tenant, a Ready network, two Running instances (one with a public address) and an Available volume, all in `kubectl get omnicloud`; deletes cleanly', async () => {
    const applied = kubectl('apply', '-f', 'examples/');
    assert.match(applied, /tenant\.omnicloud\.io\/acme (created|configured|unchanged)/);
    assert.match(applied, /network\.omnicloud\.io\/main (created|configured|unchanged)/);
    assert.match(applied, /compute\.omnicloud\.io\/web-2 (created|configured|unchanged)/);
    assert.match(applied, /invoice\.omnicloud\.io\/2026-11 (created|configured|unchanged)/);
    assert.match(applied, /costallocation\.omnicloud\.io\/shared-2026-11 (created|configured|unchanged)/);
    assert.match(applied, /volume\.omnicloud\.io\/web-data (created|configured|unchanged)/);
    const jsonpath = (kind: string, name: string, path: string, ns: string[] = []) =>
      kubectl('get', kind, name, ...ns, '-o', `jsonpath={${path}}`);
    await eventually('acme to be Ready', async () =>
      jsonpath('tenant', 'acme', '.status.conditions[?(@.type=="Ready")].status') === 'True'
        ? true
        : undefined,
    );
    await eventually(
      'web-1 and web-2 to be Running',
      async () =>
        ['web-1', 'web-2'].every(
          (n) => jsonpath('vm', n, '.status.phase', ['-n', 'tenant-acme']) === 'Running',
        )
          ? true
          : undefined,
      120_000,
    );
    const table = kubectl('get', 'omnicloud', '-A');
    assert.match(table, /acme\s+ACME Corporation\s+tenant-acme\s+Active\s+True/);
    assert.match(
      table,
      /tenant-acme\s+network\.omnicloud\.io\/main\s+eu-west-1\s+10\.\d+\.0\.0\/16\s+Ready\s+True/,
    );
    assert.match(
      table,
      /tenant-acme\s+compute\.omnicloud\.io\/web-1\s+eu-west-1\s+eu-west-1a\s+Running\s+10\.\d+\.\d+\.\d+\s+True/,
    );
    assert.match(jsonpath('vm', 'web-1', '.status.publicIp', ['-n', 'tenant-acme']), /^198\.51\.100\.\d+$/);
    assert.equal(jsonpath('vm', 'web-2', '.status.publicIp', ['-n', 'tenant-acme']), '');
    await eventually('web-data to be Available', async () =>
      jsonpath('ovol', 'web-data', '.status.conditions[?(@.type=="Ready")].status', ['-n', 'tenant-acme']) ===
      'True'
        ? true
        : undefined,
    );
    assert.match(
      kubectl('get', 'omnicloud', '-A'),
      /tenant-acme\s+volume\.omnicloud\.io\/web-data\s+eu-west-1a\s+ssd\s+50\s+Available\s+True/,
    );
    const hosts = ['web-1', 'web-2'].map((n) => jsonpath('vm', n, '.status.hostId', ['-n', 'tenant-acme']));
    assert.notEqual(hosts[0], hosts[1], 'the spread group puts them on different hosts');
    assert.match(
      kubectl(
        'auth',
        'can-i',
        'create',
        'computes.omnicloud.io',
        '-n',
        'tenant-acme',
        '--as',
        'alice@acme.example',
      ),
      /yes/,
    );
    const invoice = await eventually('the example invoice computed', async () => {
      const phase = jsonpath('invoice', '2026-11', '.status.phase', ['-n', 'tenant-acme']);
      return phase === 'Draft' || phase === 'Issued' ? phase : undefined;
    });
    assert.ok(invoice);
    assert.equal(jsonpath('invoice', '2026-11', '.status.currency', ['-n', 'tenant-acme']), 'EUR');
    const allocations = await eventually('the example cost allocation computed', async () => {
      const text = jsonpath('costalloc', 'shared-2026-11', '.status.allocations');
      return text ? (JSON.parse(text) as { tenant: string; amount: string }[]) : undefined;
    });
    assert.equal(jsonpath('costalloc', 'shared-2026-11', '.status.total'), '1650.00');
    const cents = allocations.reduce((sum, a) => sum + BigInt(a.amount.replace('.', '')), 0n);
    assert.equal(cents, 165000n, 'the parts add up to the total exactly');
    assert.ok(allocations.some((a) => a.tenant === 'acme'));

    kubectl('delete', '-f', 'examples/', '--wait=true', '--timeout=150s');
    assert.throws(() => kubectl('get', 'namespace', 'tenant-acme'), /NotFound/);
  });
});
