// Invoice exports: keys by tenant, period and name; JSON whose bytes do not depend on the record's key order;
// S3 failures told apart (unreachable or failing server, retried, from a refusal) without their details.
import assert from 'node:assert/strict';
import * as Minio from 'minio';
import { invoiceJson, type ExportedInvoice } from '../../../controllers/invoice/export.ts';
import { invoiceKeys } from '../../../controllers/invoice/object-export.ts';
import { isS3Unavailable, s3FailureMessage } from '../../../controllers/backing/s3-unavailable.ts';

const inv: ExportedInvoice = {
  id: 'tenant-acme/nov',
  tenant: 'acme',
  periodStart: '2026-11-01T00:00:00.000Z',
  periodEnd: '2026-12-01T00:00:00.000Z',
  currency: 'KWD',
  status: 'Issued',
  lines: [
    {
      resourceClass: 'small',
      region: 'eu-west-1',
      quantity: '1.5',
      unit: 'hour',
      unitPrice: '0.100',
      amount: '0.150',
    },
  ],
  subtotal: '0.150',
  discounts: '0.000',
  tax: '0.029',
  credits: '0.000',
  total: '0.179',
  exchangeRateToUSD: '0.30',
  issuedAt: '2026-12-01T00:00:05.000Z',
};

describe('invoice object exports', () => {
  it('keys an export by tenant, period and invoice name', () => {
    assert.deepEqual(invoiceKeys('nov', inv), {
      json: 'acme/20261101T000000Z-20261201T000000Z/nov.json',
      csv: 'acme/20261101T000000Z-20261201T000000Z/nov.csv',
    });
  });

  it('writes the same JSON whatever order the record keeps its keys in (jsonb reorders them)', () => {
    const shuffled = JSON.parse(
      JSON.stringify({
        ...Object.fromEntries(Object.entries(inv).reverse()),
        lines: inv.lines.map((l) => Object.fromEntries(Object.entries(l).reverse())),
      }),
    ) as ExportedInvoice;
    assert.equal(invoiceJson(shuffled), invoiceJson(inv));
    assert.equal(JSON.parse(invoiceJson(inv)).total, '0.179', 'amounts stay decimal strings');
  });

  it('takes an unreachable or failing server for unavailable and a refusal for not', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('request failed', { cause: refused });
    const busy = Object.assign(new Minio.S3Error('slow down'), { code: 'SlowDown' });
    const denied = Object.assign(new Minio.S3Error('Access Denied.'), { code: 'AccessDenied' });
    assert.ok(isS3Unavailable(refused));
    assert.ok(isS3Unavailable(wrapped));
    assert.ok(isS3Unavailable(busy));
    assert.ok(!isS3Unavailable(denied));
    assert.match(s3FailureMessage(refused), /cannot be reached.*ECONNREFUSED/);
    assert.ok(!s3FailureMessage(refused).includes('127.0.0.1'), 'no address');
    assert.equal(s3FailureMessage(denied), 'the S3 server refused the request (AccessDenied)');
  });
});
