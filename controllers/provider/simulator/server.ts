// The simulator's HTTP API: the provider interface as JSON over REST (counted by route, and throttled when
// that fault is on), and the admin API for tests, faults and out-of-band edits (admin.ts). Every answer is
// JSON; bad input is a 400 that says what was wrong; nothing a client sends crashes it.
import type http from 'node:http';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { PageQuery, ZonePageQuery } from '../types.ts';
import { adminRoute } from './admin.ts';
import { CallCounter } from './call-counter.ts';
import { SimulatorError } from './errors.ts';
import {
  attachVolume,
  bodyOf,
  createInstance,
  createNetwork,
  createSnapshot,
  createVolume,
  resizeInstance,
  resizeVolume,
  token,
  updateSecurityGroups,
} from './requests.ts';
import type { CloudState } from './state.ts';

/** Path segments that name a collection: the segment after one is an id. */
const collections = new Set(['instances', 'networks', 'volumes', 'snapshots', 'operations']);

/** The method and route pattern of a path, such as `GET /v1/instances/:id`, and the id in it. */
export function routeOf(method: string, pathname: string): { key: string; id: string } {
  const parts = pathname.split('/').filter(Boolean);
  let id = '';
  const pattern = parts.map((p, i) => {
    if (i === 0 || !collections.has(parts[i - 1]!)) return p;
    id ||= p;
    return ':id';
  });
  return { key: `${method} /${pattern.join('/')}`, id };
}

interface Call {
  state: CloudState;
  id: string;
  url: URL;
  req: http.IncomingMessage;
}

const found = (what: string, id: string, value: unknown): [number, unknown] => {
  if (!value) throw new SimulatorError(404, 'NotFound', `${what} ${id} not found`);
  return [200, value];
};

function required(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (!value) throw new SimulatorError(400, 'InvalidRequest', `${name}: required in the query string`);
  return value;
}

/** A listing's query from the query string: `limit` as a number, even a bad one, for the listing to judge. */
function regionPage(url: URL): PageQuery {
  const q = url.searchParams;
  return {
    region: required(url, 'region'),
    ...(q.has('pageToken') ? { pageToken: q.get('pageToken')! } : {}),
    ...(q.has('limit') ? { limit: Number(q.get('limit')) } : {}),
  };
}

const zonePage = (url: URL): ZonePageQuery => ({ ...regionPage(url), zone: required(url, 'zone') });
const optionalZone = (url: URL) =>
  url.searchParams.has('zone') ? { zone: url.searchParams.get('zone')! } : {};

/** The provider API: one handler per method and route pattern. */
const providerRoutes: Record<string, (call: Call) => Promise<[number, unknown]> | [number, unknown]> = {
  'GET /v1/regions': ({ state }) => [200, state.regions()],
  'GET /v1/hosts': ({ state, url }) => [200, state.listHosts(url.searchParams.get('region') ?? undefined)],
  'POST /v1/instances': async ({ state, req }) => [
    202,
    state.createInstance(await bodyOf(createInstance, req)),
  ],
  'GET /v1/instances': ({ state, url }) => [200, state.listInstances(zonePage(url))],
  'GET /v1/instances/:id': ({ state, id }) => found('instance', id, state.getInstance(id)),
  'DELETE /v1/instances/:id': async ({ state, id, req }) => [
    202,
    state.instanceAction(id, (await bodyOf(token, req)).idempotencyToken, 'delete-instance'),
  ],
  'POST /v1/instances/:id/start': async ({ state, id, req }) => [
    202,
    state.instanceAction(id, (await bodyOf(token, req)).idempotencyToken, 'start'),
  ],
  'POST /v1/instances/:id/stop': async ({ state, id, req }) => [
    202,
    state.instanceAction(id, (await bodyOf(token, req)).idempotencyToken, 'stop'),
  ],
  'PUT /v1/instances/:id/security-groups': async ({ state, id, req }) => {
    const body = await bodyOf(updateSecurityGroups, req);
    return [202, state.updateInstanceSecurityGroups(id, body.securityGroups, body.idempotencyToken)];
  },
  'POST /v1/instances/:id/resize': async ({ state, id, req }) => {
    const body = await bodyOf(resizeInstance, req);
    return [202, state.resizeInstance(id, body, body.idempotencyToken)];
  },
  'POST /v1/networks': async ({ state, req }) => [202, state.createNetwork(await bodyOf(createNetwork, req))],
  'GET /v1/networks': ({ state, url }) => [200, state.listNetworks(regionPage(url))],
  'GET /v1/networks/:id': ({ state, id }) => found('network', id, state.getNetwork(id)),
  'DELETE /v1/networks/:id': async ({ state, id, req }) => [
    202,
    state.deleteNetwork(id, (await bodyOf(token, req)).idempotencyToken),
  ],
  'POST /v1/volumes': async ({ state, req }) => [202, state.createVolume(await bodyOf(createVolume, req))],
  'GET /v1/volumes': ({ state, url }) => [200, state.listVolumes(zonePage(url))],
  'GET /v1/volumes/:id': ({ state, id }) => found('volume', id, state.getVolume(id)),
  'POST /v1/volumes/:id/resize': async ({ state, id, req }) => {
    const body = await bodyOf(resizeVolume, req);
    return [202, state.resizeVolume(id, body.sizeGiB, body.idempotencyToken)];
  },
  'POST /v1/volumes/:id/attach': async ({ state, id, req }) => {
    const body = await bodyOf(attachVolume, req);
    return [202, state.attachVolume(id, body.instanceId, body.idempotencyToken)];
  },
  'POST /v1/volumes/:id/detach': async ({ state, id, req }) => [
    202,
    state.detachVolume(id, (await bodyOf(token, req)).idempotencyToken),
  ],
  'DELETE /v1/volumes/:id': async ({ state, id, req }) => [
    202,
    state.deleteVolume(id, (await bodyOf(token, req)).idempotencyToken),
  ],
  'POST /v1/snapshots': async ({ state, req }) => {
    const body = await bodyOf(createSnapshot, req);
    return [202, state.createSnapshot(body.volumeId, body.idempotencyToken)];
  },
  'GET /v1/snapshots': ({ state, url }) => [
    200,
    state.listSnapshots({ ...regionPage(url), ...optionalZone(url) }),
  ],
  'GET /v1/snapshots/:id': ({ state, id }) => found('snapshot', id, state.getSnapshot(id)),
  'DELETE /v1/snapshots/:id': async ({ state, id, req }) => [
    202,
    state.deleteSnapshot(id, (await bodyOf(token, req)).idempotencyToken),
  ],
  'GET /v1/operations/:id': ({ state, id }) => [200, state.getOperation(id)],
};

async function route(
  state: CloudState,
  calls: CallCounter,
  method: string,
  url: URL,
  req: http.IncomingMessage,
): Promise<[number, unknown]> {
  const { key, id } = routeOf(method, url.pathname);
  if (key === 'GET /healthz') return [200, { ok: true }];
  if (url.pathname.split('/')[1] === 'admin') return adminRoute(state, calls, key, id, req);
  const handler = providerRoutes[key];
  if (!handler) throw new SimulatorError(404, 'NotFound', `no route ${method} ${url.pathname}`);
  // Counted before throttling: a throttled call is still a call the client made.
  calls.count(key);
  state.admit();
  return handler({ state, id, url, req });
}

export function simulatorServer(state: CloudState, log: Logger): http.Server {
  const calls = new CallCounter();
  return createServer((req, res) => {
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
    route(state, calls, req.method ?? 'GET', url, req)
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
