// Thousands of random and malformed AdmissionReviews against the webhook server over HTTPS: no crash, no
// 5xx, and every answer a well-formed AdmissionReview. The quota rules run against a fixed tenant, so that
// creates and resizes reach them with whatever the fuzzer makes up.
import assert from 'node:assert/strict';
import https from 'node:https';
import type { QuotaLookup } from '../../webhooks/quota.ts';
import { serveWebhooks } from '../support/webhook.ts';

const fuzzNamespace = 'tenant-fuzz';

const quota: QuotaLookup = {
  tenant: async (namespace) =>
    namespace === fuzzNamespace
      ? {
          name: 'fuzz',
          suspended: false,
          vcpu: 64,
          memoryMiB: 262144,
          networks: 4,
          storageGiB: 1000,
          publicIPs: 2,
        }
      : undefined,
  computes: async () =>
    new Map<string, unknown>([
      ['vm', { region: 'eu-west-1', size: 'large', image: 'debian-12', network: 'n', subnet: 'a' }],
      ['junk', 42],
    ]),
  networks: async () => ['net'],
  volumes: async () =>
    new Map<string, unknown>([
      ['disk', { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 700, type: 'ssd' }],
      ['junk', { sizeGiB: 'lots' }],
      ['none', null],
    ]),
};

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
    zone: r() > 0.5 ? (r() > 0.3 ? 'eu-west-1a' : 'us-east-1b') : randomValue(r, 2),
    sizeGiB: r() > 0.4 ? Math.floor(r() * 2500) : randomValue(r, 2),
    type: r() > 0.5 ? (r() > 0.5 ? 'ssd' : 'standard') : randomValue(r, 2),
    publicIp: r() > 0.5 ? r() > 0.5 : randomValue(r, 2),
  };
  const kinds = ['Tenant', 'Network', 'Compute', 'Volume'];
  const request = {
    uid: r() > 0.1 ? `fuzz-${i}` : randomValue(r, 5),
    kind:
      r() > 0.2
        ? { group: 'omnicloud.io', version: 'v1alpha1', kind: kinds[Math.floor(r() * kinds.length)] }
        : randomValue(r, 5),
    operation: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'PATCH'][Math.floor(r() * 5)],
    namespace: r() > 0.3 ? fuzzNamespace : undefined,
    object:
      r() > 0.2
        ? { metadata: { name: randomValue(r, 5) }, spec: r() > 0.3 ? spec : randomValue(r, 2) }
        : randomValue(r, 2),
    oldObject:
      r() > 0.5
        ? {
            status: { quotaUsage: { networks: randomValue(r, 5) } },
            spec:
              r() > 0.5
                ? { ...spec, sizeGiB: r() > 0.2 ? Math.floor(r() * 2500) : randomValue(r, 2) }
                : randomValue(r, 2),
          }
        : undefined,
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

interface Review {
  apiVersion: string;
  kind: string;
  response: { uid: unknown; allowed: unknown; status?: { code?: number; message?: string } };
}

/** Checks one answer: HTTP below 500, a well-formed AdmissionReview, and no rule that threw. */
function wellFormed(res: { status: number; body: string }): Review {
  assert.ok(res.status < 500, `HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  const review = JSON.parse(res.body) as Review;
  assert.equal(review.apiVersion, 'admission.k8s.io/v1');
  assert.equal(review.kind, 'AdmissionReview');
  assert.equal(typeof review.response.uid, 'string');
  assert.equal(typeof review.response.allowed, 'boolean');
  // 500 in the review means a rule or the quota check threw: each must answer whatever it is given.
  assert.notEqual(review.response.status?.code, 500, review.response.status?.message);
  return review;
}

/** A Volume review close to a real one: each field is what the API server would send most of the time. */
function volumeBody(r: () => number, i: number): string {
  const near = <T>(good: () => T, depth = 2): unknown => (r() > 0.15 ? good() : randomValue(r, depth));
  const spec = () => ({
    region: near(() => 'eu-west-1'),
    zone: near(() => (r() > 0.2 ? `eu-west-1${'abc'[Math.floor(r() * 3)]}` : 'us-east-1a')),
    sizeGiB: near(() => 1 + Math.floor(r() * 1500)),
    type: near(() => (r() > 0.5 ? 'ssd' : 'standard')),
  });
  const now = spec();
  const operation = r() > 0.5 ? 'CREATE' : 'UPDATE';
  const old =
    operation === 'UPDATE'
      ? near(() => ({
          metadata: { name: `vol-${i % 7}` },
          spec: r() > 0.5 ? { ...now, sizeGiB: near(() => 1 + Math.floor(r() * 1500)) } : spec(),
        }))
      : undefined;
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `vol-${i}`,
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'Volume' },
      operation,
      namespace: fuzzNamespace,
      object: { metadata: { name: near(() => `vol-${i % 7}`), namespace: fuzzNamespace }, spec: near(spec) },
      oldObject: old,
    },
  });
}

describe('security: webhook fuzzing', function () {
  this.timeout(300_000);

  it('answers thousands of random and malformed reviews with well-formed AdmissionReviews', async () => {
    const { server, port, cert } = await serveWebhooks(quota);
    const r = rng(20261122);
    const total = 3000;
    let refused = 0;
    try {
      for (let i = 0; i < total; i += 20) {
        const batch = Array.from({ length: 20 }, (_, j) => {
          const path = r() > 0.5 ? '/validate' : '/mutate';
          return post(port, path, randomBody(r, i + j), cert.caCert);
        });
        for (const res of await Promise.all(batch)) if (!wellFormed(res).response.allowed) refused++;
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

  it('answers near-valid Volume creates and resizes, reaching the rules and the storage quota', async () => {
    const { server, port, cert } = await serveWebhooks(quota);
    const r = rng(20270311);
    const total = 1000;
    const outcomes = { allowed: 0, storage: 0, shrink: 0, immutable: 0, zone: 0, other: 0 };
    try {
      for (let i = 0; i < total; i += 20) {
        const batch = Array.from({ length: 20 }, (_, j) =>
          post(port, '/validate', volumeBody(r, i + j), cert.caCert),
        );
        for (const res of await Promise.all(batch)) {
          const { response } = wellFormed(res);
          const message = response.status?.message ?? '';
          if (response.allowed) outcomes.allowed++;
          else if (/storage quota/.test(message)) outcomes.storage++;
          else if (/never shrink/.test(message)) outcomes.shrink++;
          else if (/is immutable/.test(message)) outcomes.immutable++;
          else if (/is not in region/.test(message)) outcomes.zone++;
          else outcomes.other++;
        }
      }
    } finally {
      server.close();
    }
    for (const [outcome, count] of Object.entries(outcomes))
      assert.ok(count > 0, `no Volume review came out as ${outcome}: ${JSON.stringify(outcomes)}`);
    console.log(`      fuzzed ${total} Volume reviews: ${JSON.stringify(outcomes)}, no 5xx`);
  });
});
