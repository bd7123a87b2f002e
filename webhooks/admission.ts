// Decides an AdmissionReview: routes by kind to its validating or mutating rules. Pure: body in, review out.
import { isDeepStrictEqual } from 'node:util';
import { allow, deny, parseReview, type AdmissionResponse, type Problem, type UserInfo } from './review.ts';
import { validateCompute, volumeZoneProblems } from './compute.ts';
import { validateConfigSet } from './config-set.ts';
import { validateCostAllocation } from './cost-allocation.ts';
import { issuedInvoiceDeletionProblems, issuedInvoiceProblems, validateInvoice } from './invoice.ts';
import { annotationProblems } from './managed.ts';
import { validateNetwork } from './network.ts';
import { quotaProblems, type QuotaLookup } from './quota.ts';
import { regionalKinds, regionProblem } from './regions.ts';
import { defaultTenant, validateTenant } from './tenant.ts';
import { validateVolume } from './volume.ts';
import { validateBucket } from './bucket.ts';
import { validateDiskSnapshot } from './disk-snapshot.ts';
import { validateStateSnapshot } from './state-snapshot.ts';
import { secretAnnotationProblems, validateManagedSecret } from './managed-secret.ts';

type Validator = (
  operation: string,
  object: never,
  oldObject?: never,
) => { field: string; message: string }[];
type Defaulter = (object: never) => object[];

const validators: Record<string, Validator> = {
  Tenant: validateTenant as Validator,
  Network: validateNetwork as Validator,
  Compute: validateCompute as Validator,
  Invoice: validateInvoice as Validator,
  CostAllocation: validateCostAllocation as Validator,
  Volume: validateVolume as Validator,
  Bucket: validateBucket as Validator,
  DiskSnapshot: validateDiskSnapshot as Validator,
  ConfigSet: validateConfigSet as Validator,
  StateSnapshot: validateStateSnapshot as Validator,
  ManagedSecret: validateManagedSecret as Validator,
};
/**
 * Rules that hold whatever the spec: an update that leaves the spec alone is checked against these only.
 * (An issued invoice's status is final too; a managed object's annotations are judged when they change.)
 */
const finalityRules: Record<string, (object: never, oldObject: never) => Problem[]> = {
  Invoice: issuedInvoiceProblems,
  Compute: annotationProblems,
  Network: annotationProblems,
  Volume: annotationProblems,
  Bucket: annotationProblems,
  DiskSnapshot: annotationProblems,
  ConfigSet: annotationProblems,
  ManagedSecret: secretAnnotationProblems,
};
/** Deletes refused: only an issued invoice's. Every other delete passes, so finalizers always run. */
const deletionRules: Record<string, (oldObject: never, user: UserInfo) => Problem[]> = {
  Invoice: issuedInvoiceDeletionProblems,
};
const quotaKinds = new Set(['Network', 'Compute', 'Volume']);
/** Kinds whose updates can take more of the quota: a Volume that grows. */
const quotaOnUpdateKinds = new Set(['Volume']);
const defaulters: Record<string, Defaulter> = { Tenant: defaultTenant as Defaulter };

/**
 * Validates a request. With a quota lookup, creates of Networks, Computes and Volumes, and updates that grow
 * a Volume, are also checked against the tenant's quota (and refused in a suspended tenant).
 */
export async function validate(body: unknown, quota?: QuotaLookup): Promise<AdmissionResponse> {
  const parsed = parseReview(body);
  if (!parsed.ok) return deny(parsed.uid, [{ field: 'request', message: parsed.message }], 400);
  const { request } = parsed;
  if (request.kind.group !== 'omnicloud.io') return allow(request.uid);
  if (request.operation === 'DELETE') {
    const rule = deletionRules[request.kind.kind];
    const problems = rule && request.oldObject ? rule(request.oldObject as never, request.userInfo) : [];
    return problems.length > 0 ? deny(request.uid, problems, 403) : allow(request.uid);
  }
  const rule = validators[request.kind.kind];
  if (!rule || !request.object) return allow(request.uid);
  if (request.operation === 'UPDATE' && request.oldObject) {
    // Deletion always completes: an object being deleted may lose its finalizers whatever it holds.
    if (hasDeletionTimestamp(request.object)) return allow(request.uid);
    // An update of metadata (finalizers, labels, annotations) or status is never refused for the spec: an
    // object admitted under older rules, or before the webhook, must still be labelled and deleted.
    if (isDeepStrictEqual(request.object.spec, request.oldObject.spec)) {
      const final = finalityRules[request.kind.kind];
      const problems = final ? final(request.object as never, request.oldObject as never) : [];
      return problems.length > 0 ? deny(request.uid, problems) : allow(request.uid);
    }
  }
  const problems = rule(
    request.operation,
    request.object as never,
    (request.oldObject ?? undefined) as never,
  );
  const kind = request.kind.kind;
  const quotaApplies =
    request.operation === 'CREATE'
      ? quotaKinds.has(kind)
      : request.operation === 'UPDATE' && quotaOnUpdateKinds.has(kind) && !!request.oldObject;
  if (request.operation === 'CREATE' && regionalKinds.has(kind) && quota?.regions) {
    const offered = await quota.regions();
    const spec = request.object.spec as { region?: unknown } | undefined;
    const problem = offered && regionProblem(spec?.region, offered);
    if (problem) problems.push(problem);
  }
  if (problems.length === 0 && quota && kind === 'Compute' && namesZoneAndVolumes(request.object.spec)) {
    const meta = (request.object.metadata ?? {}) as { namespace?: unknown };
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : (request.namespace ?? '');
    problems.push(...volumeZoneProblems(request.object.spec, await quota.volumes(namespace)));
  }
  if (problems.length === 0 && quota && quotaApplies) {
    const meta = (request.object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : (request.namespace ?? '');
    const name = typeof meta.name === 'string' ? meta.name : '';
    const oldSpec = request.operation === 'UPDATE' ? (request.oldObject?.spec ?? null) : undefined;
    problems.push(...(await quotaProblems(quota, kind, namespace, name, request.object.spec, oldSpec)));
  }
  return problems.length > 0 ? deny(request.uid, problems) : allow(request.uid);
}

/** Whether a Compute spec names both its zone and volumes (only then are the Volumes looked up). */
function namesZoneAndVolumes(spec: unknown): boolean {
  const s = spec as { zone?: unknown; volumes?: unknown } | undefined;
  return typeof s?.zone === 'string' && Array.isArray(s.volumes) && s.volumes.length > 0;
}

function hasDeletionTimestamp(object: Record<string, unknown>): boolean {
  const meta = object.metadata as { deletionTimestamp?: unknown } | undefined;
  return typeof meta?.deletionTimestamp === 'string' && meta.deletionTimestamp !== '';
}

export function mutate(body: unknown): AdmissionResponse {
  const parsed = parseReview(body);
  if (!parsed.ok) return deny(parsed.uid, [{ field: 'request', message: parsed.message }], 400);
  const { request } = parsed;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow(request.uid);
  const rule = request.kind.group === 'omnicloud.io' ? defaulters[request.kind.kind] : undefined;
  if (!rule || !request.object) return allow(request.uid);
  return allow(request.uid, rule(request.object as never));
}
