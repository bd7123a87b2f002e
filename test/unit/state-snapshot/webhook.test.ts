// Admission of StateSnapshots: a schedule of 1m to 8784h in s, m or h and a keep of 1 to 1000, each refusal
// naming its field; a tenant's namespace is the controller's rule.
import assert from 'node:assert/strict';
import { validateStateSnapshot } from '../../../webhooks/state-snapshot.ts';
import { isTenantNamespace } from '../../../controllers/state-snapshot/reconcile.ts';

const object = (spec: unknown, namespace = 'tenant-acme') => ({ metadata: { namespace }, spec });

describe('StateSnapshot admission', () => {
  it('accepts a daily schedule in a tenant namespace, keep defaulted', () => {
    assert.deepEqual(validateStateSnapshot('CREATE', object({ schedule: { every: '24h' } })), []);
    assert.deepEqual(validateStateSnapshot('UPDATE', object({ schedule: { every: '1m' }, keep: 1000 })), []);
  });

  it('refuses a schedule shorter than a minute or longer than a year, naming the field', () => {
    for (const every of ['59s', '8785h']) {
      const problems = validateStateSnapshot('CREATE', object({ schedule: { every } }));
      assert.equal(problems.length, 1, every);
      assert.equal(problems[0]!.field, 'spec.schedule.every');
      assert.match(problems[0]!.message, /from 1m to 8784h/);
    }
  });

  it('refuses a duration in another form and a keep out of range', () => {
    const bad = validateStateSnapshot('CREATE', object({ schedule: { every: '1d' }, keep: 0 }));
    assert.deepEqual(bad.map((p) => p.field).sort(), ['spec.keep', 'spec.schedule.every']);
    assert.match(bad.find((p) => p.field === 'spec.schedule.every')!.message, /units s, m, h/);
  });

  it('leaves the namespace to the controller, which takes only a tenant namespace', () => {
    assert.deepEqual(validateStateSnapshot('CREATE', object({ schedule: { every: '24h' } }, 'default')), []);
    assert.ok(isTenantNamespace('tenant-acme'));
    for (const ns of ['default', 'tenant-', 'kube-system', 'acme']) assert.ok(!isTenantNamespace(ns), ns);
  });

  it('says nothing on delete', () => {
    assert.deepEqual(validateStateSnapshot('DELETE', object({})), []);
  });
});
