// The simulator's HTTP API: the provider interface as JSON over REST, and an admin API for fault injection.
// Every answer is JSON; bad input is a 400 that says what was wrong; nothing a client sends crashes it.
import http from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CloudState } from './state.ts';
import { SimulatorError } from './errors.ts';
import { noFaults } from './state.ts';

const createInstance = z.object({
  idempotencyToken: z.string().min(1).max(256),
  region: z.string().min(1),
  zone: z.string().min(1),
  hostId: z.string().min(1),
  vcpu: z.number().int().positive(),
  memoryMiB: z.number().int().positive(),
  gpu: z.number().int().min(0).optional(),
  image: z.string().min(1),
  privateIp: z.string().optional(),
  publicIp: z.boolean().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
const createNetwork = z.object({
  idempotencyToken: z.string().min(1).max(256),
  region: z.string().min(1),
  cidr: z.string().min(1),
});
const token = z.object({ idempotencyToken: z.string().min(1).max(256) });
const sizeGiB = z.number().int().min(1).max(65536);
const createVolume = token.extend({
  region: z.string().min(1),
  zone: z.string().min(1),
  type: z.enum(['standard', 'ssd']),
  sizeGiB,
});
const resizeVolume = token.extend({ sizeGiB });
const faults = z.object({
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

async function readJson(req: http.IncomingMessage): Promise<unknown> {
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

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new SimulatorError(
      400,
      'InvalidRequest',
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  return r.data;
}

function toggle(list: string[], item: string, on: boolean): string[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

async function route(
  state: CloudState,
  method: string,
  url: URL,
  req: http.IncomingMessage,
): Promise<[number, unknown]> {
  const parts = url.pathname.split('/').filter(Boolean);
  const key = `${method} /${parts.map((p, i) => (i >= 2 && i % 2 === 0 ? ':id' : p)).join('/')}`;
  if (key === 'GET /healthz') return [200, { ok: true }];
  if (parts[0] === 'admin') {
    if (key === 'GET /admin/state')
      return [
        200,
        {
          faults: state.faults,
          regions: state.regions(),
          instances: state.instances.size,
          networks: state.networks.size,
          volumes: state.volumes.size,
          operations: state.operations.size,
        },
      ];
    if (key === 'GET /admin/instances') return [200, state.allInstances()];
    if (key === 'GET /admin/volumes') return [200, state.allVolumes()];
    if (key === 'DELETE /admin/faults') return [200, state.setFaults({ ...noFaults })];
    if (key === 'POST /admin/faults') {
      const f = parse(faults, await readJson(req));
      const next = { ...state.faults };
      if (f.zone !== undefined) next.downZones = toggle(next.downZones, f.zone, f.down ?? true);
      if (f.region !== undefined) next.downRegions = toggle(next.downRegions, f.region, f.down ?? true);
      if (f.throttle) {
        next.throttleProbability = f.throttle.probability;
        next.throttleRetryAfterMs = f.throttle.retryAfterMs ?? 1000;
      }
      if (f.slowMs !== undefined) next.slowMs = f.slowMs;
      if (f.failOperations) {
        next.failProbability = f.failOperations.probability;
        next.failMessage = f.failOperations.message ?? 'injected failure';
      }
      return [200, state.setFaults(next)];
    }
    throw new SimulatorError(404, 'NotFound', `no admin route ${method} ${url.pathname}`);
  }
  state.admit();
  const id = parts[2] ?? '';
  switch (key) {
    case 'GET /v1/regions':
      return [200, state.regions()];
    case 'GET /v1/hosts':
      return [200, state.listHosts(url.searchParams.get('region') ?? undefined)];
    case 'POST /v1/instances':
      return [202, state.createInstance(parse(createInstance, await readJson(req)))];
    case 'GET /v1/instances/:id': {
      const inst = state.getInstance(id);
      if (!inst) throw new SimulatorError(404, 'NotFound', `instance ${id} not found`);
      return [200, inst];
    }
    case 'DELETE /v1/instances/:id':
      return [
        202,
        state.instanceAction(id, parse(token, await readJson(req)).idempotencyToken, 'delete-instance'),
      ];
    case 'POST /v1/instances/:id/start':
    case 'POST /v1/instances/:id/stop': {
      const action = parts[3] === 'start' ? 'start' : 'stop';
      return [202, state.instanceAction(id, parse(token, await readJson(req)).idempotencyToken, action)];
    }
    case 'POST /v1/networks':
      return [202, state.createNetwork(parse(createNetwork, await readJson(req)))];
    case 'GET /v1/networks/:id': {
      const net = state.getNetwork(id);
      if (!net) throw new SimulatorError(404, 'NotFound', `network ${id} not found`);
      return [200, net];
    }
    case 'DELETE /v1/networks/:id':
      return [202, state.deleteNetwork(id, parse(token, await readJson(req)).idempotencyToken)];
    case 'POST /v1/volumes':
      return [202, state.createVolume(parse(createVolume, await readJson(req)))];
    case 'GET /v1/volumes/:id': {
      const vol = state.getVolume(id);
      if (!vol) throw new SimulatorError(404, 'NotFound', `volume ${id} not found`);
      return [200, vol];
    }
    case 'POST /v1/volumes/:id/resize': {
      const body = parse(resizeVolume, await readJson(req));
      return [202, state.resizeVolume(id, body.sizeGiB, body.idempotencyToken)];
    }
    case 'DELETE /v1/volumes/:id':
      return [202, state.deleteVolume(id, parse(token, await readJson(req)).idempotencyToken)];
    case 'GET /v1/operations/:id':
      return [200, state.getOperation(id)];
    default:
      throw new SimulatorError(404, 'NotFound', `no route ${method} ${url.pathname}`);
  }
}

export function simulatorServer(state: CloudState, log: Logger): http.Server {
  return http.createServer((req, res) => {
    const correlationId = String(req.headers['x-correlation-id'] ?? '').slice(0, 128) || undefined;
    const url = new URL(req.url ?? '/', 'http://simulator');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(correlationId ? { 'x-correlation-id': correlationId } : {}),
        ...headers,
      });
      res.end(JSON.stringify(body));
      if (url.pathname !== '/healthz')
        log.info({ correlationId, method: req.method, path: url.pathname, status }, 'request');
    };
    route(state, req.method ?? 'GET', url, req)
      .then(([status, body]) => send(status, body))
      .catch((err: unknown) => {
        if (err instanceof SimulatorError) {
          send(
            err.status,
            { code: err.code, message: err.message },
            err.status === 429
              ? {
                  // Retry-After is whole seconds; retry-after-ms says the same to clients that want precision.
                  'retry-after': String(Math.max(1, Math.ceil(state.faults.throttleRetryAfterMs / 1000))),
                  'retry-after-ms': String(state.faults.throttleRetryAfterMs),
                }
              : {},
          );
        } else {
          log.error({ correlationId, err: (err as Error).message }, 'request failed');
          send(500, { code: 'Internal', message: 'internal error' });
        }
      });
  });
}
