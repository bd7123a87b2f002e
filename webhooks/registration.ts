// Which requests the API server sends to the operator's admission webhooks, as data: the chart's
// webhook configurations say the same (a contract test compares them), and an operator outside a cluster
// (`npm start`, the tests) registers these configurations itself, pointing the API server at its own URL,
// so admission is on wherever users are.
import * as k8s from '@kubernetes/client-node';
import { fieldManager } from '../operator/status.ts';

export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  operations: string[];
  scope: string;
}

export const validatingRules: WebhookRule[] = [
  {
    apiGroups: ['omnicloud.io'],
    apiVersions: ['v1alpha1'],
    resources: [
      'tenants',
      'networks',
      'computes',
      'volumes',
      'invoices',
      'invoices/status',
      'costallocations',
      'buckets',
      'managedsecrets',
      'configsets',
      'disksnapshots',
      'statesnapshots',
    ],
    operations: ['CREATE', 'UPDATE'],
    scope: '*',
  },
  // An issued invoice is final: a tenant may not delete it (the webhook lets the cluster's own cleanup through).
  {
    apiGroups: ['omnicloud.io'],
    apiVersions: ['v1alpha1'],
    resources: ['invoices'],
    operations: ['DELETE'],
    scope: 'Namespaced',
  },
];

export const mutatingRules: WebhookRule[] = [
  {
    apiGroups: ['omnicloud.io'],
    apiVersions: ['v1alpha1'],
    resources: ['tenants'],
    operations: ['CREATE', 'UPDATE'],
    scope: '*',
  },
];

/** The two configurations, as the chart renders them but with a URL instead of a Service. */
export function webhookConfigurations(
  name: string,
  baseUrl: string,
  caCert: string,
  timeoutSeconds = 5,
): [k8s.V1ValidatingWebhookConfiguration, k8s.V1MutatingWebhookConfiguration] {
  const caBundle = Buffer.from(caCert).toString('base64');
  const common = { sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds };
  const labels = { 'app.kubernetes.io/managed-by': 'omnicloud-operator' };
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name, labels },
      webhooks: [
        {
          name: 'validate.omnicloud.io',
          clientConfig: { url: `${baseUrl}/validate`, caBundle },
          rules: validatingRules,
          // Fails closed, as in the chart: an invalid object never gets in while the operator is away.
          failurePolicy: 'Fail',
          ...common,
        },
      ],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name, labels },
      webhooks: [
        {
          name: 'default.omnicloud.io',
          clientConfig: { url: `${baseUrl}/mutate`, caBundle },
          rules: mutatingRules,
          failurePolicy: 'Ignore',
          ...common,
        },
      ],
    },
  ];
}

/** Creates or updates both configurations by server-side apply. */
export async function registerWebhooks(
  kc: k8s.KubeConfig,
  name: string,
  baseUrl: string,
  caCert: string,
): Promise<void> {
  const api = kc.makeApiClient(k8s.KubernetesObjectApi);
  for (const obj of webhookConfigurations(name, baseUrl, caCert)) {
    await api.patch(obj, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);
  }
}

/** Removes both configurations (an operator that registered them itself, stopping cleanly). */
export async function unregisterWebhooks(kc: k8s.KubeConfig, name: string): Promise<void> {
  const api = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const gone = (err: unknown) => {
    if ((err as { code?: number }).code !== 404) throw err;
  };
  await api.deleteValidatingWebhookConfiguration({ name }).catch(gone);
  await api.deleteMutatingWebhookConfiguration({ name }).catch(gone);
}
