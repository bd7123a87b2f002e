// The addresses of every backing system, for the operator and the tests.
// An existing deployment is used when its variable is set (KUBECONFIG, OMNICLOUD_*_URL); otherwise the local stack's.
import { host, kubeconfigPath, ports, postgres } from './config.ts';

export type Database = (typeof postgres.databases)[number];

export interface Endpoints {
  kubeconfig: string;
  postgres: Record<Database, string>;
  redis: string;
  kafkaBrokers: string[];
  /** The cloud provider's API: the local cloud simulator unless OMNICLOUD_PROVIDER_URL names another. */
  provider: string;
}

function localPostgres(db: Database): string {
  const pw = encodeURIComponent(postgres.password);
  return `postgres://${postgres.user}:${pw}@${host}:${ports.postgres}/${db}`;
}

export function endpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const pg = {} as Record<Database, string>;
  for (const db of postgres.databases) {
    pg[db] = env[`OMNICLOUD_${db.toUpperCase()}_URL`] ?? localPostgres(db);
  }
  return {
    kubeconfig: env.KUBECONFIG ?? kubeconfigPath,
    postgres: pg,
    redis: env.OMNICLOUD_REDIS_URL ?? `redis://${host}:${ports.redis}`,
    kafkaBrokers: (env.OMNICLOUD_KAFKA_BROKERS ?? `${host}:${ports.kafka}`).split(',').filter(Boolean),
    provider: env.OMNICLOUD_PROVIDER_URL ?? `http://${host}:${ports.simulator}`,
  };
}
