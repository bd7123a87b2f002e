// Clients of the real API server for tests: the admin, and freshly minted users for RBAC checks.
import crypto from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { mintKubeconfig } from '../../hack/stack/pki.ts';
import { reuseConnections } from '../../operator/connections.ts';

export function adminConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  reuseConnections(kc);
  kc.loadFromFile(endpoints().kubeconfig);
  return kc;
}

/** A KubeConfig for a user authenticated by a client certificate signed by the local CA. */
export async function userConfig(user: string, groups: string[] = []): Promise<k8s.KubeConfig> {
  const kc = new k8s.KubeConfig();
  reuseConnections(kc);
  kc.loadFromFile(await mintKubeconfig(user, groups));
  return kc;
}

/** A DNS-1123 name unique to this test run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

/** The HTTP status of a failed client-node call (ApiException.code), or undefined. */
export function httpStatus(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? Number((err as { code: unknown }).code)
    : undefined;
}

/** Polls `check` until it returns a value other than undefined, or throws with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
