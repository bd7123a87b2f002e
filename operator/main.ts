// The operator process: configuration, logging, the controllers and the manager that runs them.
import * as k8s from '@kubernetes/client-node';
import { registerControllers } from '../controllers/index.ts';
import { endpoints } from '../hack/stack/endpoints.ts';
import { serveWebhooksFromEnv } from '../webhooks/serve.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { Manager } from './manager.ts';

const log = createLogger();
try {
  const config = loadConfig();
  const ep = endpoints();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(ep.kubeconfig);
  const manager = new Manager(kc, config, log);
  await registerControllers(manager, kc, ep, log, config);
  await manager.start();
  await serveWebhooksFromEnv(kc, log);
  log.info(
    { identity: config.identity, httpPort: manager.address, leaderElection: config.leaderElection },
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
