// The simulator's admin API, beside the provider API and never counted or throttled as part of it: state for
// tests, fault injection, the provider-call counter, and out-of-band edits made as a console user makes them
// (at once, with no operation or idempotency token, journaled as out of band).
import type http from 'node:http';
import type { CallCounter } from './call-counter.ts';
import { SimulatorError } from './errors.ts';
import { bodyOf, faults, instanceSizeEdit, powerEdit, ruleEdit, volumeSizeEdit } from './requests.ts';
import { noFaults } from './config.ts';
import type { CloudState } from './state.ts';

function toggle(list: string[], item: string, on: boolean): string[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

/**
 * Answers one admin request. `key` is the method and route pattern (`POST /admin/instances/:id/size`), `id`
 * the id in the path when there is one.
 */
export async function adminRoute(
  state: CloudState,
  calls: CallCounter,
  key: string,
  id: string,
  req: http.IncomingMessage,
): Promise<[number, unknown]> {
  switch (key) {
    case 'GET /admin/state':
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
    case 'GET /admin/instances':
      return [200, state.allInstances()];
    case 'GET /admin/volumes':
      return [200, state.allVolumes()];
    case 'DELETE /admin/faults':
      return [200, state.setFaults({ ...noFaults })];
    case 'POST /admin/faults': {
      const f = await bodyOf(faults, req);
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
    case 'GET /admin/calls':
      return [200, calls.snapshot()];
    case 'POST /admin/calls/reset':
      return [200, calls.reset()];
    case 'GET /admin/out-of-band':
      return [200, state.outOfBandEdits()];
    case 'POST /admin/instances/:id/size':
      return [200, state.resizeInstanceNow(id, await bodyOf(instanceSizeEdit, req))];
    case 'POST /admin/instances/:id/power':
      return [200, state.setPowerNow(id, (await bodyOf(powerEdit, req)).state)];
    case 'POST /admin/instances/:id/security-group-rules':
      return [200, state.addRuleNow(id, await bodyOf(ruleEdit, req))];
    case 'DELETE /admin/instances/:id/security-group-rules':
      return [200, state.removeRuleNow(id, await bodyOf(ruleEdit, req))];
    case 'DELETE /admin/instances/:id':
      return [200, state.deleteInstanceNow(id)];
    case 'DELETE /admin/networks/:id':
      return [200, state.deleteNetworkNow(id)];
    case 'DELETE /admin/volumes/:id':
      return [200, state.deleteVolumeNow(id)];
    case 'POST /admin/volumes/:id/size':
      return [200, state.growVolumeNow(id, (await bodyOf(volumeSizeEdit, req)).sizeGiB)];
    case 'POST /admin/volumes/:id/detach':
      return [200, state.detachVolumeNow(id)];
    default:
      throw new SimulatorError(
        404,
        'NotFound',
        `no admin route ${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://simulator').pathname}`,
      );
  }
}
