// Secrets never reach the operator's logs or a Tenant's status: not the database password, not the bearer
// token it talks to the API server with, not the private key of the webhook serving certificate it
// generates, even with debug logging on and admission requests flowing through its webhooks. The operator runs
// as the chart deploys it (its ServiceAccount token, RBAC, environment and webhook configurations).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { postgres } from '../../hack/stack/config.ts';
import { createLogger } from '../../operator/logger.ts';
import type { Network } from '../../crds/schemas/network.ts';
import { api, inPhase, networkManifest, volumeManifest, waitFor } from '../support/infra.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../support/kube.ts';
import { runChartOperator, type ChartOperator } from '../support/chart-operator.ts';
import { installCrds } from '../support/operator.ts';
import {
  readTenant,
  readyAndCurrent,
  tenantManifest,
  tenantsApi,
  waitForTenant,
} from '../support/tenants.ts';

const pemPrivateKey = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const dsnWithCredentials = /postgres(?:ql)?:\/\/[^\s"/@]*:[^\s"/@]*@/;
const jwt = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/;

/** The lines of a PEM block's base64 body: any one of them in a log gives the key away. */
const pemBodyLines = (pem: string): string[] =>
  pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 32 && !l.startsWith('-----'));

/** One AdmissionReview straight to the operator's webhook port, trusting only the CA it put in its Secret. */
function postReview(port: number, ca: string, review: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate',
        method: 'POST',
        ca,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(review));
  });
}

describe('security: secrets stay out of logs and status', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);

  it('logs no private key, database password or token while serving admission and reconciling', async () => {
    installCrds();
    const tenant = uniqueName('sec');
    const refused = uniqueName('sec-dup');
    const ns = `tenant-${tenant}`;
    let op: ChartOperator | undefined;
    let key: string | undefined;
    try {
      // The operator as the chart deploys it: its ServiceAccount and RBAC, its webhooks, with debug logging.
      op = await runChartOperator(uniqueName('sec'), uniqueName('omnicloud-sec'), [
        'operator.logLevel=debug',
      ]);
      const { namespace: home, certSecret, webhookConfiguration: id, webhookPort: port } = op;

      // The operator generated its certificate, kept it in the Secret and injected its CA.
      const secret = await eventually('the serving certificate Secret', async () => {
        try {
          return await core.readNamespacedSecret({ name: certSecret, namespace: home });
        } catch (err) {
          if (httpStatus(err) === 404) return undefined;
          throw err;
        }
      });
      key = Buffer.from(secret.data!['tls.key']!, 'base64').toString('utf8');
      const ca = Buffer.from(secret.data!['ca.crt']!, 'base64').toString('utf8');
      assert.match(key, pemPrivateKey);
      await eventually('the CA injected into both configurations', async () => {
        const v = await admission.readValidatingWebhookConfiguration({ name: id });
        const m = await admission.readMutatingWebhookConfiguration({ name: id });
        const want = Buffer.from(ca).toString('base64');
        return [v, m].every((c) => c.webhooks?.[0]?.clientConfig.caBundle === want) ? true : undefined;
      });

      // Straight to the port over HTTPS: a review the webhook refuses, naming the field.
      const direct = await postReview(port, ca, {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: 'direct-1',
          kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'Network' },
          resource: { group: 'omnicloud.io', version: 'v1alpha1', resource: 'networks' },
          operation: 'CREATE',
          namespace: ns,
          name: 'direct',
          object: networkManifest(ns, 'direct', { cidr: '10.5.0.1/16', prefixLength: undefined }),
        },
      });
      assert.equal(direct.status, 200);
      const answer = JSON.parse(direct.body) as { response: { uid: string; allowed: boolean } };
      assert.deepEqual([answer.response.uid, answer.response.allowed], ['direct-1', false], direct.body);

      // Through the API server: a refusal only the webhook can make (it asks the cloud provider for its
      // regions), then a tenant admitted, defaulted and reconciled to Ready.
      const onMars = volumeManifest(home, refused, { region: 'mars-1', zone: 'mars-1a' });
      await eventually('the webhook to refuse a region the provider does not offer', async () => {
        try {
          await custom.createNamespacedCustomObject({
            ...api,
            plural: 'volumes',
            namespace: home,
            body: onMars,
          });
          await custom.deleteNamespacedCustomObject({
            ...api,
            plural: 'volumes',
            namespace: home,
            name: refused,
          });
          return undefined;
        } catch (err) {
          return /denied the request: spec\.region: region mars-1 is not offered/.test(String(err))
            ? true
            : undefined;
        }
      });
      const body = tenantManifest(tenant) as {
        metadata: Record<string, unknown>;
        spec: Record<string, unknown>;
      };
      delete body.spec.tier;
      const stored = (await custom.createClusterCustomObject({ ...tenantsApi, body })) as {
        spec: { tier?: string };
      };
      assert.equal(stored.spec.tier, 'standard', 'the mutating webhook filled in the default');
      const ready = await waitForTenant(kc, tenant, 'Ready', readyAndCurrent, 90_000);
      const status = JSON.stringify(ready.status);
      assert.ok(!status.includes(postgres.password), 'status holds the database password');
      assert.ok(!/postgres:\/\//.test(status), 'status holds a DSN');
      // Networks: one refused for its CIDR, one checked against the tenant's quota (read with the operator's
      // token), admitted and reconciled.
      const bad = networkManifest(ns, 'bad', { cidr: '10.5.0.1/16', prefixLength: undefined });
      await assert.rejects(
        custom.createNamespacedCustomObject({ ...api, plural: 'networks', namespace: ns, body: bad }),
        (err: unknown) => httpStatus(err) !== undefined && /spec\.cidr/.test(String(err)),
      );
      const net = networkManifest(ns, 'net');
      await custom.createNamespacedCustomObject({ ...api, plural: 'networks', namespace: ns, body: net });
      await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', inPhase('Ready'));
    } finally {
      await custom.deleteClusterCustomObject({ ...tenantsApi, name: tenant }).catch(() => undefined);
      if (op)
        await eventually(
          `${tenant} gone`,
          async () => ((await readTenant(kc, tenant)) ? undefined : true),
          90_000,
        ).catch(() => undefined);
      await op?.stop();
      op?.uninstall();
    }

    const log = fs.readFileSync(op!.logFile, 'utf8');
    assert.match(log, /admission webhooks serving/, 'the operator served its webhooks');
    assert.ok(!pemPrivateKey.test(log), 'a PEM private key block appears in the log');
    assert.ok(key, 'the serving key was read');
    for (const line of pemBodyLines(key))
      assert.ok(!log.includes(line), 'the webhook serving key appears in the log');
    assert.ok(
      !log.includes(Buffer.from(key).toString('base64').slice(0, 64)),
      'the key appears base64-encoded',
    );
    assert.ok(!log.includes(postgres.password), 'the database password appears in the log');
    assert.ok(!dsnWithCredentials.test(log), 'a DSN with credentials appears in the log');
    assert.ok(
      op!.token.length > 0 && !log.includes(op!.token),
      'the operator’s bearer token appears in the log',
    );
    assert.ok(!jwt.test(log), 'a JWT appears in the log');
    assert.ok(!/bearer\s+[\w.-]{16,}/i.test(log), 'an Authorization header appears in the log');
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
