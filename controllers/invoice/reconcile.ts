// The Invoice controller: computes a tenant's invoice for the object's period from billing_db. While the
// period is open the invoice is a draft, refreshed every minute; once it has ended the invoice is issued:
// stored for good in billing_db with the exchange rate of that moment, its credits consumed, and exported.
// An issued invoice is read back from billing_db, never recomputed, so it stays exactly as issued.
import type * as k8s from '@kubernetes/client-node';
import type { Pool } from 'pg';
import { done, requeueAfter, TerminalError, type Action } from '../../operator/action.ts';
import type { ControllerSpec, ReconcileContext } from '../../operator/controller.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import { writeStatus } from '../../operator/status.ts';
import type { Currency } from '../../crds/schemas/common.ts';
import { invoiceSpecSchema, type Invoice as InvoiceObject } from '../../crds/schemas/invoice.ts';
import type { Tenant } from '../../crds/schemas/tenant.ts';
import { MissingPriceError } from '../billing/domain/proration.ts';
import { monthPeriod } from '../billing/domain/period.ts';
import { tenantOfNamespace } from '../tenant/children.ts';
import { invalidSpec } from '../invalid-spec.ts';
import { validateInvoice } from '../../webhooks/invoice.ts';
import { computeInvoice, MissingExchangeRateError, type Period } from './compute.ts';
import type { ExportedInvoice } from './export.ts';
import type { InvoiceExporter } from './object-export.ts';
import { failedStatus, InvoiceReasons, invoiceStatus, presented } from './status.ts';
import { isS3Unavailable, s3FailureMessage, untilAborted } from '../backing/s3-unavailable.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { failureForStatus } from '../failure.ts';
import { AlreadyIssued, issueInvoice, issuedInvoice, saveDraft } from './store.ts';

export const invoiceResource: ResourceRef = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'Invoice',
  plural: 'invoices',
  namespaced: true,
};
const draftRefreshMs = 60_000;

export interface InvoiceDeps {
  pool: Pool;
  /** Where issued invoices are exported: the operator's bucket (or a directory, see object-export.ts). */
  exporter: InvoiceExporter;
  /** The operator's cache of Tenants (a tenant's billing currency is read there, not with an API call). */
  tenants: { get(name: string): Tenant | undefined };
}

type Obj = InvoiceObject & k8s.KubernetesObject;

export function invoiceController(deps: InvoiceDeps): ControllerSpec<Obj> {
  return {
    name: 'invoice',
    resource: invoiceResource,
    reconcile: (obj, ctx) => reconcileInvoice(obj, ctx, deps),
    describeFailure: (err) =>
      err instanceof ExportNotDone
        ? { reason: err.reason, message: err.message }
        : {
            reason: isDatabaseUnavailable(err) ? 'DatabaseUnavailable' : 'ReconcileError',
            message: failureForStatus(err),
          },
    async onTerminalError(obj, err, ctx) {
      const reason = (err as TerminalError).reason ?? InvoiceReasons.InvalidSpec;
      const changed = await writeStatus(
        ctx.kc,
        invoiceResource,
        obj,
        failedStatus(obj, reason, err.message, new Date(ctx.clock.now())),
      );
      // Told once: a resync finds the same problem already shown and says nothing more.
      if (changed) await ctx.events.record(obj, 'Warning', reason, err.message);
    },
  };
}

/** An issued invoice not exported yet: retried with backoff; billing_db keeps it, so nothing is lost. */
export class ExportNotDone extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Exports an issued invoice and shows where it went (or why not, then fails the reconcile to retry it). */
async function exportIssued(
  obj: Obj,
  ctx: ReconcileContext<Obj>,
  deps: InvoiceDeps,
  shown: ExportedInvoice,
  now: Date,
): Promise<void> {
  try {
    const location = await untilAborted(deps.exporter.export(obj.metadata.name, shown), ctx.signal);
    await writeStatus(ctx.kc, invoiceResource, obj, invoiceStatus(obj, shown, { location }, now));
  } catch (err) {
    if (err instanceof ExportNotDone) throw err;
    const reason = isS3Unavailable(err) ? InvoiceReasons.S3Unavailable : InvoiceReasons.ExportFailed;
    const message = `issued, not exported yet: ${s3FailureMessage(err)}`;
    ctx.log.warn({ err: String(err), invoice: shown.id }, 'invoice export failed; retrying');
    await writeStatus(
      ctx.kc,
      invoiceResource,
      obj,
      invoiceStatus(obj, shown, { failed: { reason, message } }, now),
    );
    throw new ExportNotDone(reason, message);
  }
}

export function periodOf(spec: InvoiceObject['spec']): Period {
  if (spec.month) {
    const [y, m] = spec.month.split('-').map(Number) as [number, number];
    return monthPeriod(y, m);
  }
  return { start: new Date(spec.start!), end: new Date(spec.end!) };
}

function tenantCurrency(deps: InvoiceDeps, tenant: string): Currency {
  const t = deps.tenants.get(tenant);
  if (!t) {
    throw new TerminalError(
      `no Tenant ${tenant} owns this namespace; invoices live in a tenant's namespace`,
      InvoiceReasons.NoTenant,
    );
  }
  return t.spec.billingCurrency;
}

export async function reconcileInvoice(
  obj: Obj,
  ctx: ReconcileContext<Obj>,
  deps: InvoiceDeps,
): Promise<Action> {
  if (obj.metadata.deletionTimestamp) return done;
  const now = new Date(ctx.clock.now());
  const id = `${obj.metadata.namespace}/${obj.metadata.name}`;
  const issued = await issuedInvoice(deps.pool, id);
  if (issued) {
    await exportIssued(obj, ctx, deps, issued.presented as ExportedInvoice, now);
    return done;
  }
  // The webhook's rules, as for a create: the API server keeps the spec from changing after that, and what
  // the webhook checks on updates is the issued invoice's finality, which the branch above keeps.
  const invalid = invalidSpec(validateInvoice('CREATE', obj));
  const parsed = invoiceSpecSchema.safeParse(obj.spec);
  if (invalid || !parsed.success)
    throw new TerminalError(invalid?.message ?? 'spec is invalid', InvoiceReasons.InvalidSpec);
  const tenant = tenantOfNamespace(obj.metadata.namespace!);
  const currency = tenantCurrency(deps, tenant);
  const period = periodOf(parsed.data);
  const closed = period.end.getTime() <= now.getTime();
  let computed;
  try {
    computed = await computeInvoice(deps.pool, tenant, currency, period, closed ? period.end : now, now);
  } catch (err) {
    if (err instanceof MissingPriceError)
      throw new TerminalError(
        `${err.message}; add the price to billing_db.prices`,
        InvoiceReasons.MissingPrice,
      );
    if (err instanceof MissingExchangeRateError)
      throw new TerminalError(err.message, InvoiceReasons.MissingExchangeRate);
    throw err;
  }
  if (!closed) {
    const shown = presented(computed.invoice, id, 'Draft', computed.perUsd);
    await saveDraft(deps.pool, obj.metadata.uid, shown);
    await writeStatus(ctx.kc, invoiceResource, obj, invoiceStatus(obj, shown, undefined, now));
    return requeueAfter(Math.min(draftRefreshMs, period.end.getTime() - now.getTime() + 1_000));
  }
  const shown = presented(computed.invoice, id, 'Issued', computed.perUsd, now);
  try {
    await issueInvoice(
      deps.pool,
      obj.metadata.uid,
      shown,
      computed.invoice.credits.map((c) => ({ id: c.id, balance: c.remaining.toString() })),
    );
  } catch (err) {
    if (err instanceof AlreadyIssued) throw new TerminalError(err.message, 'DuplicatePeriod');
    throw err;
  }
  await ctx.events.record(
    obj,
    'Normal',
    InvoiceReasons.Issued,
    `issued ${shown.total} ${shown.currency} to ${tenant}`,
  );
  await exportIssued(obj, ctx, deps, shown, now);
  return done;
}
