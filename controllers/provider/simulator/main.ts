// The cloud simulator process: `tsx controllers/provider/simulator/main.ts`. Configured by environment:
// OMNICLOUD_SIM_PORT, OMNICLOUD_SIM_STATE (journal file), OMNICLOUD_SIM_LATENCY_MS, OMNICLOUD_SIM_HOSTS_PER_ZONE,
// OMNICLOUD_SIM_VISIBILITY_DELAY_MS.
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Journal } from './journal.ts';
import { simulatorServer } from './server.ts';
import { CloudState, defaultConfig } from './state.ts';

function numberFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`${name}=${raw} is not a whole number of at least 0`);
    process.exit(64);
  }
  return n;
}

const log = pino({ name: 'cloud-simulator', timestamp: pino.stdTimeFunctions.isoTime });
const port = numberFrom('OMNICLOUD_SIM_PORT', 18080);
const file =
  process.env.OMNICLOUD_SIM_STATE ??
  path.join(os.homedir(), '.cache', 'omnicloud', 'simulator', 'state.jsonl');
const journal = new Journal(file);
const state = new CloudState(
  {
    ...defaultConfig,
    latencyMs: numberFrom('OMNICLOUD_SIM_LATENCY_MS', defaultConfig.latencyMs),
    hostsPerZone: numberFrom('OMNICLOUD_SIM_HOSTS_PER_ZONE', defaultConfig.hostsPerZone),
    visibilityDelayMs: numberFrom('OMNICLOUD_SIM_VISIBILITY_DELAY_MS', defaultConfig.visibilityDelayMs),
  },
  Date.now,
  journal,
);
state.restore(journal.load());
const server = simulatorServer(state, log);
server.listen(port, '127.0.0.1', () => {
  log.info({ port, state: file, instances: state.instances.size }, 'cloud simulator ready');
  console.log(`listening on http://127.0.0.1:${port}`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close(() => {
      journal.close();
      process.exit(0);
    });
  });
}
