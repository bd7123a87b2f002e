// Puts the CA of a self-generated serving certificate into the operator's own webhook configurations, so
// the API server trusts the webhook server without cert-manager.
import * as k8s from '@kubernetes/client-node';

export async function injectCaBundle(
  kc: k8s.KubeConfig,
  configurationName: string,
  caCert: string,
): Promise<void> {
  const api = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const caBundle = Buffer.from(caCert).toString('base64');
  const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
  const patchFor = (count: number): object[] =>
    Array.from({ length: count }, (_, i) => ({
      op: 'add',
      path: `/webhooks/${i}/clientConfig/caBundle`,
      value: caBundle,
    }));
  const validating = await api.readValidatingWebhookConfiguration({ name: configurationName });
  await api.patchValidatingWebhookConfiguration(
    { name: configurationName, body: patchFor(validating.webhooks?.length ?? 0) },
    options,
  );
  const mutating = await api.readMutatingWebhookConfiguration({ name: configurationName });
  await api.patchMutatingWebhookConfiguration(
    { name: configurationName, body: patchFor(mutating.webhooks?.length ?? 0) },
    options,
  );
}
