// Where a request may point in the simulated cloud: a region it has, and a zone of that region. A request
// elsewhere is a 400 that names what exists.
import { SimulatorError } from './errors.ts';
import type { SimulatorConfig } from './config.ts';

/** Refuses a region the cloud does not have, or a zone (when given) outside the region. */
export function checkPlace(config: SimulatorConfig, region: string, zone?: string): void {
  const found = config.regions.find((r) => r.name === region);
  if (!found)
    throw new SimulatorError(
      400,
      'InvalidRegion',
      `region ${region} does not exist; regions: ${config.regions.map((r) => r.name).join(', ')}`,
    );
  if (zone !== undefined && !found.zones.includes(zone))
    throw new SimulatorError(
      400,
      'InvalidZone',
      `zone ${zone} is not in region ${region}; zones: ${found.zones.join(', ')}`,
    );
}
