// How many provider API calls the simulator has answered, by route (method and route pattern, such as
// `GET /v1/instances/:id`), since it started or since the count was last reset: what a test reads to show
// how the operator's calls grow (with zones, not with objects).

export interface CallCounts {
  /** When counting began, UTC. */
  since: string;
  total: number;
  byRoute: Record<string, number>;
}

export class CallCounter {
  private counts = new Map<string, number>();
  private since: number;

  constructor(private readonly now: () => number = Date.now) {
    this.since = now();
  }

  count(route: string): void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
  }

  reset(): CallCounts {
    this.counts = new Map();
    this.since = this.now();
    return this.snapshot();
  }

  snapshot(): CallCounts {
    const byRoute = Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    return { since: new Date(this.since).toISOString(), total, byRoute };
  }
}
