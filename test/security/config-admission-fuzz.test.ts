// ConfigSet admission under hostile input: thousands of random and near-valid specs (path-like keys, odd
// numbers, both-listed subjects, huge values, malformed old objects and status) through the admission
// decision. It never throws, always answers a well-formed review, refuses every path-like key or name and
// never admits what the controller would refuse.
import assert from 'node:assert/strict';
import { validate } from '../../webhooks/admission.ts';
import { configSetSpecProblems } from '../../webhooks/config-set.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const keys = [
  'ok',
  'app.properties',
  '../x',
  'a/b',
  '.',
  '..',
  'flags.json',
  '',
  'k'.repeat(300),
  'é',
  '-_.',
];
const subjects = ['alice', 'bob', '', 'x'.repeat(300)];
const numbers = [0, 1, 10, 50, 99.5, 100, 100.01, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e308];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function randomSpec(r: () => number): unknown {
  if (r() < 0.05) return pick(r, [null, 'spec', 42, [], {}]);
  const data: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(r() * 4); i++)
    data[pick(r, keys)] = r() < 0.9 ? 'v'.repeat(Math.floor(r() * 50)) : 7;
  const flags: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(r() * 3); i++) {
    flags[pick(r, ['f', 'new-checkout', '../f', '-bad', 'ok.flag'])] = {
      ...(r() < 0.5 ? { rollout: pick(r, numbers) } : {}),
      ...(r() < 0.5 ? { enabled: r() < 0.8 ? r() < 0.5 : 'yes' } : {}),
      ...(r() < 0.4 ? { allow: [pick(r, subjects), pick(r, subjects)] } : {}),
      ...(r() < 0.4 ? { deny: [pick(r, subjects)] } : {}),
    };
  }
  return {
    ...(r() < 0.9 ? { data } : {}),
    ...(r() < 0.7 ? { flags } : {}),
    ...(r() < 0.3 ? { rollbackTo: pick(r, numbers) } : {}),
    ...(r() < 0.3 ? { configMapName: pick(r, ['web', 'tenant-b/web', '../web', 'Web', 'a.b', '']) } : {}),
  };
}

function review(i: number, operation: string, spec: unknown, old?: unknown) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `cfg-${i}`,
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'ConfigSet' },
      operation,
      namespace: 'tenant-fuzz',
      object: { kind: 'ConfigSet', metadata: { name: 'c' }, spec },
      ...(old !== undefined ? { oldObject: old } : {}),
    },
  };
}

const pathLike = (s: string) => s.includes('/') || s === '.' || s === '..';

describe('security: ConfigSet admission fuzz', function () {
  this.timeout(60_000);

  it('answers every random ConfigSet review, refusing path-like keys and names and admitting nothing the controller refuses', async () => {
    const r = rng(20261203);
    let admitted = 0;
    for (let i = 0; i < 4_000; i++) {
      const spec = randomSpec(r);
      const operation = r() < 0.7 ? 'CREATE' : 'UPDATE';
      const old =
        operation === 'UPDATE'
          ? r() < 0.2
            ? pick(r, [null, 'old', { spec: 3, status: 'x' }])
            : {
                kind: 'ConfigSet',
                metadata: { name: 'c' },
                spec: randomSpec(r),
                status: { currentVersion: pick(r, numbers) },
              }
          : undefined;
      const answer = await validate(review(i, operation, spec, old));
      assert.equal(answer.apiVersion, 'admission.k8s.io/v1');
      assert.equal(answer.response.uid, `cfg-${i}`);
      assert.equal(typeof answer.response.allowed, 'boolean');
      if (!answer.response.allowed) {
        assert.ok(answer.response.status!.message.length > 0);
        continue;
      }
      // An update that leaves the spec as it was is not judged again (see webhooks/admission.ts).
      const unchanged =
        JSON.stringify((old as { spec?: unknown } | null | undefined)?.spec) === JSON.stringify(spec);
      if (unchanged) continue;
      admitted += 1;
      const s = spec as { data?: Record<string, unknown>; configMapName?: string };
      for (const key of Object.keys(s.data ?? {})) assert.ok(!pathLike(key), `admitted key ${key}`);
      if (s.configMapName !== undefined)
        assert.ok(!pathLike(s.configMapName), `admitted name ${s.configMapName}`);
      assert.deepEqual(
        configSetSpecProblems(spec),
        [],
        `admitted what the controller refuses: ${JSON.stringify(spec)}`,
      );
    }
    assert.ok(
      admitted > 100,
      `some reviews are admitted (${admitted}), so the rules are reached past the schema`,
    );
  });
});
