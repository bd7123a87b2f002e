// The local stack's addresses, for `npm start`, the CLIs and the tests. An existing deployment is used when
// its variable is set (KUBECONFIG, OMNICLOUD_*_URL); otherwise the local stack's. The operator itself reads
// only its environment (operator/endpoints.ts): `operatorEnv` is what the local stack hands it.
import {
  databases,
  databaseVariable,
  type Endpoints as OperatorEndpoints,
} from '../../operator/endpoints.ts';
import { host, kubeconfigPath, ports, postgres } from './config.ts';

export type { Database } from '../../operator/endpoints.ts';

export interface Endpoints extends OperatorEndpoints {
  kubeconfig: string;
  redis: string;
}

function localPostgres(db: string): string {
  const pw = encodeURIComponent(postgres.password);
  return `postgres://${postgres.user}:${pw}@${host}:${ports.postgres}/${db}`;
}

export function endpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const pg = {} as Endpoints['postgres'];
  for (const db of databases) pg[db] = env[databaseVariable(db)] ?? localPostgres(db);
  return {
    kubeconfig: env.KUBECONFIG ?? kubeconfigPath,
    postgres: pg,
    redis: env.OMNICLOUD_REDIS_URL ?? `redis://${host}:${ports.redis}`,
    kafkaBrokers: (env.OMNICLOUD_KAFKA_BROKERS ?? `${host}:${ports.kafka}`).split(',').filter(Boolean),
    provider: env.OMNICLOUD_PROVIDER_URL ?? `http://${host}:${ports.simulator}`,
  };
}

/** The backing systems' variables the operator reads (operator/endpoints.ts), set to the local stack's. */
export function backingSystemsEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const ep = endpoints(env);
  const vars: Record<string, string> = {
    OMNICLOUD_KAFKA_BROKERS: ep.kafkaBrokers.join(','),
    OMNICLOUD_PROVIDER_URL: ep.provider,
  };
  for (const db of databases) vars[databaseVariable(db)] = ep.postgres[db];
  return vars;
}

/** Everything the operator needs to run against the local stack: its kubeconfig and backing systems. */
export function operatorEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { KUBECONFIG: endpoints(env).kubeconfig, ...backingSystemsEnv(env) };
}
