// A watch-backed cache that never stays dead: client-node's informer lists, then watches from the list's
// resourceVersion and relists on 410 Gone; when it reports an error it stops, so it is restarted here with
// backoff. A watchdog restarts a watch that has gone silent for longer than the server's watch timeout.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.ts';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export function resourcePath(ref: ResourceRef): string {
  return ref.apiVersion.includes('/')
    ? `/apis/${ref.apiVersion}/${ref.plural}`
    : `/api/${ref.apiVersion}/${ref.plural}`;
}

export function objectKey(obj: k8s.KubernetesObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Which watch event delivered an object; only used to keep the change filter's memory bounded. */
export type ChangeKind = 'add' | 'update' | 'delete';

export interface InformerOptions {
  /** Restart a watch that delivered nothing (no event, no reconnect) for this long. */
  silenceMs?: number;
  labelSelector?: string;
}

export class ResilientInformer<T extends k8s.KubernetesObject> {
  private readonly informer: k8s.Informer<T> & k8s.ObjectCache<T>;
  private failures = 0;
  private lastActivity = Date.now();
  private watchdog?: NodeJS.Timeout;
  private restartTimer?: NodeJS.Timeout;
  private stopped = false;
  private synced = false;

  constructor(
    kc: k8s.KubeConfig,
    readonly ref: ResourceRef,
    onChange: (obj: T, kind: ChangeKind) => void,
    private readonly log: Logger,
    private readonly opts: InformerOptions = {},
  ) {
    const objects = kc.makeApiClient(k8s.KubernetesObjectApi);
    const list = () =>
      objects.list<T>(
        ref.apiVersion,
        ref.kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        opts.labelSelector,
      );
    this.informer = k8s.makeInformer<T>(kc, resourcePath(ref), list, opts.labelSelector);
    const touch = (obj: T, kind: ChangeKind): void => {
      this.lastActivity = Date.now();
      this.failures = 0;
      onChange(obj, kind);
    };
    this.informer.on('add', (obj) => touch(obj, 'add'));
    this.informer.on('update', (obj) => touch(obj, 'update'));
    this.informer.on('delete', (obj) => touch(obj, 'delete'));
    this.informer.on('connect', () => {
      this.lastActivity = Date.now();
    });
    this.informer.on('error', (err) => this.restartLater(err));
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.informer.start();
    this.synced = true;
    this.lastActivity = Date.now();
    const silence = this.opts.silenceMs ?? 10 * 60_000;
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastActivity > silence) {
          this.log.warn(
            { resource: this.ref.plural, silentForMs: Date.now() - this.lastActivity },
            'watch silent; re-establishing',
          );
          this.restartLater(undefined, 0);
        }
      },
      Math.min(silence, 30_000),
    );
    this.watchdog.unref();
  }

  private restartLater(err: unknown, delayMs?: number): void {
    if (this.stopped || this.restartTimer) return;
    this.failures += 1;
    const delay = delayMs ?? backoffDelay(this.failures, 500, 30_000);
    if (err !== undefined) {
      this.log.warn(
        { resource: this.ref.plural, err: String(err), retryInMs: delay },
        'watch failed; restarting',
      );
    }
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      try {
        await this.informer.stop();
        await this.informer.start();
        this.lastActivity = Date.now();
      } catch (e) {
        this.restartLater(e);
      }
    }, delay);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }
}
