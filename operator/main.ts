// The operator process: configuration, logging, the controllers and the manager that runs them. This file
// alone decides when the process exits, with the code the manager reports.
import { registerControllers } from '../controllers/index.ts';
import { serveWebhooksFromEnv, type WebhookServing } from '../webhooks/serve.ts';
import { ConfigError, loadConfig } from './config.ts';
import { endpointsFromEnv } from './endpoints.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { createLogger } from './logger.ts';
import { Manager } from './manager.ts';

const log = createLogger();
let manager: Manager;
let webhooks: WebhookServing | undefined;
try {
  const config = loadConfig();
  const ep = endpointsFromEnv();
  const cluster = loadKubeConfig(config.apiTimeoutMs);
  manager = new Manager(cluster.kc, config, log);
  await registerControllers(manager, cluster.kc, ep, log, config);
  await manager.start();
  webhooks = await serveWebhooksFromEnv(cluster.kc, log);
  log.info(
    {
      identity: config.identity,
      httpPort: manager.address,
      leaderElection: config.leaderElection,
      cluster: { source: cluster.source, server: cluster.server },
    },
    'operator started',
  );
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(64);
  }
  log.fatal({ err: (err as Error).message }, 'operator failed to start');
  process.exit(1);
}
const code = await manager.exited;
await webhooks?.close();
process.exit(code);
