// The Helm chart against the real API server: lint, server-side dry run of every object, least-privilege
// RBAC (no wildcards; the ServiceAccount can do what the operator needs and nothing more), and
// install, upgrade and uninstall.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { kinds as omnicloudKinds } from '../../../crds/schemas/index.ts';
import { helmBinary, kubectlBinary } from '../../../hack/stack/components/tools.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { uniqueName } from '../../support/kube.ts';

const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: endpoints().kubeconfig });
const run = (bin: string, args: string[], input?: string): string =>
  execFileSync(bin, args, { env: env(), input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
const helm = (...args: string[]): string => run(helmBinary, args);
const kubectl = (...args: string[]): string => run(kubectlBinary, args);

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

describe('Helm chart', function () {
  this.timeout(180_000);
  const namespace = uniqueName('omnicloud-system');
  const release = uniqueName('oc');

  after(() => {
    try {
      helm('uninstall', release, '-n', namespace);
    } catch {
      /* already uninstalled by the test */
    }
    kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false');
  });

  it('passes helm lint', () => {
    assert.match(helm('lint', 'charts/omnicloud'), /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders objects the API server accepts (server-side dry run), with no wildcard in any RBAC rule', () => {
    const rendered = helm(
      'template',
      release,
      'charts/omnicloud',
      '-n',
      namespace,
      '--set',
      'networkPolicy.enabled=true',
    );
    const docs = parseAllDocuments(rendered)
      .map((d) => d.toJSON() as { kind: string; rules?: Rule[] } | null)
      .filter(Boolean);
    const kinds = docs.map((d) => d!.kind).sort();
    for (const k of [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]) {
      assert.ok(kinds.includes(k), `${k} missing from the chart`);
    }
    for (const d of docs) {
      for (const r of d!.rules ?? []) {
        for (const field of [r.apiGroups ?? [], r.resources ?? [], r.verbs]) {
          assert.ok(!field.includes('*'), `wildcard in ${d!.kind} rule ${JSON.stringify(r)}`);
        }
      }
    }
    // Every OmniCloud kind, and its status, is in the operator's ClusterRole with the verbs it reconciles with.
    const clusterRole = docs.find((d) => d!.kind === 'ClusterRole')!;
    const grants = (resource: string, verb: string) =>
      (clusterRole.rules ?? []).some(
        (r) =>
          r.apiGroups?.includes('omnicloud.io') && r.resources?.includes(resource) && r.verbs.includes(verb),
      );
    for (const { plural } of omnicloudKinds) {
      for (const verb of ['get', 'list', 'watch', 'update', 'patch'])
        assert.ok(grants(plural, verb), `the ClusterRole must grant ${verb} on ${plural}`);
      for (const verb of ['get', 'update', 'patch'])
        assert.ok(grants(`${plural}/status`, verb), `the ClusterRole must grant ${verb} on ${plural}/status`);
    }
    kubectl('create', 'namespace', namespace);
    const out = run(kubectlBinary, ['apply', '--dry-run=server', '-n', namespace, '-f', '-'], rendered);
    assert.match(out, /deployment\.apps\/\S+ created \(server dry run\)/);
  });

  it('refuses to install while the PostgreSQL Secret is missing or lacks a key, naming both', () => {
    const install = () => helm('install', release, 'charts/omnicloud', '-n', namespace, '--create-namespace');
    assert.throws(install, (err: Error & { stderr?: Buffer }) =>
      new RegExp(
        `Secret omnicloud-postgres not found in namespace ${namespace}.*audit_db_url, billing_db_url, infra_db_url, tenants_db_url`,
      ).test(String(err.stderr)),
    );
    kubectl(
      'create',
      'secret',
      'generic',
      'omnicloud-postgres',
      '-n',
      namespace,
      '--from-literal=infra_db_url=postgres://u:p@db:5432/infra_db',
    );
    assert.throws(install, (err: Error & { stderr?: Buffer }) =>
      new RegExp(`Secret ${namespace}/omnicloud-postgres has no key audit_db_url`).test(String(err.stderr)),
    );
    assert.throws(() => kubectl('get', 'deployment', `${release}-operator`, '-n', namespace), /NotFound/);
    const url = (db: string) => `--from-literal=${db}_url=postgres://u:p@db:5432/${db}`;
    kubectl('delete', 'secret', 'omnicloud-postgres', '-n', namespace);
    kubectl(
      'create',
      'secret',
      'generic',
      'omnicloud-postgres',
      '-n',
      namespace,
      ...['infra_db', 'tenants_db', 'billing_db', 'audit_db'].map(url),
    );
    assert.throws(install, (err: Error & { stderr?: Buffer }) =>
      new RegExp(`Secret omnicloud-s3 not found in namespace ${namespace}.*access_key, secret_key`).test(
        String(err.stderr),
      ),
    );
    kubectl(
      'create',
      'secret',
      'generic',
      'omnicloud-s3',
      '-n',
      namespace,
      '--from-literal=access_key=AKOPERATOR',
      '--from-literal=secret_key=operator-secret',
    );
    assert.throws(install, (err: Error & { stderr?: Buffer }) =>
      new RegExp(`Secret omnicloud-vault not found in namespace ${namespace}.*role_id, secret_id`).test(
        String(err.stderr),
      ),
    );
    kubectl(
      'create',
      'secret',
      'generic',
      'omnicloud-vault',
      '-n',
      namespace,
      '--from-literal=role_id=role',
      '--from-literal=secret_id=approle-secret',
    );
    assert.throws(() => kubectl('get', 'deployment', `${release}-operator`, '-n', namespace), /NotFound/);
  });

  it('refuses values the operator does not read, and malformed brokers, before rendering', () => {
    assert.throws(
      () => helm('template', release, 'charts/omnicloud', '--set', 'consul.address=https://consul:8500'),
      (err: Error & { stderr?: Buffer }) =>
        /additional properties 'consul' not allowed|consul/.test(String(err.stderr)),
    );
    assert.throws(
      () => helm('template', release, 'charts/omnicloud', '--set', 'kafka.brokers=kafka'),
      (err: Error & { stderr?: Buffer }) => /kafka\.brokers|brokers/.test(String(err.stderr)),
    );
  });

  it('names in the Deployment only variables and Secrets the operator reads', () => {
    const rendered = helm('template', release, 'charts/omnicloud', '-n', namespace);
    const deployment = parseAllDocuments(rendered)
      .map((d) => d.toJSON() as { kind: string; spec?: any } | null) // eslint-disable-line @typescript-eslint/no-explicit-any
      .find((d) => d?.kind === 'Deployment')!;
    const env = deployment.spec.template.spec.containers[0].env as {
      name: string;
      valueFrom?: { secretKeyRef?: { name: string } };
    }[];
    const source = ['operator', 'controllers', 'webhooks']
      .flatMap((dir) =>
        execFileSync('grep', ['-rhoE', 'OMNICLOUD_[A-Z0-9_]+|KUBERNETES_SERVICE_[A-Z]+', dir])
          .toString()
          .split('\n'),
      )
      .filter(Boolean);
    // Read by Node itself, not by our code: the heap ceiling (operator.heapMiB).
    const readByNode = new Set(['NODE_OPTIONS']);
    for (const e of env)
      assert.ok(
        readByNode.has(e.name) || source.includes(e.name),
        `${e.name} is set by the chart but read nowhere`,
      );
    const secrets = new Set(
      env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
    );
    assert.deepEqual([...secrets].sort(), ['omnicloud-postgres', 'omnicloud-s3', 'omnicloud-vault']);
  });

  it("caps Node's heap below the container's memory limit (operator.heapMiB)", () => {
    const containerOf = (...sets: string[]) => {
      const rendered = helm('template', release, 'charts/omnicloud', '-n', namespace, ...sets);
      const deployment = parseAllDocuments(rendered)
        .map((d) => d.toJSON() as { kind: string; spec?: any } | null) // eslint-disable-line @typescript-eslint/no-explicit-any
        .find((d) => d?.kind === 'Deployment')!;
      return deployment.spec.template.spec.containers[0] as {
        env: { name: string; value?: string }[];
        resources: { limits: { memory: string } };
      };
    };
    const mebibytes = (quantity: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
      assert.ok(m, `a memory limit in Mi or Gi: ${quantity}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    const heapOf = (c: ReturnType<typeof containerOf>) => {
      const options = c.env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      const m = /^--max-old-space-size=(\d+)$/.exec(options);
      assert.ok(m, `NODE_OPTIONS sets the heap ceiling: ${JSON.stringify(options)}`);
      return Number(m[1]);
    };
    const byDefault = containerOf();
    const limit = mebibytes(byDefault.resources.limits.memory);
    const heap = heapOf(byDefault);
    assert.ok(heap < limit, `heap ${heap} MiB below the memory limit ${limit} MiB`);
    assert.ok(heap >= limit / 2, `heap ${heap} MiB uses most of the ${limit} MiB limit`);
    const sized = containerOf('--set', 'operator.heapMiB=1536', '--set', 'resources.limits.memory=2Gi');
    assert.deepEqual([heapOf(sized), mebibytes(sized.resources.limits.memory)], [1536, 2048]);
    for (const [sets, why] of [
      [['--set', 'operator.heapMiB=16'], /heapMiB/],
      [
        ['--set', 'operator.heapMiB=512'],
        /operator\.heapMiB \(512\) must be below resources\.limits\.memory \(512Mi/,
      ],
      [
        ['--set', 'operator.heapMiB=3072', '--set', 'resources.limits.memory=2Gi'],
        /must be below resources\.limits\.memory \(2Gi = 2048 MiB\)/,
      ],
    ] as const)
      assert.throws(
        () => containerOf(...sets),
        (err: Error & { stderr?: Buffer }) => why.test(String(err.stderr)),
      );
  });

  it('installs, grants the ServiceAccount exactly what the operator needs, upgrades and uninstalls', () => {
    helm('install', release, 'charts/omnicloud', '-n', namespace);
    const deployment = JSON.parse(
      kubectl('get', 'deployment', `${release}-operator`, '-n', namespace, '-o', 'json'),
    );
    assert.equal(deployment.spec.replicas, 2);
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.containers[0].securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(pod.containers[0].securityContext.capabilities.drop, ['ALL']);
    assert.ok(
      pod.containers[0].env.every(
        (e: { name: string; value?: string }) =>
          !/URL|TOKEN|KEY/.test(e.name) || e.value === undefined || /^http|:/.test(e.value),
      ),
      'credentials come from Secrets, never from plain values',
    );

    const as = `system:serviceaccount:${namespace}:${release}-operator`;
    const can = (...args: string[]): boolean => {
      try {
        return kubectl('auth', 'can-i', ...args, '--as', as).trim() === 'yes';
      } catch {
        return false;
      }
    };
    const needed: string[][] = [
      ['watch', 'tenants.omnicloud.io'],
      ['patch', 'tenants.omnicloud.io', '--subresource=status'],
      ['create', 'namespaces'],
      ['delete', 'namespaces'],
      ['patch', 'resourcequotas', '-n', 'tenant-x'],
      ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'tenant-x'],
      ['create', 'events.events.k8s.io', '-n', 'default'],
      ['update', 'leases.coordination.k8s.io', '-n', namespace],
      ['watch', 'computes.omnicloud.io', '-n', 'tenant-x'],
      ['patch', 'computes.omnicloud.io', '-n', 'tenant-x', '--subresource=status'],
      ['patch', 'networks.omnicloud.io', '-n', 'tenant-x', '--subresource=status'],
      ['watch', 'volumes.omnicloud.io', '-n', 'tenant-x'],
      ['update', 'volumes.omnicloud.io', '-n', 'tenant-x'],
      ['patch', 'volumes.omnicloud.io', '-n', 'tenant-x', '--subresource=status'],
      ['get', `secrets/${release}-operator-webhook-tls`, '-n', namespace],
      ['update', `secrets/${release}-operator-webhook-tls`, '-n', namespace],
      // Bucket credentials and ManagedSecret values are delivered as Secrets, ConfigSets as ConfigMaps, in
      // tenants' namespaces.
      ['create', 'secrets', '-n', 'tenant-x'],
      ['watch', 'secrets', '-n', 'tenant-x'],
      ['update', 'configmaps', '-n', 'tenant-x'],
    ];
    for (const args of needed) assert.equal(can(...args), true, `the operator needs: ${args.join(' ')}`);
    const forbidden: string[][] = [
      ['create', 'pods', '-n', 'default'],
      ['create', 'serviceaccounts', '--subresource=token', '-n', 'default'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
      ['update', 'leases.coordination.k8s.io', '-n', 'kube-system'],
      ['delete', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['escalate', 'roles.rbac.authorization.k8s.io', '-n', 'default'],
    ];
    for (const args of forbidden)
      assert.equal(can(...args), false, `the operator must not: ${args.join(' ')}`);

    const cfg = `${release}-operator`;
    assert.equal(can('patch', `validatingwebhookconfigurations.admissionregistration.k8s.io/${cfg}`), true);
    assert.equal(
      can('patch', 'validatingwebhookconfigurations.admissionregistration.k8s.io/someone-else'),
      false,
    );
    const validating = JSON.parse(kubectl('get', 'validatingwebhookconfiguration', cfg, '-o', 'json'));
    assert.equal(validating.webhooks[0].failurePolicy, 'Fail');
    assert.deepEqual(
      validating.webhooks[0].rules[0].operations,
      ['CREATE', 'UPDATE'],
      'deletes never reach the webhook, but for',
    );
    assert.deepEqual(validating.webhooks[0].rules[1], {
      apiGroups: ['omnicloud.io'],
      apiVersions: ['v1alpha1'],
      resources: ['invoices'],
      operations: ['DELETE'],
      scope: 'Namespaced',
    });
    assert.equal(validating.webhooks[0].clientConfig.service.name, cfg);
    const validated = validating.webhooks[0].rules[0].resources as string[];
    for (const { plural } of omnicloudKinds)
      assert.ok(validated.includes(plural), `the validating webhook must cover ${plural}`);
    assert.equal(
      JSON.parse(kubectl('get', 'mutatingwebhookconfiguration', cfg, '-o', 'json')).webhooks[0].failurePolicy,
      'Ignore',
    );

    helm('upgrade', release, 'charts/omnicloud', '-n', namespace, '--set', 'replicaCount=3');
    assert.equal(
      kubectl('get', 'deployment', `${release}-operator`, '-n', namespace, '-o', 'jsonpath={.spec.replicas}'),
      '3',
    );

    helm('uninstall', release, '-n', namespace);
    assert.throws(() => kubectl('get', 'deployment', `${release}-operator`, '-n', namespace), /NotFound/);
    assert.throws(() => kubectl('get', 'clusterrole', `${release}-operator`), /NotFound/);
  });
});
