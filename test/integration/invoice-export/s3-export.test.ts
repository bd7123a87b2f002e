// Invoice exports against the stack's S3 server, through the real Invoice controller run here: an issued
// invoice becomes a JSON and a CSV object keyed by tenant, period and name, with its amounts as decimal
// strings and its status saying where they are (never a key or secret); exporting again writes nothing new;
// with the S3 server unreachable the invoice is issued all the same, says S3Unavailable, and is exported once
// the server answers again.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import * as Minio from 'minio';
import pino from 'pino';
import type pg from 'pg';
import { done } from '../../../operator/action.ts';
import { Controller } from '../../../operator/controller.ts';
import { eventRecorder } from '../../../operator/events.ts';
import { s3ClientOptions as optionsFor } from '../../../controllers/backing/s3.ts';
import { invoiceController } from '../../../controllers/invoice/reconcile.ts';
import {
  invoiceBucket,
  invoiceKeys,
  objectStoreExporter,
} from '../../../controllers/invoice/object-export.ts';
import type { ExportedInvoice } from '../../../controllers/invoice/export.ts';
import type { Invoice } from '../../../crds/schemas/invoice.ts';
import type { Tenant } from '../../../crds/schemas/tenant.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import { migratedPool } from '../../support/databases.ts';
import { api, createNamespace, deleteNamespace } from '../../support/infra.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds } from '../../support/operator.ts';
import { operatorS3Keys, s3Client } from '../../support/s3.ts';
import { startS3Switch, type S3Switch } from '../../support/s3-switch.ts';

const log = pino({ level: 'silent' });
type Obj = Invoice & k8s.KubernetesObject;

async function text(client: Minio.Client, bucket: string, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await client.getObject(bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('integration: invoice exports to the S3 server', function () {
  this.timeout(120_000);
  const kc = adminConfig();
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const tenant = uniqueName('invx');
  const ns = `tenant-${tenant}`;
  const s3 = s3Client();
  const cached = { spec: { billingCurrency: 'USD' } } as unknown as Tenant;
  const controllers: Controller<Obj>[] = [];
  let billing: pg.Pool;
  let proxy: S3Switch;

  /** The real Invoice controller, exporting through `endpoint`, reconciling only this test's namespace. */
  async function startController(endpoint: string): Promise<void> {
    const s3e = { ...endpoints().s3, endpoint, ...operatorS3Keys() };
    const spec = invoiceController({
      pool: billing,
      exporter: objectStoreExporter(new Minio.Client(optionsFor(s3e, s3e)), s3e.region),
      tenants: { get: (name) => (name === tenant ? cached : undefined) },
    });
    const c = new Controller<Obj>(
      {
        ...spec,
        reconcile: (obj, ctx) =>
          obj.metadata?.namespace === ns ? spec.reconcile(obj, ctx) : Promise.resolve(done),
      },
      kc,
      log,
      eventRecorder(kc, 'invoice-export-test', 'test', log),
    );
    controllers.push(c);
    await c.start();
  }
  const stopControllers = () => Promise.all(controllers.splice(0).map((c) => c.stop(1_000)));

  const read = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...api, plural: 'invoices', namespace: ns, name })) as Obj;
  const createInvoice = (name: string, start: string, end: string) =>
    custom.createNamespacedCustomObject({
      ...api,
      plural: 'invoices',
      namespace: ns,
      body: {
        apiVersion: 'omnicloud.io/v1alpha1',
        kind: 'Invoice',
        metadata: { name },
        spec: { start, end },
      },
    });
  const condition = (o: Obj, type: string) => o.status?.conditions?.find((c) => c.type === type);

  before(async () => {
    installCrds();
    billing = await migratedPool('billing_db');
    await createNamespace(kc, ns);
    proxy = await startS3Switch();
  });
  afterEach(stopControllers);
  after(async () => {
    await stopControllers();
    await proxy?.close();
    await deleteNamespace(kc, ns);
    for await (const o of s3.listObjectsV2(
      invoiceBucket,
      `${tenant}/`,
      true,
    ) as AsyncIterable<Minio.BucketItem>) {
      if (o.name) await s3.removeObject(invoiceBucket, o.name);
    }
    await billing?.query('DELETE FROM invoices WHERE tenant = $1', [tenant]).catch(() => undefined);
    await billing?.end();
  });

  it('exports an issued invoice as JSON and CSV objects and says where, with no credential in status', async () => {
    await startController(endpoints().s3.endpoint);
    await createInvoice('nov', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');
    const inv = await eventually('invoice exported', async () => {
      const i = await read('nov');
      return condition(i, 'Exported')?.status === 'True' ? i : undefined;
    });
    assert.equal(inv.status!.phase, 'Issued');
    const where = inv.status!.export!;
    assert.equal(where.bucket, invoiceBucket);
    assert.equal(where.json, `${tenant}/20261101T000000Z-20261201T000000Z/nov.json`);
    assert.equal(where.csv, `${tenant}/20261101T000000Z-20261201T000000Z/nov.csv`);
    assert.match(condition(inv, 'Exported')!.message, new RegExp(`s3://${invoiceBucket}/${where.json}`));

    const json = JSON.parse(await text(s3, invoiceBucket, where.json)) as ExportedInvoice;
    assert.equal(json.id, `${ns}/nov`);
    assert.equal(json.tenant, tenant);
    assert.equal(json.status, 'Issued');
    assert.equal(json.total, inv.status!.total);
    assert.equal(typeof json.total, 'string', 'money stays a decimal string');
    assert.match(json.total, /^-?\d+\.\d{2}$/, 'USD has two decimals');
    const csv = await text(s3, invoiceBucket, where.csv);
    assert.match(csv, /^resource_class,region,quantity,unit,unit_price,amount,currency$/m);
    assert.match(csv, new RegExp(`^total,,,,,${json.total.replace('.', '\\.')},USD$`, 'm'));

    const keys = operatorS3Keys();
    const shown = JSON.stringify(inv.status);
    assert.ok(!shown.includes(keys.secretKey) && !shown.includes(keys.accessKey), 'no S3 key in status');
  });

  it('writes the same bytes again on re-export and leaves the objects as they were', async () => {
    const inv = await read('nov');
    const where = inv.status!.export!;
    const before = await Promise.all([where.json, where.csv].map((k) => s3.statObject(invoiceBucket, k)));
    const beforeJson = await text(s3, invoiceBucket, where.json);
    // Re-exported from the record billing_db keeps (jsonb orders its keys its own way), as a resync does.
    const row = await billing.query<{ presented: ExportedInvoice }>(
      'SELECT presented FROM invoices WHERE id = $1',
      [`${ns}/nov`],
    );
    const exporter = objectStoreExporter(s3, endpoints().s3.region);
    const again = await exporter.export('nov', row.rows[0]!.presented);
    assert.deepEqual(again, where);
    assert.equal(await text(s3, invoiceBucket, where.json), beforeJson);
    const after = await Promise.all([where.json, where.csv].map((k) => s3.statObject(invoiceBucket, k)));
    assert.deepEqual(
      after.map((s) => [s.etag, s.lastModified.toISOString()]),
      before.map((s) => [s.etag, s.lastModified.toISOString()]),
      'nothing rewritten',
    );
    assert.deepEqual(invoiceKeys('nov', row.rows[0]!.presented), { json: where.json, csv: where.csv });
  });

  it('issues the invoice with the S3 server down, says S3Unavailable, and exports it once the server is back', async () => {
    proxy.down();
    await startController(proxy.endpoint);
    await createInvoice('oct', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
    const failing = await eventually('S3Unavailable shown', async () => {
      const i = await read('oct');
      return condition(i, 'Exported')?.reason === 'S3Unavailable' &&
        condition(i, 'Synced')?.status === 'False'
        ? i
        : undefined;
    });
    assert.equal(failing.status!.phase, 'Issued', 'issued all the same');
    assert.equal(condition(failing, 'Exported')!.status, 'False');
    assert.match(condition(failing, 'Exported')!.message, /S3 server cannot be reached/);
    assert.ok(!condition(failing, 'Exported')!.message.includes('127.0.0.1'), 'no address in status');
    assert.equal(condition(failing, 'Synced')!.reason, 'S3Unavailable');
    assert.equal(failing.status!.export, undefined);
    const row = await billing.query('SELECT status FROM invoices WHERE id = $1', [`${ns}/oct`]);
    assert.equal(row.rows[0]?.status, 'Issued', 'kept in billing_db: nothing lost');

    proxy.up();
    const exported = await eventually('exported after the server came back', async () => {
      const i = await read('oct');
      return condition(i, 'Exported')?.status === 'True' ? i : undefined;
    });
    assert.equal(exported.status!.total, failing.status!.total);
    const json = JSON.parse(await text(s3, invoiceBucket, exported.status!.export!.json)) as ExportedInvoice;
    assert.equal(json.total, failing.status!.total);
    assert.equal(json.periodStart, '2026-10-01T00:00:00.000Z');
    await eventually('Synced again', async () =>
      condition(await read('oct'), 'Synced')?.status === 'True' ? true : undefined,
    );
  });
});
