import assert from 'node:assert/strict';
import { validate } from '../../../webhooks/admission.ts';
import { validateInvoice } from '../../../webhooks/invoice.ts';

const issued = {
  metadata: { name: '2026-10' },
  spec: { month: '2026-10' },
  status: { phase: 'Issued', total: '10.00', lines: [{ amount: '10.00' }], conditions: [] },
};

describe('unit: Invoice admission', () => {
  it('accepts a month or a half-open period', () => {
    assert.deepEqual(validateInvoice('CREATE', { spec: { month: '2026-10' } }), []);
    assert.deepEqual(
      validateInvoice('CREATE', { spec: { start: '2026-10-01T00:00:00Z', end: '2026-10-02T00:00:00Z' } }),
      [],
    );
  });
  it('refuses a period that ends before it starts', () => {
    assert.match(
      validateInvoice('CREATE', { spec: { start: '2026-10-02T00:00:00Z', end: '2026-10-01T00:00:00Z' } })[0]!
        .message,
      /must be after spec\.start/,
    );
  });
  it('refuses any change to an issued invoice, naming the field', () => {
    const problems = validateInvoice(
      'UPDATE',
      { ...issued, status: { ...issued.status, total: '0.00' } },
      issued,
    );
    assert.deepEqual(
      problems.map((p) => p.field),
      ['status.total'],
    );
    assert.match(problems[0]!.message, /invoice 2026-10 is issued and final; issue a credit note/);
  });
  it('lets conditions of an issued invoice move, and drafts change freely', () => {
    assert.deepEqual(
      validateInvoice(
        'UPDATE',
        { ...issued, status: { ...issued.status, conditions: [{ type: 'Ready' }] } },
        issued,
      ),
      [],
    );
    const draft = { ...issued, status: { ...issued.status, phase: 'Draft' } };
    assert.deepEqual(
      validateInvoice('UPDATE', { ...draft, status: { ...draft.status, total: '99.00' } }, draft),
      [],
    );
  });
});

describe('unit: CostAllocation admission', () => {
  const base = {
    month: '2026-10',
    currency: 'JPY',
    strategy: 'tiered',
    sharedCosts: [{ name: 'logging', amount: '1000' }],
  };
  it('accepts rising tiers with an open last one', async () => {
    const { validateCostAllocation } = await import('../../../webhooks/cost-allocation.ts');
    assert.deepEqual(
      validateCostAllocation('CREATE', {
        spec: { ...base, tiers: [{ upTo: '100', multiplier: '1' }, { multiplier: '0.5' }] },
      }),
      [],
    );
  });
  it('refuses amounts finer than the currency, falling tiers, open middle tiers, repeated or weightless categories', async () => {
    const { validateCostAllocation } = await import('../../../webhooks/cost-allocation.ts');
    const fields = (spec: object) =>
      validateCostAllocation('CREATE', { spec: { ...base, ...spec } }).map((p) => `${p.field}: ${p.message}`);
    assert.match(
      fields({ sharedCosts: [{ name: 'logging', amount: '10.5' }], tiers: [{ multiplier: '1' }] })[0]!,
      /sharedCosts\[0\]\.amount: 10\.5 has 1 decimals; JPY has 0/,
    );
    assert.match(
      fields({
        tiers: [{ upTo: '100', multiplier: '1' }, { upTo: '50', multiplier: '1' }, { multiplier: '1' }],
      })[0]!,
      /tiers\[1\]\.upTo: must be above the previous tier's 100/,
    );
    assert.match(
      fields({ tiers: [{ multiplier: '1' }, { upTo: '50', multiplier: '1' }] })[0]!,
      /spec\.tiers\[0\]\.upTo: only the last tier may be open-ended/,
    );
    const custom = { strategy: 'custom', tiers: undefined };
    assert.match(
      fields({
        ...custom,
        categories: [
          { name: 'c', weight: '1', measure: 'vcpuHours' },
          { name: 'c', weight: '1', measure: 'networkHours' },
        ],
      })[0]!,
      /categories\[1\]\.name: c is listed twice/,
    );
    assert.match(
      fields({ ...custom, categories: [{ name: 'c', weight: '0', measure: 'vcpuHours' }] })[0]!,
      /at least one category needs a weight above 0/,
    );
  });
});

describe('unit: deleting an issued invoice', () => {
  const issuedJan = {
    metadata: { name: 'jan', namespace: 'tenant-a' },
    spec: { month: '2026-01' },
    status: { phase: 'Issued' },
  };
  const remove = (oldObject: object, userInfo?: object) =>
    validate({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u-1',
        kind: { group: 'omnicloud.io', version: 'v1alpha1', kind: 'Invoice' },
        operation: 'DELETE',
        namespace: 'tenant-a',
        object: null,
        oldObject,
        ...(userInfo ? { userInfo } : {}),
      },
    });

  it('is refused to tenants (any user or group, a service account of a tenant namespace, nobody known)', async () => {
    for (const user of [
      { username: 'alice', groups: ['acme-admins', 'system:authenticated'] },
      { username: 'system:serviceaccount:tenant-a:default', groups: ['system:serviceaccounts'] },
      { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      undefined,
      { username: 42 },
    ]) {
      const r = await remove(issuedJan, user);
      assert.equal(r.response.allowed, false, JSON.stringify(user));
      assert.equal(r.response.status?.code, 403);
      assert.equal(r.response.status?.reason, 'Forbidden');
      assert.match(r.response.status!.message, /invoice jan is issued and final and cannot be deleted/);
    }
  });

  it('is allowed to the cluster itself: cluster admins, the controller manager, service accounts outside tenants', async () => {
    for (const user of [
      { username: 'root', groups: ['system:masters'] },
      { username: 'system:kube-controller-manager' },
      { username: 'system:serviceaccount:kube-system:namespace-controller' },
      { username: 'system:serviceaccount:omnicloud-system:omnicloud-operator' },
    ])
      assert.equal((await remove(issuedJan, user)).response.allowed, true, JSON.stringify(user));
  });

  it('of a draft is allowed to anyone RBAC lets through', async () => {
    const draft = { ...issuedJan, status: { phase: 'Draft' } };
    assert.equal((await remove(draft, { username: 'alice' })).response.allowed, true);
  });
});
