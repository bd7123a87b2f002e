// What `npm start` runs (hack/run-operator.ts), as a user runs it: the operator serves its admission webhooks
// and registers them with the API server as the chart's configurations are, so the API server itself refuses
// what the webhooks refuse; stopping it cleanly removes the registration; OMNICLOUD_WEBHOOKS=off runs without.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { logDir } from '../../hack/stack/config.ts';
import { mutatingRules, validatingRules } from '../../webhooks/registration.ts';
import { adminConfig, eventually, httpStatus, uniqueName } from '../support/kube.ts';
import { freePort } from '../support/operator.ts';
import { tenantManifest, tenantsApi } from '../support/tenants.ts';
import { api, volumeManifest } from '../support/infra.ts';

interface Started {
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

async function npmStart(configuration: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const logFile = path.join(logDir, 'test-operators', `${configuration}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'hack/run-operator.ts'], {
    env: {
      ...process.env,
      OMNICLOUD_HTTP_PORT: String(await freePort()),
      OMNICLOUD_WEBHOOK_PORT: String(await freePort()),
      OMNICLOUD_WEBHOOK_CONFIGURATION: configuration,
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_SKIP_EXAMPLES: '1',
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  everyStarted.push(child);
  return { child, logFile, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** Every operator these tests started: a failed test must not leave one running to fight later tests. */
const everyStarted: ChildProcess[] = [];

describe('system: npm start runs the operator with its admission webhooks registered', function () {
  this.timeout(180_000);
  const kc = adminConfig();
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const configuration = uniqueName('omnicloud-local');
  let started: Started | undefined;

  after(async () => {
    for (const child of everyStarted)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await admission.deleteValidatingWebhookConfiguration({ name: configuration }).catch(() => undefined);
    await admission.deleteMutatingWebhookConfiguration({ name: configuration }).catch(() => undefined);
  });

  it('registers the chart rules at its own URL; the API server refuses what the webhook refuses; SIGTERM removes them', async () => {
    started = await npmStart(configuration, {});
    const registered = await eventually(
      'the webhook configuration registered by the operator',
      async () =>
        admission.readValidatingWebhookConfiguration({ name: configuration }).catch(() => undefined),
      60_000,
    );
    const hook = registered.webhooks![0]!;
    assert.match(hook.clientConfig.url ?? '', /^https:\/\/127\.0\.0\.1:\d+\/validate$/);
    assert.ok(hook.clientConfig.caBundle, 'the CA of its serving certificate is in the configuration');
    assert.equal(hook.failurePolicy, 'Fail');
    assert.deepEqual(JSON.parse(JSON.stringify(hook.rules)), validatingRules);
    // The two configurations are created one after the other: the second may not be there yet.
    const mutating = await eventually(
      'the mutating webhook configuration registered by the operator',
      async () => admission.readMutatingWebhookConfiguration({ name: configuration }).catch(() => undefined),
      30_000,
    );
    assert.deepEqual(JSON.parse(JSON.stringify(mutating.webhooks![0]!.rules)), mutatingRules);

    // A rule only the webhook can check, as it asks the cloud provider: a region the provider does not offer.
    const name = uniqueName('npmstart');
    const onMars = volumeManifest('default', name, { region: 'mars-1', zone: 'mars-1a' });
    const refusal = await eventually('the API server to consult the webhook', async () => {
      try {
        await custom.createNamespacedCustomObject({
          ...api,
          plural: 'volumes',
          namespace: 'default',
          body: onMars,
        });
        await custom
          .deleteNamespacedCustomObject({ ...api, plural: 'volumes', namespace: 'default', name })
          .catch(() => undefined);
        return undefined;
      } catch (err) {
        const code = httpStatus(err) ?? 0;
        if (code < 400 || code >= 500 || code === 409) return undefined;
        const body = (err as { body?: unknown }).body;
        return String((typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : {}).message);
      }
    });
    assert.match(refusal, /admission webhook "validate\.omnicloud\.io" denied the request/);
    assert.match(refusal, /spec\.region: region mars-1 is not offered by the cloud provider/);

    started.child.kill('SIGTERM');
    assert.equal(await started.exited, 0);
    await assert.rejects(
      admission.readValidatingWebhookConfiguration({ name: configuration }),
      (err) => httpStatus(err) === 404,
    );
    await assert.rejects(
      admission.readMutatingWebhookConfiguration({ name: configuration }),
      (err) => httpStatus(err) === 404,
    );
    started = undefined;
  });

  it('with OMNICLOUD_WEBHOOKS=off registers nothing and says what is lost', async () => {
    const off = uniqueName('omnicloud-off');
    started = await npmStart(off, { OMNICLOUD_WEBHOOKS: 'off' });
    await eventually('the operator to start', async () =>
      fs.readFileSync(started!.logFile, 'utf8').includes('"operator started"') ? true : undefined,
    );
    assert.match(
      fs.readFileSync(started.logFile, 'utf8'),
      /admission webhooks OFF \(OMNICLOUD_WEBHOOKS=off\)/,
    );
    await assert.rejects(
      admission.readValidatingWebhookConfiguration({ name: off }),
      (err) => httpStatus(err) === 404,
    );
    started.child.kill('SIGTERM');
    assert.equal(await started.exited, 0);
    started = undefined;
  });

  it('killed, leaves admission failing closed; the next start takes its configuration back', async () => {
    const killed = uniqueName('omnicloud-killed');
    const probe = uniqueName('npmstart-probe');
    try {
      started = await npmStart(killed, {});
      await eventually('the configuration registered', async () =>
        admission.readValidatingWebhookConfiguration({ name: killed }).catch(() => undefined),
      );
      started.child.kill('SIGKILL');
      await started.exited;
      // Nothing answers at the registered URL now: an OmniCloud write is refused, never let in unchecked.
      await assert.rejects(
        custom.createClusterCustomObject({ ...tenantsApi, body: tenantManifest(probe) }),
        (err) =>
          /failed calling webhook "validate\.omnicloud\.io"|failed calling webhook \\"validate/.test(
            String((err as { body?: string }).body ?? err),
          ),
      );
      const stale = await admission.readValidatingWebhookConfiguration({ name: killed });

      started = await npmStart(killed, {});
      await eventually('the new operator to register again, with its own certificate', async () => {
        const now = await admission
          .readValidatingWebhookConfiguration({ name: killed })
          .catch(() => undefined);
        const mine =
          now && now.metadata?.uid !== stale.metadata?.uid && now.webhooks?.[0]?.clientConfig.caBundle;
        return mine ? true : undefined;
      });
      const admitted = await eventually('a good Tenant admitted again', async () =>
        custom
          .createClusterCustomObject({ ...tenantsApi, body: tenantManifest(probe) })
          .catch(() => undefined),
      );
      assert.ok(admitted);
      await custom.deleteClusterCustomObject({ ...tenantsApi, name: probe });
      await eventually(
        'the probe tenant gone',
        async () =>
          (await custom.getClusterCustomObject({ ...tenantsApi, name: probe }).catch(() => undefined))
            ? undefined
            : true,
        60_000,
      );
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
      started = undefined;
    } finally {
      await admission.deleteValidatingWebhookConfiguration({ name: killed }).catch(() => undefined);
      await admission.deleteMutatingWebhookConfiguration({ name: killed }).catch(() => undefined);
    }
  });
});
