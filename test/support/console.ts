// Out-of-band changes to the cloud simulator, made as a user of the cloud's console makes them (through the
// simulator's admin API: at once, with no operation and no idempotency token, journaled as out of band), and
// the simulator's count of provider API calls. Given the simulator's base URL: the stack's (stackConsole) or
// a test's own.
import { endpoints } from '../../hack/stack/endpoints.ts';
import type { InstanceSize } from '../../controllers/provider/types.ts';
import type { CallCounts } from '../../controllers/provider/simulator/call-counter.ts';
import type { OutOfBandEdit } from '../../controllers/provider/simulator/out-of-band.ts';
import type { RuleEdit } from '../../controllers/provider/simulator/security-groups.ts';
import type { OutOfBandResult } from '../../controllers/provider/simulator/state.ts';

export type { CallCounts, OutOfBandEdit, OutOfBandResult, RuleEdit };

/** The simulator refused the edit: its HTTP status, its code and its words. */
export class ConsoleError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export class CloudConsole {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const payload = (text ? JSON.parse(text) : {}) as { code?: string; message?: string };
    if (!res.ok)
      throw new ConsoleError(
        `${method} ${path}: HTTP ${res.status} ${payload.message ?? text}`,
        res.status,
        payload.code ?? 'Refused',
      );
    return payload as T;
  }

  private instance(id: string, rest = ''): string {
    return `/admin/instances/${encodeURIComponent(id)}${rest}`;
  }

  private volume(id: string, rest = ''): string {
    return `/admin/volumes/${encodeURIComponent(id)}${rest}`;
  }

  /** Changes vCPU, memory or both. */
  resizeInstance(id: string, size: Partial<InstanceSize>): Promise<OutOfBandResult> {
    return this.call('POST', this.instance(id, '/size'), size);
  }

  /** Stops a running instance or starts a stopped one. */
  setPower(id: string, state: 'running' | 'stopped'): Promise<OutOfBandResult> {
    return this.call('POST', this.instance(id, '/power'), { state });
  }

  /** Adds one rule to one of the instance's groups (a group it does not have is created). */
  addRule(id: string, edit: RuleEdit): Promise<OutOfBandResult> {
    return this.call('POST', this.instance(id, '/security-group-rules'), edit);
  }

  /** Removes one rule (the same protocol, ports and CIDR) from one of the instance's groups. */
  removeRule(id: string, edit: RuleEdit): Promise<OutOfBandResult> {
    return this.call('DELETE', this.instance(id, '/security-group-rules'), edit);
  }

  deleteInstance(id: string): Promise<OutOfBandResult> {
    return this.call('DELETE', this.instance(id));
  }

  deleteNetwork(id: string): Promise<OutOfBandResult> {
    return this.call('DELETE', `/admin/networks/${encodeURIComponent(id)}`);
  }

  deleteVolume(id: string): Promise<OutOfBandResult> {
    return this.call('DELETE', this.volume(id));
  }

  growVolume(id: string, sizeGiB: number): Promise<OutOfBandResult> {
    return this.call('POST', this.volume(id, '/size'), { sizeGiB });
  }

  detachVolume(id: string): Promise<OutOfBandResult> {
    return this.call('POST', this.volume(id, '/detach'));
  }

  /** Every out-of-band edit since the simulator's journal began, in order. */
  edits(): Promise<OutOfBandEdit[]> {
    return this.call('GET', '/admin/out-of-band');
  }

  /** Provider API calls by route since the simulator started or the count was last reset. */
  calls(): Promise<CallCounts> {
    return this.call('GET', '/admin/calls');
  }

  resetCalls(): Promise<CallCounts> {
    return this.call('POST', '/admin/calls/reset');
  }
}

/** The console of the local stack's simulator. */
export const stackConsole = (): CloudConsole => new CloudConsole(endpoints().provider);
