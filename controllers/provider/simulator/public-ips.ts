// Public addresses of the simulated cloud: one pool per region, the lowest free address handed out first,
// never one address to two live instances.
import type { SimulatorConfig } from './config.ts';

/** The documentation ranges (RFC 5737) of the default regions. */
const knownPools: Record<string, string> = { 'eu-west-1': '198.51.100.0/24', 'us-east-1': '203.0.113.0/24' };

/** A region's public address pool: configured, known, or 192.0.2.0/24 and then a /24 each of 198.18.0.0/15. */
function publicIpPool(config: SimulatorConfig, region: string): string {
  const named = config.publicIpPools?.[region] ?? knownPools[region];
  if (named) return named;
  // Deterministic from the configured order, so a restart gives every region the same pool.
  const n = config.regions.filter((r) => !knownPools[r.name]).findIndex((r) => r.name === region);
  return n <= 0 ? '192.0.2.0/24' : `198.${18 + ((n - 1) >> 8)}.${(n - 1) & 255}.0/24`;
}

export class PublicIps {
  private readonly held = new Set<string>();

  constructor(private readonly config: SimulatorConfig) {}

  clear(): void {
    this.held.clear();
  }

  hold(ip: string): void {
    this.held.add(ip);
  }

  release(ip: string): void {
    this.held.delete(ip);
  }

  /** The lowest address of the region's pool nobody holds (not held until `hold`); undefined when used up. */
  take(region: string): string | undefined {
    const [base = '', bits = '32'] = publicIpPool(this.config, region).split('/');
    const start = base.split('.').reduce((a, octet) => a * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(bits));
    // The network and broadcast addresses are never handed out.
    for (let n = start + 1; n < start + size - 1; n++) {
      const ip = [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
      if (!this.held.has(ip)) return ip;
    }
    return undefined;
  }
}
