// Operator configuration from flags and environment (flags win), validated with a clear message per bad value.
import os from 'node:os';
import { Command } from 'commander';
import { z } from 'zod';

const whole = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name}: expected a whole number from ${min} to ${max}` })
    .int(`${name}: expected a whole number from ${min} to ${max}`)
    .min(min, `${name}: expected a whole number from ${min} to ${max}`)
    .max(max, `${name}: expected a whole number from ${min} to ${max}`);

export const configSchema = z
  .object({
    workers: whole('OMNICLOUD_WORKERS (--workers)', 1, 64).default(16),
    leaderElection: z
      .enum(['true', 'false'], {
        error: 'OMNICLOUD_LEADER_ELECTION (--leader-election): expected true or false',
      })
      .default('true')
      .transform((v) => v === 'true'),
    leaseName: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'OMNICLOUD_LEASE_NAME: expected a DNS-1123 name')
      .default('omnicloud-operator'),
    leaseNamespace: z.string().min(1).default('kube-system'),
    leaseDurationMs: whole('OMNICLOUD_LEASE_DURATION_MS', 1000, 600_000).default(15_000),
    renewDeadlineMs: whole('OMNICLOUD_RENEW_DEADLINE_MS', 500, 600_000).default(10_000),
    retryPeriodMs: whole('OMNICLOUD_RETRY_PERIOD_MS', 100, 600_000).default(2_000),
    identity: z.string().min(1).default(`${os.hostname()}-${process.pid}`),
    httpPort: whole('OMNICLOUD_HTTP_PORT (--http-port)', 0, 65535).default(8080),
    shutdownGraceMs: whole('OMNICLOUD_SHUTDOWN_GRACE_MS', 0, 300_000).default(20_000),
    resyncMs: whole('OMNICLOUD_RESYNC_MS', 10_000, 86_400_000).default(600_000),
    queueRatePerSecond: whole('OMNICLOUD_QUEUE_RATE', 1, 100_000).default(50),
    /** How often a running instance is compared with what the provider reports (drift, outages). */
    observeIntervalMs: whole('OMNICLOUD_OBSERVE_INTERVAL_MS', 500, 3_600_000).default(30_000),
    /** How long one Kubernetes API request may take before it is abandoned. */
    apiTimeoutMs: whole('OMNICLOUD_API_TIMEOUT_MS', 1000, 600_000).default(30_000),
    /** How long one reconcile may run before its signal fires and its worker moves on. */
    reconcileTimeoutMs: whole('OMNICLOUD_RECONCILE_TIMEOUT_MS', 1000, 3_600_000).default(120_000),
  })
  .refine((c) => c.renewDeadlineMs < c.leaseDurationMs, {
    message: 'OMNICLOUD_RENEW_DEADLINE_MS must be shorter than OMNICLOUD_LEASE_DURATION_MS',
  })
  .refine((c) => c.retryPeriodMs < c.renewDeadlineMs, {
    message: 'OMNICLOUD_RETRY_PERIOD_MS must be shorter than OMNICLOUD_RENEW_DEADLINE_MS',
  });

export type OperatorConfig = z.infer<typeof configSchema>;

const envNames: Record<string, string> = {
  workers: 'OMNICLOUD_WORKERS',
  leaderElection: 'OMNICLOUD_LEADER_ELECTION',
  leaseName: 'OMNICLOUD_LEASE_NAME',
  leaseNamespace: 'OMNICLOUD_LEASE_NAMESPACE',
  leaseDurationMs: 'OMNICLOUD_LEASE_DURATION_MS',
  renewDeadlineMs: 'OMNICLOUD_RENEW_DEADLINE_MS',
  retryPeriodMs: 'OMNICLOUD_RETRY_PERIOD_MS',
  identity: 'OMNICLOUD_IDENTITY',
  httpPort: 'OMNICLOUD_HTTP_PORT',
  shutdownGraceMs: 'OMNICLOUD_SHUTDOWN_GRACE_MS',
  resyncMs: 'OMNICLOUD_RESYNC_MS',
  observeIntervalMs: 'OMNICLOUD_OBSERVE_INTERVAL_MS',
  queueRatePerSecond: 'OMNICLOUD_QUEUE_RATE',
  apiTimeoutMs: 'OMNICLOUD_API_TIMEOUT_MS',
  reconcileTimeoutMs: 'OMNICLOUD_RECONCILE_TIMEOUT_MS',
};

export class ConfigError extends Error {}

/** Reads the configuration; throws a ConfigError listing every bad value. */
export function loadConfig(
  argv: string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): OperatorConfig {
  const cli = new Command('omnicloud-operator')
    .option('--workers <n>')
    .option('--leader-election <bool>')
    .option('--http-port <port>')
    .option('--identity <name>')
    .allowUnknownOption(false)
    .exitOverride();
  cli.parse(argv);
  const flags = cli.opts<Record<string, string>>();
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = flags[key] ?? env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid configuration:\n${parsed.error.issues.map((i) => `  - ${i.message}${raw[String(i.path[0])] !== undefined ? ` (got ${JSON.stringify(raw[String(i.path[0])])})` : ''}`).join('\n')}`,
    );
  }
  return parsed.data;
}
