// How the operator finds its cluster: KUBECONFIG first, then a pod's service account, else a clear error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeConfig } from '../../../operator/kubeconfig.ts';

const names = [
  'KUBECONFIG',
  'HOME',
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
  'OMNICLOUD_SERVICE_ACCOUNT_ROOT',
];

describe('operator cluster configuration', () => {
  let saved: Record<string, string | undefined>;
  let dir: string;
  beforeEach(() => {
    saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    for (const n of names) delete process.env[n];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-test-'));
    process.env.HOME = dir;
  });
  afterEach(() => {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const kubeconfig = (server: string) =>
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${server}'}}]\n` +
    `users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`;

  it('uses KUBECONFIG when set, even inside a pod', () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, kubeconfig('https://from-kubeconfig:6443'));
    process.env.KUBECONFIG = file;
    process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1';
    const c = loadKubeConfig();
    assert.equal(c.source, 'kubeconfig');
    assert.equal(c.server, 'https://from-kubeconfig:6443');
  });

  it('falls back to ~/.kube/config', () => {
    fs.mkdirSync(path.join(dir, '.kube'));
    fs.writeFileSync(path.join(dir, '.kube', 'config'), kubeconfig('https://home:6443'));
    assert.equal(loadKubeConfig().server, 'https://home:6443');
  });

  it("uses the pod's service account under a path prefix when there is no kubeconfig", () => {
    const sa = path.join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    fs.mkdirSync(sa, { recursive: true });
    fs.writeFileSync(path.join(sa, 'token'), 'token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), '');
    fs.writeFileSync(path.join(sa, 'namespace'), 'omnicloud-system');
    process.env.KUBERNETES_SERVICE_HOST = '10.96.0.1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    process.env.OMNICLOUD_SERVICE_ACCOUNT_ROOT = dir;
    const c = loadKubeConfig();
    assert.equal(c.source, 'in-cluster');
    assert.equal(c.server, 'https://10.96.0.1:443');
    assert.equal(c.kc.getContextObject(c.kc.getCurrentContext())?.namespace, 'omnicloud-system');
  });

  it('says what is missing instead of falling back to localhost:8080', () => {
    assert.throws(() => loadKubeConfig(), /no Kubernetes configuration: set KUBECONFIG, or run in a pod/);
    process.env.KUBECONFIG = path.join(dir, 'absent');
    assert.throws(() => loadKubeConfig(), /KUBECONFIG names .*absent, which does not exist/);
  });
});
