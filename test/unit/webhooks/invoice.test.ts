import assert from 'node:assert/strict';
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
