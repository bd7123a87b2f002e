// Admission rules for Invoices: an issued invoice is final. Its period, lines and totals cannot change,
// whoever asks (the status subresource included); a correction is a credit note against it.
import { invoiceSpecSchema } from '../crds/schemas/invoice.ts';
import type { Problem, UserInfo } from './review.ts';
import { schemaProblems } from './rules.ts';
import { issuedFinalFields } from '../crds/schemas/invoice-rules.ts';

interface InvoiceLike {
  metadata?: { name?: unknown };
  spec?: unknown;
  status?: Record<string, unknown>;
}

export function validateInvoice(operation: string, object: InvoiceLike, oldObject?: InvoiceLike): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = invoiceSpecSchema.safeParse(object.spec);
  if (!parsed.success) return schemaProblems(parsed.error);
  const spec = parsed.data;
  const problems: Problem[] = [];
  if (spec.start && spec.end && Date.parse(spec.end) <= Date.parse(spec.start)) {
    problems.push({
      field: 'spec.end',
      message: `must be after spec.start (${spec.start}); periods are half-open [start, end)`,
    });
  }
  if (operation === 'UPDATE') problems.push(...issuedInvoiceProblems(object, oldObject));
  return problems;
}

/** An update of an issued invoice that changes the invoice itself: refused, whatever else the update does. */
export function issuedInvoiceProblems(object: InvoiceLike, oldObject?: InvoiceLike): Problem[] {
  if (oldObject?.status?.phase !== 'Issued') return [];
  const problems: Problem[] = [];
  const name = typeof object.metadata?.name === 'string' ? object.metadata.name : 'this invoice';
  if (JSON.stringify(object.spec) !== JSON.stringify(oldObject.spec)) {
    problems.push({
      field: 'spec',
      message: `invoice ${name} is issued and final; issue a credit note to correct it`,
    });
  }
  for (const field of issuedFinalFields) {
    if (JSON.stringify(object.status?.[field]) !== JSON.stringify(oldObject.status[field])) {
      problems.push({
        field: `status.${field}`,
        message: `invoice ${name} is issued and final; issue a credit note to correct it`,
      });
    }
  }
  return problems;
}

/**
 * A delete of an issued invoice: refused unless the cluster itself asks (its namespace controller, the
 * operator deleting the invoice's tenant, a cluster admin). Tenants never delete one, whatever their RBAC
 * says; deleting the object would not undo the invoice anyway (billing_db keeps it), only hide it.
 */
export function issuedInvoiceDeletionProblems(oldObject: InvoiceLike, user: UserInfo): Problem[] {
  if (oldObject.status?.phase !== 'Issued' || isClusterIdentity(user)) return [];
  const name = typeof oldObject.metadata?.name === 'string' ? oldObject.metadata.name : 'this invoice';
  return [
    {
      field: 'metadata.name',
      message: `invoice ${name} is issued and final and cannot be deleted; a correction is a credit note against it, and it goes with its tenant`,
    },
  ];
}

/** Cluster admins, the controller manager, and service accounts outside every tenant's namespace. */
function isClusterIdentity(user: UserInfo): boolean {
  if (user?.groups?.includes('system:masters')) return true;
  const name = user?.username ?? '';
  if (name === 'system:kube-controller-manager') return true;
  const account = /^system:serviceaccount:([^:]+):[^:]+$/.exec(name);
  return account !== null && !account[1]!.startsWith('tenant-');
}
