// The API server goes away under a running operator and comes back: the operator's watches recover and
// it reconciles what was created after the restart.
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { apiserverComponent } from '../../hack/stack/components/apiserver.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import {
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
  deleteTenants,
} from '../support/tenants.ts';

describe('chaos: kube-apiserver restart under a running operator', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const names: string[] = [];
  let operator: OperatorProcess;

  before(async () => {
    installCrds();
    operator = await startOperator(uniqueName('chaos-api'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await deleteTenants(kc, names);
    await operator.stop();
  });

  it('recovers its watches and reconciles a tenant created after the restart', async () => {
    const before = uniqueName('pre');
    names.push(before);
    await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(before) });
    await waitForTenant(kc, before, 'Ready', readyAndCurrent);

    const logFrom = fs.statSync(operator.logFile).size;
    await apiserverComponent.stop();
    try {
      // Down until the operator has seen its watches fail, so that what follows is their recovery.
      await eventually('the operator to see its watches fail', async () =>
        fs
          .readFileSync(operator.logFile)
          .subarray(logFrom)
          .toString('utf8')
          .includes('watch failed; restarting')
          ? true
          : undefined,
      );
    } finally {
      await apiserverComponent.start(); // whatever happened, the API server is back for the tests that follow
    }

    const after = uniqueName('post');
    names.push(after);
    await eventually('the tenant to be created', async () => {
      await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(after) });
      return true;
    });
    await waitForTenant(kc, after, 'Ready after the API server restart', readyAndCurrent, 120_000);
  });
});
