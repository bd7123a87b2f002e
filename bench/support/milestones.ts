// When each object of a kind in one namespace was first seen to reach each milestone (bound, Scheduled,
// Running...), by a watch opened before the first create, on this process's monotonic clock (the clock the
// benchmark times its creates with). A watch the server ends is resumed from the last resourceVersion seen.
import * as k8s from '@kubernetes/client-node';

export class Milestones<T extends k8s.KubernetesObject> {
  /** name -> milestone -> performance.now() when first seen. */
  private readonly seen = new Map<string, Map<string, number>>();
  private resourceVersion?: string;
  private abort?: AbortController;
  private stopped = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    /** The collection's path, such as /api/v1/namespaces/NS/pods. */
    private readonly path: string,
    /** The milestones `obj` has reached, as it is now. */
    private readonly marks: (obj: T) => string[],
    private readonly log: (msg: string) => void,
  ) {}

  /** Resolves once the watch is open. */
  async start(): Promise<void> {
    await this.open();
  }

  private async open(): Promise<void> {
    this.abort = await new k8s.Watch(this.kc).watch(
      this.path,
      {
        allowWatchBookmarks: true,
        ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
      },
      (type: string, obj: T) => this.onEvent(type, obj),
      (err: unknown) => void this.reopen(err),
    );
  }

  private onEvent(type: string, obj: T): void {
    const now = performance.now();
    if (type === 'ERROR') {
      // 410 Gone: the resourceVersion is too old; start again from now (first sightings only get later).
      this.resourceVersion = undefined;
      return;
    }
    this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
    if (type === 'BOOKMARK' || type === 'DELETED') return;
    const name = obj.metadata?.name ?? '';
    let marks = this.seen.get(name);
    if (!marks) this.seen.set(name, (marks = new Map()));
    for (const m of this.marks(obj)) if (!marks.has(m)) marks.set(m, now);
  }

  private async reopen(err: unknown): Promise<void> {
    if (this.stopped) return;
    if (err) this.log(`watch ${this.path} ended (${String(err)}); resuming`);
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.open();
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** When `name` was first seen at `mark`. */
  first(name: string, mark: string): number | undefined {
    return this.seen.get(name)?.get(mark);
  }

  /** How many objects have reached `mark`. */
  count(mark: string): number {
    let n = 0;
    for (const marks of this.seen.values()) if (marks.has(mark)) n++;
    return n;
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}
