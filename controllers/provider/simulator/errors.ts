// What the simulated cloud answers when it refuses: an HTTP status, a code clients can branch on, a message.

export class SimulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error code of a refused operation: outages have their own codes so clients can tell them apart. */
export function refusalCode(message: string): string {
  if (message.startsWith('zone ')) return 'ZoneUnavailable';
  if (message.startsWith('region ')) return 'RegionUnavailable';
  if (message.startsWith('no public addresses')) return 'AddressesExhausted';
  return 'InsufficientCapacity';
}
