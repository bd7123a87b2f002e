// The chart's webhook configurations and the ones an operator registers itself (npm start, tests) send the
// API server's requests to the same webhooks under the same rules: one list, in webhooks/registration.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { helmBinary } from '../../hack/stack/components/tools.ts';
import { webhookConfigurations } from '../../webhooks/registration.ts';

type Doc = { kind: string; webhooks?: Record<string, unknown>[] };

describe('contract: webhook rules of the chart and of a self-registering operator', () => {
  const rendered = parseAllDocuments(
    execFileSync(helmBinary, ['template', 'oc', 'charts/omnicloud']).toString(),
  )
    .map((d) => d.toJSON() as Doc | null)
    .filter((d): d is Doc => d !== null);
  const own = webhookConfigurations('omnicloud-local', 'https://127.0.0.1:9443', 'CA');

  for (const [i, kind] of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].entries()) {
    it(`${kind}: same webhooks, rules, failure policy and side effects`, () => {
      const chart = rendered.find((d) => d.kind === kind)!.webhooks!;
      const mine = own[i]!.webhooks as unknown as Record<string, unknown>[];
      const comparable = (w: Record<string, unknown>) => ({
        name: w.name,
        rules: w.rules,
        failurePolicy: w.failurePolicy,
        sideEffects: w.sideEffects,
        admissionReviewVersions: w.admissionReviewVersions,
        path: ((w.clientConfig as { service?: { path: string }; url?: string }).service?.path ??
          new URL((w.clientConfig as { url: string }).url).pathname) as string,
      });
      assert.deepEqual(JSON.parse(JSON.stringify(mine.map(comparable))), chart.map(comparable));
    });
  }
});
