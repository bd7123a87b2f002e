// Admission of ConfigSets: each malformed spec refused naming its field and what is accepted.
import assert from 'node:assert/strict';
import { validate } from '../../../webhooks/admission.ts';
import { validateConfigSet } from '../../../webhooks/config-set.ts';

const spec = (s: object) => ({
  kind: 'ConfigSet',
  metadata: { name: 'app', namespace: 'tenant-a' },
  spec: s,
});
const fields = (s: object, op = 'CREATE', old?: object) =>
  validateConfigSet(op, spec(s), old as never).map((p) => `${p.field}: ${p.message}`);

describe('config: admission of ConfigSets', () => {
  it('admits data, flags and a ConfigMap name that are well formed', () => {
    assert.deepEqual(
      fields({
        data: { 'app.properties': 'a=1', LOG_LEVEL: 'debug' },
        flags: { 'new-checkout': { rollout: 12.5, allow: ['u1'], deny: ['u2'] } },
        configMapName: 'app-config',
      }),
      [],
    );
  });

  it('refuses keys that are not ConfigMap keys or are path parts, naming each', () => {
    const got = fields({ data: { '../x': '1', 'a/b': '2', '.': '3', '..': '4' } });
    assert.ok(
      got.some((p) => p.startsWith('spec.data[../x]: is not a ConfigMap key')),
      got.join('\n'),
    );
    assert.ok(got.some((p) => p.startsWith('spec.data[a/b]: is not a ConfigMap key')));
    // . and .. match the key characters but are path steps
    assert.deepEqual(fields({ data: { '.': '3' } }), [
      'spec.data[.]: is a path step, not a ConfigMap key; use a name such as app.properties',
    ]);
  });

  it('refuses the key the flags use', () => {
    assert.match(fields({ data: { 'flags.json': '{}' } })[0]!, /^spec\.data\[flags\.json\]: is reserved/);
  });

  it('refuses a rollout outside 0 to 100, naming the flag', () => {
    assert.deepEqual(fields({ flags: { f: { rollout: 101 } } }), [
      'spec.flags[f].rollout: must be a percentage from 0 to 100 (0 is nobody, 100 is everybody)',
    ]);
    assert.equal(fields({ flags: { f: { rollout: -1 } } }).length, 1);
  });

  it('refuses a subject both allowed and denied', () => {
    assert.deepEqual(fields({ flags: { f: { allow: ['a', 'b'], deny: ['b'] } } }), [
      'spec.flags[f].allow: b is both allowed and denied; list each subject in one of allow or deny',
    ]);
  });

  it('refuses rollbackTo that is not a positive whole number, and on a new ConfigSet', () => {
    for (const v of [0, -2, 1.5]) {
      const got = fields({ rollbackTo: v }, 'UPDATE', spec({}));
      assert.match(got[0]!, /^spec\.rollbackTo: must be a positive whole version number/, String(v));
    }
    assert.match(fields({ rollbackTo: 1 })[0]!, /^spec\.rollbackTo: a new ConfigSet has no earlier version/);
  });

  it('refuses rollbackTo beyond the versions the status shows', () => {
    const old = { ...spec({}), status: { currentVersion: 2 } };
    assert.deepEqual(fields({ rollbackTo: 3 }, 'UPDATE', old), [
      'spec.rollbackTo: this ConfigSet has versions 1 to 2; roll back to one of them',
    ]);
    assert.deepEqual(fields({ rollbackTo: 1 }, 'UPDATE', old), []);
  });

  it('refuses content over the ConfigMap 1 MiB limit', () => {
    const got = fields({ data: { a: 'x'.repeat(600_000), b: 'y'.repeat(500_000) } });
    assert.equal(got.length, 1);
    assert.match(
      got[0]!,
      /^spec\.data: data and flags take 1100\d+ bytes in the ConfigMap; a ConfigMap holds at most 1048576/,
    );
  });

  it('refuses a ConfigMap name with a path or a namespace in it, and a change of it', () => {
    for (const name of ['tenant-b/app', '../app', 'App']) {
      assert.match(
        fields({ configMapName: name })[0]!,
        /^spec\.configMapName: must be a ConfigMap name in this namespace/,
      );
    }
    assert.deepEqual(fields({ configMapName: 'b' }, 'UPDATE', spec({ configMapName: 'a' })), [
      'spec.configMapName: is immutable (was a); create a new ConfigSet to deliver another ConfigMap',
    ]);
  });

  it('is routed by the admission webhook for kind ConfigSet', async () => {
    const review = await validate({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u1',
        kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'ConfigSet' },
        operation: 'CREATE',
        object: spec({ flags: { f: { rollout: 200 } } }),
      },
    });
    assert.equal(review.response.allowed, false);
    assert.match(review.response.status!.message, /spec\.flags\[f\]\.rollout: must be a percentage/);
  });
});
