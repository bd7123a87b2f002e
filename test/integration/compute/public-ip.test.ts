// Public addresses against the real stack: an instance that asks for one gets it from the provider and shows
// it in status, keeps it while stopped, and gives it back when deleted; the tenant's publicIPs quota is held
// by the Compute controller itself (no webhook registered here).
import assert from 'node:assert/strict';
import type { Compute } from '../../../crds/schemas/compute.ts';
import type { Network } from '../../../crds/schemas/network.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants } from '../../support/tenants.ts';
import {
  computeManifest,
  condition,
  create,
  inPhase,
  networkManifest,
  patchSpec,
  read,
  remove,
  waitFor,
} from '../../support/infra.ts';

/** eu-west-1's public addresses come from 198.51.100.0/24 at the simulator. */
const euWestPublic = /^198\.51\.100\.\d{1,3}$/;

describe('integration: public addresses of instances', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const tenant = uniqueName('pip');
  const ns = `tenant-${tenant}`;
  const provider = new HttpProvider(endpoints().provider);
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    op = await startOperator(uniqueName('pip-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: '1000',
    });
    await createReadyTenant(kc, tenant, {
      quotas: { vcpu: 8, memory: '64Gi', storage: '1Ti', networks: 1, publicIPs: 1 },
    });
    await create(kc, networkManifest(ns, 'net'));
    await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
  });
  after(async () => {
    for (const n of ['edge-1', 'edge-2', 'inner']) await remove(kc, 'computes', ns, n);
    await deleteTenants(kc, [tenant], false, 120_000);
    await op?.stop();
  });

  it('gives an instance that asks for one a public address, shown in status and held at the provider', async () => {
    await create(kc, computeManifest(ns, 'edge-1', { publicIp: true }));
    await create(kc, computeManifest(ns, 'inner', { subnet: 'b' }));
    const edge = await waitFor<Compute>(kc, 'computes', ns, 'edge-1', 'Running with a public address', (c) =>
      Boolean(c.status?.phase === 'Running' && c.status.publicIp),
    );
    assert.match(edge.status!.publicIp!, euWestPublic);
    assert.match(
      condition(edge, 'Ready')!.message,
      new RegExp(`\\(public ${edge.status!.publicIp!.replace(/\./g, '\\.')}\\)`),
    );
    assert.equal((await provider.getInstance(edge.status!.providerId!))?.publicIp, edge.status!.publicIp);
    const inner = await waitFor<Compute>(kc, 'computes', ns, 'inner', 'Running', inPhase('Running'));
    assert.equal(inner.status?.publicIp, undefined, 'no address unless asked for');
  });

  it('refuses to change spec.publicIp on an existing instance', async () => {
    await assert.rejects(
      patchSpec(kc, 'computes', ns, 'inner', { publicIp: true }),
      /spec\.publicIp: is immutable/,
    );
  });

  it("holds an instance beyond the tenant's publicIPs quota back with QuotaExceeded", async () => {
    await create(kc, computeManifest(ns, 'edge-2', { publicIp: true, subnet: 'b' }));
    const held = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'edge-2',
      'held back by the quota',
      (c) => condition(c, 'Scheduled')?.reason === 'QuotaExceeded',
    );
    assert.match(
      condition(held, 'Scheduled')!.message,
      /has 1 of 1 public IPs in use.*spec\.quotas\.publicIPs/,
    );
  });

  it('keeps the address while stopped and releases it on deletion, so the next instance can have one', async () => {
    const before = (await read<Compute>(kc, 'computes', ns, 'edge-1'))!;
    await patchSpec(kc, 'computes', ns, 'edge-1', { powerState: 'Stopped' });
    const stopped = await waitFor<Compute>(kc, 'computes', ns, 'edge-1', 'Stopped', inPhase('Stopped'));
    assert.equal(stopped.status?.publicIp, before.status!.publicIp);
    assert.equal((await provider.getInstance(before.status!.providerId!))?.publicIp, before.status!.publicIp);
    await remove(kc, 'computes', ns, 'edge-1');
    await eventually('edge-1 gone', async () =>
      (await read(kc, 'computes', ns, 'edge-1')) ? undefined : true,
    );
    const next = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'edge-2',
      'Running with an address once edge-1 gave its back',
      (c) => Boolean(c.status?.phase === 'Running' && c.status.publicIp),
      90_000,
    );
    assert.match(next.status!.publicIp!, euWestPublic);
  });
});
