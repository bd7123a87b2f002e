// PostgreSQL goes down under a running operator: instances say so in their conditions (keeping the phase
// they had), an instance created during the outage waits, and everything converges once it is back.
import assert from 'node:assert/strict';
import { endpoints } from '../../hack/stack/endpoints.ts';
import * as k8s from '@kubernetes/client-node';
import type { Compute } from '../../crds/schemas/compute.ts';
import { postgresComponent } from '../../hack/stack/components/postgres.ts';
import { adminConfig, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import {
  api,
  computeManifest,
  condition,
  createNamespace,
  deleteNamespace,
  inPhase,
  networkManifest,
  waitFor,
  removeInfra,
} from '../support/infra.ts';

describe('chaos: PostgreSQL outage', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = uniqueName('tenant-pgdown');
  let op: OperatorProcess;

  before(async () => {
    installCrds();
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('pgdown-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: '1000',
    });
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'networks',
      namespace: ns,
      body: networkManifest(ns, 'net'),
    });
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: ns,
      body: computeManifest(ns, 'before'),
    });
    await waitFor<Compute>(kc, 'computes', ns, 'before', 'Running', inPhase('Running'), 90_000);
  });
  after(async () => {
    await postgresComponent.start(); // whatever happened, leave the database running for the tests that follow
    await removeInfra(kc, ns, ['before', 'during']);
    await op?.stop();
    await deleteNamespace(kc, ns);
  });

  it('shows DatabaseUnavailable while the database is down and converges when it is back', async () => {
    await postgresComponent.stop();
    assert.equal((await postgresComponent.status()).answering, false);
    const down = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'before',
      'DatabaseUnavailable',
      (c) => condition(c, 'Ready')?.reason === 'DatabaseUnavailable',
      60_000,
    );
    assert.equal(down.status?.phase, 'Running', 'the phase it had is kept');
    assert.equal(condition(down, 'Degraded')?.status, 'True');
    assert.match(condition(down, 'Ready')!.message, /infra_db cannot be reached \(connection refused\)/);
    // Tenants read this: the driver's own words (the server's address and port) stay in the operator's log.
    const pgUrl = new URL(endpoints().postgres.infra_db);
    for (const c of down.status?.conditions ?? []) {
      assert.ok(!c.message.includes(pgUrl.hostname) && !c.message.includes(pgUrl.port), c.message);
    }
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: ns,
      body: computeManifest(ns, 'during'),
    });

    await postgresComponent.start();
    const back = await waitFor<Compute>(
      kc,
      'computes',
      ns,
      'before',
      'Ready again',
      (c) => condition(c, 'Ready')?.status === 'True',
      90_000,
    );
    assert.equal(condition(back, 'Degraded')?.status, 'False');
    await waitFor<Compute>(kc, 'computes', ns, 'during', 'Running', inPhase('Running'), 90_000);
  });
});
