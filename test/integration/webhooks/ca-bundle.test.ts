// The operator's CA-bundle injection into its own webhook configurations, against the real API server.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { createServingCertificate } from '../../../webhooks/certs.ts';
import { injectCaBundle } from '../../../webhooks/ca-bundle.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';

describe('webhook CA bundle injection', () => {
  const kc = adminConfig();
  const api = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const name = uniqueName('ca-inject');
  const webhook = {
    clientConfig: { url: 'https://127.0.0.1:1/validate' },
    // Matches nothing real, so the configuration affects no other test.
    rules: [
      { apiGroups: ['example.invalid'], apiVersions: ['v1'], resources: ['nothing'], operations: ['CREATE'] },
    ],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  };

  after(async () => {
    await api.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
    await api.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
  });

  it('writes the CA into every webhook of both configurations, and replaces it on renewal', async () => {
    await api.createValidatingWebhookConfiguration({
      body: {
        metadata: { name },
        webhooks: [
          { ...webhook, name: 'a.example.io' },
          { ...webhook, name: 'b.example.io' },
        ],
      },
    });
    await api.createMutatingWebhookConfiguration({
      body: { metadata: { name }, webhooks: [{ ...webhook, name: 'm.example.io' }] },
    });
    for (const round of [1, 2]) {
      const cert = await createServingCertificate(['localhost'], ['127.0.0.1']);
      await injectCaBundle(kc, name, cert.caCert);
      const expected = Buffer.from(cert.caCert).toString('base64');
      const v = await api.readValidatingWebhookConfiguration({ name });
      const m = await api.readMutatingWebhookConfiguration({ name });
      assert.deepEqual(
        v.webhooks?.map((w) => w.clientConfig.caBundle),
        [expected, expected],
        `round ${round}`,
      );
      assert.deepEqual(
        m.webhooks?.map((w) => w.clientConfig.caBundle),
        [expected],
        `round ${round}`,
      );
    }
  });
});
