// Invoice exports to the object store: one JSON and one CSV object per invoice in the operator's bucket,
// keyed `<tenant>/<period start>-<period end>/<invoice name>.{json,csv}`. Exporting is idempotent: an object
// that already holds the same bytes (its ETag is their MD5) is left as it is, one with other bytes is
// replaced. Where no object store is configured (the invoice code's own callers), a directory is the fallback.
import { createHash } from 'node:crypto';
import type * as Minio from 'minio';
import type { S3Endpoint } from '../../operator/endpoints.ts';
import { operatorS3Client } from '../backing/s3.ts';
import { invoiceCsv, invoiceJson, writeExport, type ExportedInvoice, type ExportLocation } from './export.ts';

export const invoiceBucket = 'omnicloud-invoices';

export interface InvoiceExporter {
  export(name: string, inv: ExportedInvoice): Promise<ExportLocation>;
}

const compact = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** The object keys of an invoice's exports. Pure. */
export function invoiceKeys(name: string, inv: ExportedInvoice): { json: string; csv: string } {
  const tenant = inv.tenant.replace(/[^a-z0-9-]/g, '_');
  const base = `${tenant}/${compact(inv.periodStart)}-${compact(inv.periodEnd)}/${name.replace(/[^a-z0-9.-]/g, '_')}`;
  return { json: `${base}.json`, csv: `${base}.csv` };
}

async function etagOf(client: Minio.Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    return (await client.statObject(bucket, key)).etag.replace(/"/g, '');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFound' || code === 'NoSuchKey') return undefined;
    throw err;
  }
}

async function putIfChanged(
  client: Minio.Client,
  bucket: string,
  key: string,
  body: string,
  contentType: string,
): Promise<void> {
  const data = Buffer.from(body, 'utf8');
  if ((await etagOf(client, bucket, key)) === createHash('md5').update(data).digest('hex')) return;
  await client.putObject(bucket, key, data, data.length, { 'Content-Type': contentType });
}

export function objectStoreExporter(
  client: Minio.Client,
  region: string,
  bucket: string = invoiceBucket,
): InvoiceExporter {
  let bucketReady = false;
  return {
    async export(name, inv) {
      if (!bucketReady) {
        if (!(await client.bucketExists(bucket))) {
          await client.makeBucket(bucket, region).catch((err: unknown) => {
            if ((err as { code?: string }).code !== 'BucketAlreadyOwnedByYou') throw err;
          });
        }
        bucketReady = true;
      }
      const keys = invoiceKeys(name, inv);
      // JSON first: the CSV is derived from it, and a reader that finds the CSV finds the whole record too.
      await putIfChanged(client, bucket, keys.json, invoiceJson(inv), 'application/json');
      await putIfChanged(client, bucket, keys.csv, invoiceCsv(inv), 'text/csv');
      return { bucket, ...keys };
    },
  };
}

export function directoryExporter(dir: string): InvoiceExporter {
  return { export: async (name, inv) => writeExport(dir, name, inv) };
}

/** The object store when one is configured (the operator always has one); else the directory. */
export function invoiceExporter(opts: { s3?: S3Endpoint; dir: string }): InvoiceExporter {
  return opts.s3
    ? objectStoreExporter(operatorS3Client(opts.s3), opts.s3.region)
    : directoryExporter(opts.dir);
}
