// Invoice exports: JSON (the whole record) and CSV (one row per line, then the totals). Amounts are written as
// the decimal strings they are, never through a float, and fields in a fixed order, so an invoice read back
// from billing_db (whose jsonb reorders keys) exports to the same bytes as when it was issued. The directory
// writer here is the fallback when no object store is configured (see object-export.ts).
import fs from 'node:fs';
import path from 'node:path';

export interface ExportLine {
  resourceClass: string;
  region: string;
  quantity: string;
  unit: string;
  unitPrice: string;
  amount: string;
}

export interface ExportedInvoice {
  id: string;
  tenant: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  status: string;
  lines: ExportLine[];
  subtotal: string;
  discounts: string;
  tax: string;
  credits: string;
  total: string;
  exchangeRateToUSD?: string;
  issuedAt?: string;
}

/** What a spreadsheet reads as the start of a formula (OWASP CSV injection): = + - @, TAB and CR. */
const formulaStart = /^[=+\-@\t\r]/;
/** A plain decimal number, such as an amount of -12.50: a spreadsheet reads it as a number, never a formula. */
const plainNumber = /^-?\d+(\.\d+)?$/;

function csvField(value: string): string {
  // A cell a spreadsheet would run as a formula gets a leading apostrophe, which makes it text; only a whole
  // plain number is exempt (a leading "-1" may still be followed by "+cmd|..."). Then anything with a comma,
  // quote or line break is quoted.
  const safe = formulaStart.test(value) && !plainNumber.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function invoiceCsv(inv: ExportedInvoice): string {
  const rows: string[][] = [
    ['resource_class', 'region', 'quantity', 'unit', 'unit_price', 'amount', 'currency'],
  ];
  for (const l of inv.lines)
    rows.push([l.resourceClass, l.region, l.quantity, l.unit, l.unitPrice, l.amount, inv.currency]);
  for (const [label, value] of [
    ['subtotal', inv.subtotal],
    ['discounts', inv.discounts],
    ['tax', inv.tax],
    ['credits', inv.credits],
    ['total', inv.total],
  ] as const) {
    rows.push([label, '', '', '', '', value, inv.currency]);
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** Where an export went: object keys in `bucket`, or file paths when there is no bucket. Never credentials. */
export interface ExportLocation {
  bucket?: string;
  json: string;
  csv: string;
}

/** The JSON export, its fields in the order of ExportedInvoice whatever order the record has. */
export function invoiceJson(inv: ExportedInvoice): string {
  const record: ExportedInvoice = {
    id: inv.id,
    tenant: inv.tenant,
    periodStart: inv.periodStart,
    periodEnd: inv.periodEnd,
    currency: inv.currency,
    status: inv.status,
    lines: inv.lines.map((l) => ({
      resourceClass: l.resourceClass,
      region: l.region,
      quantity: l.quantity,
      unit: l.unit,
      unitPrice: l.unitPrice,
      amount: l.amount,
    })),
    subtotal: inv.subtotal,
    discounts: inv.discounts,
    tax: inv.tax,
    credits: inv.credits,
    total: inv.total,
    ...(inv.exchangeRateToUSD === undefined ? {} : { exchangeRateToUSD: inv.exchangeRateToUSD }),
    ...(inv.issuedAt === undefined ? {} : { issuedAt: inv.issuedAt }),
  };
  return JSON.stringify(record, null, 2) + '\n';
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Writes `<dir>/<tenant>/<name>.json` and `.csv`; returns their paths. */
export function writeExport(dir: string, name: string, inv: ExportedInvoice): ExportLocation {
  const folder = path.join(dir, inv.tenant.replace(/[^a-z0-9-]/g, '_'));
  fs.mkdirSync(folder, { recursive: true });
  const base = path.join(folder, name.replace(/[^a-z0-9.-]/g, '_'));
  writeAtomically(`${base}.json`, invoiceJson(inv));
  writeAtomically(`${base}.csv`, invoiceCsv(inv));
  return { json: `${base}.json`, csv: `${base}.csv` };
}
