// An issued invoice's status says where it was exported (bucket and keys, never a credential), or why it is
// not exported yet while keeping the last place it went.
import assert from 'node:assert/strict';
import { invoiceStatus } from '../../../controllers/invoice/status.ts';
import type { ExportedInvoice } from '../../../controllers/invoice/export.ts';
import type { Invoice } from '../../../crds/schemas/invoice.ts';

const inv: ExportedInvoice = {
  id: 'tenant-acme/nov',
  tenant: 'acme',
  periodStart: '2026-11-01T00:00:00.000Z',
  periodEnd: '2026-12-01T00:00:00.000Z',
  currency: 'EUR',
  status: 'Issued',
  lines: [],
  subtotal: '0.00',
  discounts: '0.00',
  tax: '0.00',
  credits: '0.00',
  total: '0.00',
  issuedAt: '2026-12-01T00:00:01.000Z',
};
const obj = (status?: Invoice['status']): Invoice => ({
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Invoice',
  metadata: { name: 'nov', namespace: 'tenant-acme', uid: 'u', generation: 1 },
  spec: { month: '2026-11' },
  ...(status ? { status } : {}),
});
const now = new Date('2026-12-01T00:00:02Z');
const location = { bucket: 'omnicloud-invoices', json: 'acme/p/nov.json', csv: 'acme/p/nov.csv' };

describe('invoice status: exports', () => {
  it('names the bucket and keys and says Exported', () => {
    const s = invoiceStatus(obj(), inv, { location }, now);
    assert.deepEqual(s.export, location);
    const c = s.conditions!.find((x) => x.type === 'Exported')!;
    assert.deepEqual([c.status, c.reason], ['True', 'Exported']);
    assert.equal(c.message, 'exported to s3://omnicloud-invoices/acme/p/nov.json and .csv');
  });

  it('says S3Unavailable when the export failed and keeps the last place it went; Ready stays Issued', () => {
    const before = invoiceStatus(obj(), inv, { location }, now);
    const failed = {
      reason: 'S3Unavailable',
      message: 'issued, not exported yet: the S3 server cannot be reached',
    };
    const s = invoiceStatus(obj(before), inv, { failed }, now);
    assert.deepEqual(s.export, location);
    assert.equal(s.phase, 'Issued');
    const c = s.conditions!.find((x) => x.type === 'Exported')!;
    assert.deepEqual([c.status, c.reason], ['False', 'S3Unavailable']);
    assert.equal(s.conditions!.find((x) => x.type === 'Ready')!.status, 'True');
  });

  it('says nothing of exports for a draft', () => {
    const s = invoiceStatus(obj(), { ...inv, status: 'Draft' }, undefined, now);
    assert.equal(s.export, undefined);
    assert.equal(
      s.conditions!.find((x) => x.type === 'Exported'),
      undefined,
    );
  });
});
