// Observation at scale: every interval, each zone that holds managed resources of a kind is listed page by
// page (a few provider calls per zone, however many objects it holds), and the objects whose outside state
// changed since the last listing are woken. Reconciles read the last listing instead of asking the provider
// about each object, so provider calls per interval grow with zones, not with objects.
import type { Logger } from 'pino';
import type { Observation } from './kind.ts';

export interface Scope {
  region: string;
  zone?: string;
}

export interface Page<State> {
  items: { id: string; state: State }[];
  nextPageToken?: string;
}

export type Lister<State> = (scope: Scope, pageToken?: string) => Promise<Page<State>>;

interface ZoneView<State> {
  scope: Scope;
  /** When the last complete listing began (ms); what it did not see may have been created after. */
  listedFrom?: number;
  states: Map<string, { state: State; print: string }>;
  tracked: Map<string, string>;
  /**
   * What the reconcile of each tracked object last saw of it (a listing's print, a direct read's, or
   * undefined for gone): the next listing is compared with that, so a change the reconcile made or saw
   * between two listings (an instance started again, then stopped again) is still a change to wake it for.
   */
  seen: Map<string, string | undefined>;
}

const scopeKey = (s: Scope) => `${s.region}/${s.zone ?? ''}`;

export class ZoneObserver<State> {
  private readonly zones = new Map<string, ZoneView<State>>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wake: (key: string) => void = () => undefined;

  constructor(
    readonly what: string,
    private readonly list: Lister<State>,
    readonly intervalMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where woken keys go (the controller's queue). */
  onChange(wake: (key: string) => void): void {
    this.wake = wake;
  }

  get active(): boolean {
    return this.timer !== undefined;
  }

  /** Watch `id` for the object `key`: a change in the zone's listings wakes it. */
  track(scope: Scope, id: string, key: string): void {
    this.view(scope).tracked.set(id, key);
  }

  untrack(scope: Scope, id: string): void {
    this.zones.get(scopeKey(scope))?.tracked.delete(id);
    this.zones.get(scopeKey(scope))?.seen.delete(id);
  }

  /** What a direct read of the provider said of `id` (undefined: gone); the next listing is compared with it. */
  saw(scope: Scope, id: string, state: State | undefined): void {
    this.view(scope).seen.set(id, state === undefined ? undefined : JSON.stringify(state));
  }

  /**
   * What the last listing of the zone says of `id`. A listing that began before `knownSince` (the resource's
   * last recorded change) is not known to hold that change, listed or not: the resource may be younger than
   * the listing, or changed by a step of ours since (a volume grown, which the listing still shows at its old
   * size and a reconcile would take for a spec change not yet applied). The caller asks the provider instead.
   */
  lookup(scope: Scope, id: string, knownSince: Date | undefined): Observation<State> {
    const view = this.zones.get(scopeKey(scope));
    if (!view?.listedFrom) return { exists: 'unknown' };
    if (knownSince && knownSince.getTime() >= view.listedFrom) return { exists: 'unknown' };
    const seen = view.states.get(id);
    if (seen) {
      view.seen.set(id, seen.print);
      return { exists: true, state: seen.state };
    }
    return { exists: false };
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.observeAll(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Lists every zone with tracked objects once and wakes what changed; one run at a time. */
  async observeAll(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      for (const view of this.zones.values()) {
        if (view.tracked.size === 0) continue;
        await this.observeZone(view).catch((err: unknown) =>
          this.log.warn(
            { zone: scopeKey(view.scope), err: (err as Error).message },
            `listing ${this.what} failed; the zone keeps its last listing and is listed again next interval`,
          ),
        );
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async observeZone(view: ZoneView<State>): Promise<void> {
    const from = this.now();
    const states = new Map<string, { state: State; print: string }>();
    let token: string | undefined;
    do {
      const page = await this.list(view.scope, token);
      for (const item of page.items)
        states.set(item.id, { state: item.state, print: JSON.stringify(item.state) });
      token = page.nextPageToken;
    } while (token);
    const before = view.states;
    const first = view.listedFrom === undefined;
    view.states = states;
    view.listedFrom = from;
    for (const [id, key] of view.tracked) {
      const now = states.get(id)?.print;
      // Compared with what the reconcile saw when it did; else with the last listing (none the first time).
      const last = view.seen.has(id) ? view.seen.get(id) : first ? now : before.get(id)?.print;
      if (last !== now) this.wake(key);
    }
  }

  private view(scope: Scope): ZoneView<State> {
    const key = scopeKey(scope);
    let view = this.zones.get(key);
    if (!view) {
      view = { scope, states: new Map(), tracked: new Map(), seen: new Map() };
      this.zones.set(key, view);
    }
    return view;
  }
}
