// Two operators at once: only one leads (and reconciles); when it dies the other takes over. Prints the
// takeover time for a SIGKILL (the lease must expire) and for a SIGTERM (the lease is released).
import * as k8s from '@kubernetes/client-node';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import { throughout } from '../support/throughout.ts';
import {
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
  deleteTenants,
} from '../support/tenants.ts';

const leaseEnv = {
  OMNICLOUD_LEASE_DURATION_MS: '6000',
  OMNICLOUD_RENEW_DEADLINE_MS: '4000',
  OMNICLOUD_RETRY_PERIOD_MS: '500',
  OMNICLOUD_LEASE_NAMESPACE: 'default',
};

async function role(op: OperatorProcess): Promise<'leader' | 'standby' | 'down'> {
  const r = await op.readyz();
  if (r === undefined) return 'down';
  return r.startsWith('200 leader') ? 'leader' : 'standby';
}

describe('chaos: leader election between two operators', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ops: OperatorProcess[] = [];
  const tenants: string[] = [];

  before(() => installCrds());
  after(async () => {
    for (const op of ops) await op.stop('SIGKILL');
    await deleteTenants(kc, tenants, true, 60_000);
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`hands over to the standby after the leader gets ${signal}`, async () => {
      const lease = uniqueName('lease');
      const env = { ...leaseEnv, OMNICLOUD_LEASE_NAME: lease };
      const a = await startOperator(uniqueName('lead-a'), env);
      ops.push(a);
      await eventually('a to lead', async () => ((await role(a)) === 'leader' ? true : undefined));
      const b = await startOperator(uniqueName('lead-b'), env);
      ops.push(b);
      await eventually('b to be up', async () => ((await role(b)) === 'standby' ? true : undefined));
      // Over several renewals (retry period 500 ms), a keeps the lease and b keeps waiting.
      await throughout(
        'one leader, one standby',
        async () => {
          const roles = `a ${await role(a)}, b ${await role(b)}`;
          return roles === 'a leader, b standby' ? undefined : roles;
        },
        2_000,
      );

      const killedAt = Date.now();
      await a.stop(signal);
      await eventually(
        'b to take over',
        async () => ((await role(b)) === 'leader' ? true : undefined),
        60_000,
      );
      const takeoverMs = Date.now() - killedAt;
      console.log(
        `      takeover after ${signal}: ${takeoverMs} ms (lease ${leaseEnv.OMNICLOUD_LEASE_DURATION_MS} ms)`,
      );

      // The new leader really reconciles.
      const name = uniqueName('takeover');
      tenants.push(name);
      await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(name) });
      await waitForTenant(kc, name, 'Ready under the new leader', readyAndCurrent);
      await b.stop('SIGTERM');
    });
  }
});
