// Every version of every object of one collection, as a watch delivers them: a status the operator shows for
// less than a polling interval (drift found and put back within a second) is still seen, in order. A watch the
// server ends is resumed from the last resourceVersion seen.
import * as k8s from '@kubernetes/client-node';
import { eventually } from '../../support/kube.ts';

export interface Seen<T> {
  obj: T;
  /** Date.now() when the watch delivered it. */
  at: number;
}

export class StatusHistory<T extends k8s.KubernetesObject> {
  private readonly versions = new Map<string, Seen<T>[]>();
  private resourceVersion?: string;
  private abort?: AbortController;
  private stopped = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    /** The collection's path, such as /apis/omnicloud.io/v1alpha1/namespaces/NS/computes. */
    private readonly path: string,
  ) {}

  /** Resolves once the watch is open. */
  async start(): Promise<void> {
    this.abort = await new k8s.Watch(this.kc).watch(
      this.path,
      {
        allowWatchBookmarks: true,
        ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
      },
      (type: string, obj: T) => this.onEvent(type, obj),
      () => void this.resume(),
    );
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private onEvent(type: string, obj: T): void {
    if (type === 'ERROR') {
      this.resourceVersion = undefined; // too old: go on from now
      return;
    }
    this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
    if (type === 'BOOKMARK') return;
    const name = obj.metadata?.name ?? '';
    const list = this.versions.get(name) ?? [];
    list.push({ obj, at: Date.now() });
    this.versions.set(name, list);
  }

  private async resume(): Promise<void> {
    for (let attempt = 0; !this.stopped && attempt < 40; attempt++) {
      try {
        await this.start();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** The versions of `name` delivered at or after `since` (ms), oldest first. */
  of(name: string, since = 0): Seen<T>[] {
    return (this.versions.get(name) ?? []).filter((v) => v.at >= since);
  }

  /** The first version of `name` delivered at or after `since` that passes `test`, waiting for it. */
  first(
    name: string,
    what: string,
    test: (o: T) => boolean,
    since = 0,
    timeoutMs = 60_000,
  ): Promise<Seen<T>> {
    return eventually(
      `${name}: ${what}`,
      async () => this.of(name, since).find((v) => test(v.obj)),
      timeoutMs,
    );
  }
}
