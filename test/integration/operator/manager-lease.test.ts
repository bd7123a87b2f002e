// The manager with real leader election against the real API server: when another replica takes the Lease,
// or when the API server stops answering (a frozen connection), the manager stops its background work and
// `exited` resolves with 2, within the time the lease leaves, instead of hanging or exiting the process.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { loadConfig } from '../../../operator/config.ts';
import { micro } from '../../../operator/leader.ts';
import { ExitCode, Manager, type BackgroundTask } from '../../../operator/manager.ts';
import { adminConfigThrough, apiServer, startFreezableProxy } from '../../support/freezable-proxy.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';

const namespace = 'default';
const log = pino({ level: process.env.OMNICLOUD_TEST_LOG_LEVEL ?? 'silent' });

function config(lease: string, identity: string) {
  return loadConfig(['node', 'operator'], {
    OMNICLOUD_HTTP_PORT: '0',
    OMNICLOUD_IDENTITY: identity,
    OMNICLOUD_LEASE_NAME: lease,
    OMNICLOUD_LEASE_NAMESPACE: namespace,
    OMNICLOUD_LEASE_DURATION_MS: '3000',
    OMNICLOUD_RENEW_DEADLINE_MS: '2000',
    OMNICLOUD_RETRY_PERIOD_MS: '500',
    OMNICLOUD_SHUTDOWN_GRACE_MS: '5000',
  });
}

function journaled(entries: string[]): BackgroundTask {
  return {
    name: 'relay',
    start: () => void entries.push('start'),
    stop: async () => void entries.push('stop'),
  };
}

describe('Manager with leader election on the real API server', function () {
  this.timeout(60_000);
  const coordination = adminConfig().makeApiClient(k8s.CoordinationV1Api);
  const custom = adminConfig().makeApiClient(k8s.CustomObjectsApi);
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  function useLease(): string {
    const lease = uniqueName('manager-lease');
    cleanups.push(() => coordination.deleteNamespacedLease({ name: lease, namespace }));
    return lease;
  }

  it('resolves exited with 2, its work stopped, when another replica takes the lease', async () => {
    const lease = useLease();
    const entries: string[] = [];
    const manager = new Manager(adminConfig(), config(lease, uniqueName('m')), log);
    manager.addBackground(journaled(entries));
    cleanups.push(() => manager.shutdown('test over'));
    await manager.start();
    await eventually('the manager to lead', async () => (entries.includes('start') ? true : undefined));

    // Another replica takes the lease over (as after a forced takeover): the leader must notice and stop.
    const where = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', name: lease, namespace };
    const current = (await custom.getNamespacedCustomObject(where)) as { spec: Record<string, unknown> };
    current.spec = { ...current.spec, holderIdentity: 'another-replica', renewTime: micro(new Date()) };
    await custom.replaceNamespacedCustomObject({ ...where, body: current });

    assert.equal(await manager.exited, ExitCode.LeaseLost);
    assert.deepEqual(entries, ['start', 'stop']);
    const after = await coordination.readNamespacedLease({ name: lease, namespace });
    assert.equal(
      after.spec?.holderIdentity,
      'another-replica',
      'a replica that lost the lease leaves it alone',
    );
  });

  it('resolves exited with 2, its work stopped, when the API server stops answering', async () => {
    const lease = useLease();
    const proxy = await startFreezableProxy(apiServer());
    cleanups.push(() => proxy.close());
    const entries: string[] = [];
    const manager = new Manager(adminConfigThrough(proxy), config(lease, uniqueName('m')), log);
    manager.addBackground(journaled(entries));
    cleanups.push(() => manager.shutdown('test over'));
    await manager.start();
    await eventually('the manager to lead', async () => (entries.includes('start') ? true : undefined));

    proxy.freeze();
    assert.equal(await manager.exited, ExitCode.LeaseLost);
    assert.deepEqual(entries, ['start', 'stop']);
  });
});
