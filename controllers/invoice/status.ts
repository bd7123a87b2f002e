// The status an Invoice shows, from the computed or issued invoice. Pure.
import { unitOf } from '../billing/usage.ts';
import { setCondition, type Condition } from '../../operator/conditions.ts';
import type { Invoice as InvoiceObject, InvoiceStatus } from '../../crds/schemas/invoice.ts';
import type { Invoice } from '../billing/domain/invoice.ts';
import { minorUnits, type Currency, type Decimal } from '../billing/domain/money.ts';
import type { ExportedInvoice, ExportLocation } from './export.ts';

export const InvoiceReasons = {
  Issued: 'Issued',
  Draft: 'PeriodOpen',
  NoTenant: 'NoTenant',
  MissingPrice: 'MissingPrice',
  MissingExchangeRate: 'MissingExchangeRate',
  InvalidSpec: 'InvalidSpec',
  Exported: 'Exported',
  S3Unavailable: 'S3Unavailable',
  ExportFailed: 'ExportFailed',
} as const;

/** How an issued invoice's export went: where it is, or why it is not there yet. */
export type ExportOutcome = { location: ExportLocation } | { failed: { reason: string; message: string } };

function exportedCondition(outcome: ExportOutcome) {
  if ('location' in outcome) {
    const l = outcome.location;
    return {
      type: 'Exported',
      status: 'True' as const,
      reason: InvoiceReasons.Exported,
      message: l.bucket
        ? `exported to s3://${l.bucket}/${l.json} and .csv`
        : `exported to ${l.json} and .csv`,
    };
  }
  return { type: 'Exported', status: 'False' as const, ...outcome.failed };
}

/** The invoice as amounts in decimal strings with the currency's minor units: the shape of status and exports. */
export function presented(
  inv: Invoice,
  id: string,
  status: 'Draft' | 'Issued',
  perUsd: string,
  issuedAt?: Date,
): ExportedInvoice {
  const digits = minorUnits(inv.currency as Currency);
  const money = (d: Decimal) => d.toFixed(digits); // decimal.js, never a JS number
  return {
    id,
    tenant: inv.tenant,
    periodStart: inv.period.start.toISOString(),
    periodEnd: inv.period.end.toISOString(),
    currency: inv.currency,
    status,
    lines: inv.lines.map((l) => ({
      resourceClass: l.resourceClass,
      region: l.region,
      quantity: l.quantity.toDecimalPlaces(6).toString(),
      unit: unitOf(l.resourceClass),
      unitPrice: l.unitPricePerHour.toString(),
      amount: money(l.amount),
    })),
    subtotal: money(inv.subtotal),
    discounts: money(inv.discountTotal),
    tax: money(inv.tax),
    credits: money(inv.creditTotal),
    total: money(inv.total),
    exchangeRateToUSD: perUsd,
    ...(issuedAt ? { issuedAt: issuedAt.toISOString() } : {}),
  };
}

export function invoiceStatus(
  obj: InvoiceObject,
  p: ExportedInvoice,
  exported: ExportOutcome | undefined,
  now: Date,
): InvoiceStatus {
  const issued = p.status === 'Issued';
  let conditions = setCondition(
    obj.status?.conditions as Condition[] | undefined,
    issued
      ? {
          type: 'Ready',
          status: 'True',
          reason: InvoiceReasons.Issued,
          message: `issued: ${p.total} ${p.currency} for ${p.periodStart} to ${p.periodEnd}`,
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: InvoiceReasons.Draft,
          message: `draft: the period ends at ${p.periodEnd}; amounts so far, refreshed every minute`,
        },
    now,
    obj.metadata.generation,
  );
  if (exported)
    conditions = setCondition(conditions, exportedCondition(exported), now, obj.metadata.generation);
  // A failed export keeps showing where the last good one went.
  const location = exported && 'location' in exported ? exported.location : obj.status?.export;
  return {
    phase: issued ? 'Issued' : 'Draft',
    observedGeneration: obj.metadata.generation,
    tenant: p.tenant,
    periodStart: p.periodStart,
    periodEnd: p.periodEnd,
    currency: p.currency,
    lines: p.lines,
    subtotal: p.subtotal,
    discounts: p.discounts,
    tax: p.tax,
    credits: p.credits,
    total: p.total,
    exchangeRateToUSD: p.exchangeRateToUSD,
    ...(p.issuedAt ? { issuedAt: p.issuedAt } : {}),
    ...(issued ? {} : { computedAt: now.toISOString() }),
    ...(location ? { export: location } : {}),
    conditions,
  };
}

export function failedStatus(obj: InvoiceObject, reason: string, message: string, now: Date): InvoiceStatus {
  return {
    ...(obj.status ?? {}),
    phase: obj.status?.phase === 'Issued' ? 'Issued' : 'Failed',
    observedGeneration: obj.metadata.generation,
    conditions: setCondition(
      obj.status?.conditions as Condition[] | undefined,
      { type: 'Ready', status: 'False', reason, message },
      now,
      obj.metadata.generation,
    ),
  };
}
