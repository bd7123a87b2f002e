// Decides an AdmissionReview: routes by kind to its validating or mutating rules. Pure: body in, review out.
import { allow, deny, parseReview, type AdmissionResponse } from './review.ts';
import { defaultTenant, validateTenant } from './tenant.ts';

type Validator = (
  operation: string,
  object: never,
  oldObject?: never,
) => { field: string; message: string }[];
type Defaulter = (object: never) => object[];

const validators: Record<string, Validator> = { Tenant: validateTenant as Validator };
const defaulters: Record<string, Defaulter> = { Tenant: defaultTenant as Defaulter };

export function validate(body: unknown): AdmissionResponse {
  const parsed = parseReview(body);
  if (!parsed.ok) return deny(parsed.uid, [{ field: 'request', message: parsed.message }], 400);
  const { request } = parsed;
  // Deletes are never refused here: finalizers must always be able to run.
  if (request.operation === 'DELETE' || request.kind.group !== 'omnicloud.io') return allow(request.uid);
  const rule = validators[request.kind.kind];
  if (!rule || !request.object) return allow(request.uid);
  const problems = rule(
    request.operation,
    request.object as never,
    (request.oldObject ?? undefined) as never,
  );
  return problems.length > 0 ? deny(request.uid, problems) : allow(request.uid);
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
