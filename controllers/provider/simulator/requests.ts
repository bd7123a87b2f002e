// What the simulator's HTTP API accepts: the body of each request as a schema, and reading a body so that
// bad input is a 400 that says what was wrong and nothing a client sends crashes the simulator. Security
// groups and rules are judged by the simulated cloud itself (security-groups.ts), so its own callers get the
// same answers.
import type http from 'node:http';
import { z } from 'zod';
import { securityGroupSchema } from '../../../crds/schemas/network.ts';
import type { SecurityGroup } from '../types.ts';
import { SimulatorError } from './errors.ts';

export const token = z.object({ idempotencyToken: z.string().min(1).max(256) });
const vcpu = z.number().int().positive();
const memoryMiB = z.number().int().positive();
const sizeGiB = z.number().int().min(1).max(65536);

export const createInstance = token.extend({
  region: z.string().min(1),
  zone: z.string().min(1),
  hostId: z.string().min(1),
  vcpu,
  memoryMiB,
  gpu: z.number().int().min(0).optional(),
  image: z.string().min(1),
  privateIp: z.string().optional(),
  publicIp: z.boolean().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  securityGroups: z.array(z.custom<SecurityGroup>()).optional(),
});
export const updateSecurityGroups = token.extend({ securityGroups: z.unknown() });
export const resizeInstance = token.extend({ vcpu, memoryMiB });
export const createNetwork = token.extend({ region: z.string().min(1), cidr: z.string().min(1) });
export const createVolume = token.extend({
  region: z.string().min(1),
  zone: z.string().min(1),
  type: z.enum(['standard', 'ssd']),
  sizeGiB,
  snapshotId: z.string().min(1).max(128).optional(),
});
export const createSnapshot = token.extend({ volumeId: z.string().min(1).max(128) });
export const resizeVolume = token.extend({ sizeGiB });
export const attachVolume = token.extend({ instanceId: z.string().min(1) });

export const faults = z.object({
  zone: z.string().optional(),
  region: z.string().optional(),
  down: z.boolean().optional(),
  throttle: z
    .object({
      probability: z.number().min(0).max(1),
      retryAfterMs: z.number().int().min(0).max(60_000).optional(),
    })
    .optional(),
  slowMs: z.number().int().min(0).max(600_000).optional(),
  failOperations: z
    .object({ probability: z.number().min(0).max(1), message: z.string().max(512).optional() })
    .optional(),
});

/** Out of band: either or both of vCPU and memory. */
export const instanceSizeEdit = z
  .object({ vcpu: vcpu.optional(), memoryMiB: memoryMiB.optional() })
  .refine((s) => s.vcpu !== undefined || s.memoryMiB !== undefined, 'give vcpu, memoryMiB or both');
export const powerEdit = z.object({ state: z.enum(['running', 'stopped']) });
export const ruleEdit = z.object({
  group: securityGroupSchema.shape.name,
  direction: z.enum(['ingress', 'egress']),
  rule: z.unknown(),
});
export const volumeSizeEdit = z.object({ sizeGiB });

export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new SimulatorError(413, 'TooLarge', 'request body over 1 MB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SimulatorError(400, 'BadJson', 'the request body is not valid JSON');
  }
}

export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new SimulatorError(
      400,
      'InvalidRequest',
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return r.data;
}

/** A request's body read and checked against `schema`. */
export async function bodyOf<T>(schema: z.ZodType<T>, req: http.IncomingMessage): Promise<T> {
  return parse(schema, await readJson(req));
}
