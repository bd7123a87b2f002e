// What a benchmark needs of the local stack before it starts anything: the API server answering and the cloud
// simulator answering without injected faults (a fault left by a chaos test would be timed as the operator's
// cost). A benchmark never starts the stack itself: the stack's daemons outlive it and are shared.
import * as k8s from '@kubernetes/client-node';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { defaultConfig } from '../../controllers/provider/simulator/state.ts';
import { Refused } from './refused.ts';

interface SimulatorState {
  faults: {
    downZones: string[];
    downRegions: string[];
    throttleProbability: number;
    slowMs: number;
    failProbability: number;
  };
}

/** What one provider operation takes on the simulator, create to visible, with no fault injected. */
export const providerOperationMs = defaultConfig.latencyMs + defaultConfig.visibilityDelayMs;

/** Throws Refused, saying what to do, unless the API server and a fault-free simulator answer. */
export async function requireStack(kc: k8s.KubeConfig): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  try {
    await kc.makeApiClient(k8s.VersionApi).getCode();
  } catch (err) {
    throw new Refused(
      `the API server at ${server} does not answer (${String(err)}): start the local stack with ` +
        '`npm run stack:up` (`npm run -s stack:status` shows what runs)',
    );
  }
  const simulator = endpoints().provider;
  let state: SimulatorState;
  try {
    const res = await fetch(`${simulator}/admin/state`, { signal: AbortSignal.timeout(5000) });
    state = (await res.json()) as SimulatorState;
  } catch (err) {
    throw new Refused(
      `the cloud simulator at ${simulator} does not answer (${String(err)}): npm run stack:up`,
    );
  }
  const f = state.faults;
  if (
    f.downZones.length + f.downRegions.length > 0 ||
    f.throttleProbability > 0 ||
    f.slowMs > 0 ||
    f.failProbability > 0
  ) {
    throw new Refused(
      `the cloud simulator has faults injected (${JSON.stringify(f)}), which would be timed as the ` +
        `operator's cost; if no test is running, clear them with: curl -X DELETE ${simulator}/admin/faults`,
    );
  }
}
