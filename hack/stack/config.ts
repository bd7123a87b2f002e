// Where the local stack keeps its state and which ports it listens on; every value can be overridden by environment.
import os from 'node:os';
import path from 'node:path';

const env = process.env;

function port(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (expected a whole number from 1 to 65535)`);
  }
  return n;
}

export const versions = {
  kubernetes: '1.34.4',
  etcd: '3.6.4',
  postgres: '15',
  kafka: '4.1.1',
  helm: 'kubectl-v33 layer',
  versitygw: 'v1.8.0',
  openbao: '2.7.2',
} as const;

/** Cache for built and downloaded artefacts, keyed by version so a second start is fast. */
export const cacheDir = env.OMNICLOUD_CACHE ?? path.join(os.homedir(), '.cache', 'omnicloud');
/** Runtime state of the local stack: data directories, logs, pid files, certificates, kubeconfigs. */
export const stateDir = env.OMNICLOUD_STATE ?? path.join(cacheDir, 'stack');
export const logDir = path.join(stateDir, 'logs');
export const runDir = path.join(stateDir, 'run');
export const pkiDir = path.join(stateDir, 'pki');
export const binDir = path.join(cacheDir, 'bin', `k8s-v${versions.kubernetes}`);

export const host = '127.0.0.1';

export const ports = {
  etcd: port('OMNICLOUD_ETCD_PORT', 23790),
  etcdPeer: port('OMNICLOUD_ETCD_PEER_PORT', 23800),
  apiserver: port('OMNICLOUD_APISERVER_PORT', 16443),
  controllerManager: port('OMNICLOUD_KCM_PORT', 10257),
  postgres: port('OMNICLOUD_PG_PORT', 15432),
  redis: port('OMNICLOUD_REDIS_PORT', 16379),
  kafka: port('OMNICLOUD_KAFKA_PORT', 19092),
  kafkaController: port('OMNICLOUD_KAFKA_CONTROLLER_PORT', 19093),
  simulator: port('OMNICLOUD_SIM_PORT', 18080),
  s3: port('OMNICLOUD_S3_PORT', 17070),
  openbao: port('OMNICLOUD_OPENBAO_PORT', 18200),
  openbaoCluster: port('OMNICLOUD_OPENBAO_CLUSTER_PORT', 18201),
};

/** The region the local S3 server answers for; it checks request signatures against it. */
export const s3Region = 'us-east-1';

export const postgres = {
  user: 'omnicloud',
  password: env.OMNICLOUD_PG_PASSWORD ?? 'omnicloud-local',
  databases: ['infra_db', 'tenants_db', 'billing_db', 'audit_db'] as const,
};

export const kubeconfigPath = path.join(stateDir, 'kubeconfig', 'admin.kubeconfig');
