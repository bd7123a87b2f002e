// Thousands of random and malformed AdmissionReviews against the webhook server over HTTPS: no crash, no
// 5xx, and every answer a well-formed AdmissionReview.
import assert from 'node:assert/strict';
import https from 'node:https';
import { serveWebhooks } from '../support/webhook.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * 10);
  if (depth > 6 && pick > 6) return null;
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() > 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 2 ** 53);
    case 3:
      return r() * 1e308;
    case 4:
      return 'x'.repeat(Math.floor(r() * 5000));
    case 5:
      return '\u0000\u202e\ud83d\ude00' + String.fromCharCode(Math.floor(r() * 0xffff));
    case 6:
      return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const k of [
        'uid',
        'kind',
        'operation',
        'object',
        'oldObject',
        'spec',
        'metadata',
        'quotas',
        'name',
        '__proto__',
      ]) {
        if (r() > 0.6) o[k] = randomValue(r, depth + 1);
      }
      return o;
    }
  }
}

function deep(n: number): string {
  return `${'{"a":'.repeat(n)}{}${'}'.repeat(n)}`;
}

function randomBody(r: () => number, i: number): string {
  const spec = {
    displayName: randomValue(r, 3),
    quotas: randomValue(r, 3),
    billingCurrency: randomValue(r, 3),
    admins: randomValue(r, 3),
    region: r() > 0.5 ? 'eu-west-1' : randomValue(r, 2),
    cidr: r() > 0.5 ? '10.0.0.0/16' : randomValue(r, 2),
    subnets:
      r() > 0.5 ? [{ name: 'a', zone: randomValue(r, 2), cidr: randomValue(r, 2) }] : randomValue(r, 3),
    securityGroups: randomValue(r, 4),
    size: randomValue(r, 2),
    memory: randomValue(r, 2),
  };
  const kinds = ['Tenant', 'Network', 'Compute'];
  const request = {
    uid: r() > 0.1 ? `fuzz-${i}` : randomValue(r, 5),
    kind:
      r() > 0.2
        ? { group: 'omnicloud.io', version: 'v1alpha1', kind: kinds[Math.floor(r() * kinds.length)] }
        : randomValue(r, 5),
    operation: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'PATCH'][Math.floor(r() * 5)],
    object:
      r() > 0.2
        ? { metadata: { name: randomValue(r, 5) }, spec: r() > 0.3 ? spec : randomValue(r, 2) }
        : randomValue(r, 2),
    oldObject: r() > 0.5 ? { status: { quotaUsage: { networks: randomValue(r, 5) } } } : undefined,
  };
  const envelope = {
    apiVersion: r() > 0.1 ? 'admission.k8s.io/v1' : 'v0',
    kind: 'AdmissionReview',
    request: r() > 0.05 ? request : randomValue(r, 3),
  };
  const mode = Math.floor(r() * 20);
  if (mode === 0) return JSON.stringify(envelope).slice(0, Math.floor(r() * 200));
  if (mode === 1) return deep(r() > 0.5 ? 5000 : 200_000);
  if (mode === 2) return 'not json at all {';
  return JSON.stringify(envelope);
}

function post(
  port: number,
  path: string,
  body: string,
  ca: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path, method: 'POST', ca, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('security: webhook fuzzing', function () {
  this.timeout(300_000);

  it('answers thousands of random and malformed reviews with well-formed AdmissionReviews', async () => {
    const { server, port, cert } = await serveWebhooks();
    const r = rng(20261122);
    const total = 3000;
    let refused = 0;
    try {
      for (let i = 0; i < total; i += 20) {
        const batch = Array.from({ length: 20 }, (_, j) => {
          const path = r() > 0.5 ? '/validate' : '/mutate';
          return post(port, path, randomBody(r, i + j), cert.caCert);
        });
        for (const res of await Promise.all(batch)) {
          assert.ok(res.status < 500, `HTTP ${res.status}: ${res.body.slice(0, 200)}`);
          const review = JSON.parse(res.body) as {
            apiVersion: string;
            kind: string;
            response: { uid: unknown; allowed: unknown };
          };
          assert.equal(review.apiVersion, 'admission.k8s.io/v1');
          assert.equal(review.kind, 'AdmissionReview');
          assert.equal(typeof review.response.uid, 'string');
          assert.equal(typeof review.response.allowed, 'boolean');
          if (!review.response.allowed) refused++;
        }
      }
      const huge = await post(
        port,
        '/validate',
        JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024) }),
        cert.caCert,
      );
      assert.equal(huge.status, 200);
      assert.match(huge.body, /body larger than/);
    } finally {
      server.close();
    }
    console.log(
      `      fuzzed ${total + 1} requests: ${refused} refused, ${total + 1 - refused} allowed, no 5xx`,
    );
  });
});
