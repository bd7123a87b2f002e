// Serves the admission webhooks in the test process, on loopback, with certificates the API server trusts.
import assert from 'node:assert/strict';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { createServingCertificate, type ServingCertificate } from '../../webhooks/certs.ts';
import type { QuotaLookup } from '../../webhooks/quota.ts';
import { startWebhookServer } from '../../webhooks/server.ts';
import { freePort } from './operator.ts';

export async function serveWebhooks(quota?: QuotaLookup): Promise<{
  server: https.Server;
  port: number;
  cert: ServingCertificate;
}> {
  const cert = await createServingCertificate(['localhost'], ['127.0.0.1']);
  const port = await freePort();
  const server = await startWebhookServer(port, cert, undefined, quota);
  return { server, port, cert };
}

/**
 * Registers a validating webhook for one namespace's objects with the API server, pointing at a server from
 * serveWebhooks: the rules a test exercises, and nothing outside that namespace (other tests share the server).
 */
export async function registerNamespaceWebhook(
  kc: k8s.KubeConfig,
  id: string,
  served: { port: number; cert: ServingCertificate },
  namespace: string,
  resources: string[],
  operations: string[] = ['CREATE', 'UPDATE'],
): Promise<void> {
  await kc.makeApiClient(k8s.AdmissionregistrationV1Api).createValidatingWebhookConfiguration({
    body: {
      metadata: { name: id },
      webhooks: [
        {
          name: `${id}.validate.omnicloud.io`,
          clientConfig: {
            url: `https://127.0.0.1:${served.port}/validate`,
            caBundle: Buffer.from(served.cert.caCert).toString('base64'),
          },
          rules: [
            {
              apiGroups: ['omnicloud.io'],
              apiVersions: ['v1alpha1'],
              resources,
              operations,
              scope: 'Namespaced',
            },
          ],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 5,
        },
      ],
    },
  });
}

/** The body of the API server's 422 for `p`; fails the test when the request was taken. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as { code?: number }).code, 422, String(err));
    return String((err as { body?: string }).body ?? err);
  }
  assert.fail('the API server accepted what the webhook should refuse');
}
