// The AdmissionReview envelope: reading a request that may be anything at all, and writing a response that
// is always well formed, whatever came in.
import { z } from 'zod';

/** Who asks; a malformed one reads as nobody in particular, which no rule trusts. */
const userInfoSchema = z
  .object({
    username: z.string().max(512).optional(),
    groups: z.array(z.string().max(512)).max(256).optional(),
  })
  .optional()
  .catch(undefined);

export const admissionRequestSchema = z.object({
  uid: z.string().max(256),
  kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  namespace: z.string().max(253).optional(),
  object: z.record(z.string(), z.unknown()).nullish(),
  oldObject: z.record(z.string(), z.unknown()).nullish(),
  dryRun: z.boolean().optional(),
  userInfo: userInfoSchema,
});
export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;

const envelopeSchema = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

export interface Problem {
  field: string;
  message: string;
}

export interface AdmissionResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; reason?: string };
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
  };
}

export type UserInfo = AdmissionRequest['userInfo'];

export type Parsed = { ok: true; request: AdmissionRequest } | { ok: false; uid: string; message: string };

/** Parses a request body; a malformed one still yields the uid when one can be found, for the answer. */
export function parseReview(body: unknown): Parsed {
  const parsed = envelopeSchema.safeParse(body);
  if (parsed.success) return { ok: true, request: parsed.data.request };
  const uid = (body as { request?: { uid?: unknown } } | null)?.request?.uid;
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.join('.') || '(root)' : '(root)';
  return {
    ok: false,
    uid: typeof uid === 'string' ? uid.slice(0, 256) : '',
    message: `malformed AdmissionReview at ${where}: ${issue?.message ?? 'unreadable'}`.slice(0, 1024),
  };
}

export function allow(uid: string, patch?: object[], warnings?: string[]): AdmissionResponse {
  const response: AdmissionResponse['response'] = { uid, allowed: true };
  if (patch && patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  if (warnings && warnings.length > 0) response.warnings = warnings;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

const reasons: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden' };

export function deny(uid: string, problems: Problem[], code = 422): AdmissionResponse {
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: false,
      status: { code, message: message.slice(0, 4096), reason: reasons[code] ?? 'Invalid' },
    },
  };
}
