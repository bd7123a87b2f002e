// From `kubectl apply -f examples/` to Ready objects, as a user would do it after `helm install`: the real
// kubectl, and the operator as the chart deploys it (its image entry point, its environment, its
// ServiceAccount and RBAC through in-cluster configuration, its admission webhooks), which the API server's
// audit log shows was never refused a request.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { parse } from 'yaml';
import { kubectlBinary } from '../../hack/stack/components/tools.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { auditedRequests, runChartOperator, type ChartOperator } from '../support/chart-operator.ts';
import { installCrds } from '../support/operator.ts';

function kubectl(...args: string[]): string {
  return execFileSync(kubectlBinary, args, {
    env: { ...process.env, KUBECONFIG: endpoints().kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}

interface AllocationStatus {
  phase: string;
  total: string;
  allocations: { tenant: string; amount: string }[];
}

const exampleMonth = (file: string): { name: string; month: string } => {
  const doc = parse(fs.readFileSync(`examples/${file}`, 'utf8')) as {
    metadata: { name: string };
    spec: { month: string };
  };
  return { name: doc.metadata.name, month: doc.spec.month };
};
const invoiceName = exampleMonth('04-invoice.yaml').name;
const allocationExample = exampleMonth('05-cost-allocation.yaml');
const allocationName = allocationExample.name;
const allocationMonthEnded = allocationExample.month < new Date().toISOString().slice(0, 7);

describe('system: the examples, applied with kubectl to the operator the chart deploys', function () {
  this.timeout(300_000);
  let op: ChartOperator;

  before(async () => {
    installCrds();
    op = await runChartOperator(uniqueName('sys'), uniqueName('omnicloud-system'));
  });
  after(async () => {
    await op?.stop();
    op?.uninstall();
  });

  it('applies examples/: a Ready tenant, a Ready network, two Running instances (one with a public address) and an Available volume, all in `kubectl get omnicloud`; deletes cleanly', async () => {
    const applied = kubectl('apply', '-f', 'examples/');
    assert.match(applied, /tenant\.omnicloud\.io\/acme (created|configured|unchanged)/);
    assert.match(applied, /network\.omnicloud\.io\/main (created|configured|unchanged)/);
    assert.match(applied, /compute\.omnicloud\.io\/web-2 (created|configured|unchanged)/);
    assert.match(
      applied,
      new RegExp(`invoice\\.omnicloud\\.io/${invoiceName} (created|configured|unchanged)`),
    );
    assert.match(
      applied,
      new RegExp(`costallocation\\.omnicloud\\.io/${allocationName} (created|configured|unchanged)`),
    );
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
    await eventually('web-db-password to be Ready', async () =>
      jsonpath('msec', 'web-db-password', '.status.conditions[?(@.type=="Ready")].status', [
        '-n',
        'tenant-acme',
      ]) === 'True'
        ? true
        : undefined,
    );
    assert.equal(
      jsonpath('secret', 'web-db-password', '.metadata.annotations.omnicloud\\.io/secret-version', [
        '-n',
        'tenant-acme',
      ]),
      '1',
    );
    await eventually('the web-assets Bucket to be Ready', async () =>
      jsonpath('obkt', 'web-assets', '.status.conditions[?(@.type=="Ready")].status', [
        '-n',
        'tenant-acme',
      ]) === 'True'
        ? true
        : undefined,
    );
    assert.equal(
      jsonpath('obkt', 'web-assets', '.status.conditions[?(@.type=="LifecycleApplied")].reason', [
        '-n',
        'tenant-acme',
      ]),
      'LifecycleUnsupported',
    );
    assert.match(
      jsonpath('secret', 'web-assets-s3-credentials', '.data.bucket', ['-n', 'tenant-acme']),
      /^[A-Za-z0-9+/=]+$/,
    );
    await eventually('the daily StateSnapshot Ready with its first snapshot', async () =>
      jsonpath('ssnap', 'daily', '.status.conditions[?(@.type=="Ready")].reason', ['-n', 'tenant-acme']) ===
      'SnapshotTaken'
        ? true
        : undefined,
    );
    await eventually('the web-data-nightly DiskSnapshot Ready with its manifest', async () =>
      jsonpath('dsnap', 'web-data-nightly', '.status.conditions[?(@.type=="Ready")].status', [
        '-n',
        'tenant-acme',
      ]) === 'True'
        ? true
        : undefined,
    );
    assert.match(
      jsonpath('dsnap', 'web-data-nightly', '.status.manifest', ['-n', 'tenant-acme']),
      /\S/,
      'the snapshot names its manifest in the object store',
    );
    await eventually('the web ConfigSet Ready at version 1', async () =>
      jsonpath('ocfg', 'web', '.status.conditions[?(@.type=="Ready")].status', ['-n', 'tenant-acme']) ===
      'True'
        ? true
        : undefined,
    );
    assert.equal(
      jsonpath('configmap', 'web-config', '.metadata.annotations.omnicloud\\.io/config-version', [
        '-n',
        'tenant-acme',
      ]),
      '1',
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
      const phase = jsonpath('invoice', invoiceName, '.status.phase', ['-n', 'tenant-acme']);
      return phase === 'Draft' || phase === 'Issued' ? phase : undefined;
    });
    assert.ok(invoice);
    assert.equal(jsonpath('invoice', invoiceName, '.status.currency', ['-n', 'tenant-acme']), 'EUR');
    const allocation = await eventually('the example cost allocation computed', async () => {
      const text = kubectl('get', 'costalloc', allocationName, '-o', 'json');
      const status = (JSON.parse(text) as { status?: AllocationStatus }).status;
      return status?.allocations ? status : undefined;
    });
    assert.equal(allocation.total, '1650.00');
    if (allocationMonthEnded) {
      // Applied after its month: acme did not exist then, so there is nothing to share, and it says so.
      assert.equal(allocation.phase, 'Final');
      assert.deepEqual(allocation.allocations, []);
    } else {
      assert.equal(allocation.phase, 'Provisional');
      const cents = allocation.allocations.reduce((sum, a) => sum + BigInt(a.amount.replace('.', '')), 0n);
      assert.equal(cents, 165000n, 'the parts add up to the total exactly');
      assert.ok(allocation.allocations.some((a) => a.tenant === 'acme'));
    }

    kubectl('delete', '-f', 'examples/', '--wait=true', '--timeout=150s');
    assert.throws(() => kubectl('get', 'namespace', 'tenant-acme'), /NotFound/);
  });

  it("ran as the chart's ServiceAccount through in-cluster configuration, and no request was refused", () => {
    const log = fs.readFileSync(op.logFile, 'utf8');
    assert.match(log, /"source":"in-cluster"/, 'the operator loaded the in-cluster configuration');
    assert.match(log, /became leader|controllers started/);
    const user = `system:serviceaccount:${op.namespace}:${op.serviceAccount}`;
    const requests = auditedRequests(user);
    const byVerb = new Set(requests.map((r) => r.verb));
    for (const verb of ['list', 'watch', 'create', 'update', 'patch']) {
      assert.ok(
        byVerb.has(verb),
        `the API server saw the ServiceAccount ${verb} (saw ${[...byVerb].join(', ')})`,
      );
    }
    const refused = requests.filter((r) => r.code === 403);
    assert.deepEqual(refused, [], "requests the chart's RBAC refused");
    assert.doesNotMatch(log, /forbidden|HTTP-Code: 403/i);
  });
});
