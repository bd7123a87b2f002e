// Secrets never reach the operator's logs or a Tenant's status: neither the database password nor any
// private key, even with debug logging on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { postgres } from '../../hack/stack/config.ts';
import { createLogger } from '../../operator/logger.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { installCrds, startOperator } from '../support/operator.ts';
import {
  readTenant,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../support/tenants.ts';

describe('security: secrets stay out of logs and status', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  it('logs no database password or private key while reconciling, and status carries none', async () => {
    installCrds();
    const op = await startOperator(uniqueName('sec-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_LOG_LEVEL: 'debug',
    });
    const name = uniqueName('sec');
    try {
      await custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(name) });
      const tenant = await waitForTenant(kc, name, 'Ready', readyAndCurrent);
      const status = JSON.stringify(tenant.status);
      assert.ok(!status.includes(postgres.password), 'status holds the database password');
      assert.ok(!/postgres:\/\//.test(status), 'status holds a DSN');
    } finally {
      await custom.deleteClusterCustomObject({ ...tenantsApi, name }).catch(() => undefined);
      await eventually(
        `${name} gone`,
        async () => ((await readTenant(kc, name)) ? undefined : true),
        90_000,
      ).catch(() => undefined);
      await op.stop();
    }
    const log = fs.readFileSync(op.logFile, 'utf8');
    assert.ok(log.length > 0, 'the operator wrote logs');
    assert.ok(!log.includes(postgres.password), 'the database password appears in the log');
    assert.ok(!/postgres:\/\/[^\s"]*:[^\s"]*@/.test(log), 'a DSN with credentials appears in the log');
    assert.ok(!log.includes('PRIVATE KEY'), 'a private key appears in the log');
  });

  it('redacts secret-looking fields wherever a logger is handed them', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line) => lines.push(line) });
    log.info(
      { password: 'hunter2', db: { dsn: 'postgres://u:p@h/db' }, token: 't0k3n', ok: 'visible' },
      'connecting',
    );
    const out = lines.join('');
    assert.match(out, /visible/);
    assert.match(out, /\[redacted\]/);
    assert.ok(
      !out.includes('hunter2') && !out.includes('postgres://u:p@h/db') && !out.includes('t0k3n'),
      out,
    );
  });
});
