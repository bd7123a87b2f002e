// The operator's API writes, as the audit log records them, grouped by verb and resource.
import type { AuditedRequest } from '../../test/support/chart-operator.ts';

const writeVerbs = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface Writes {
  /** Every write the operator made. */
  all: number;
  /** Writes to objects in `namespace`, by "verb resource[/subresource]", refused ones apart with their code. */
  inNamespace: Map<string, number>;
}

export function writesOf(requests: readonly AuditedRequest[], namespace: string): Writes {
  const inNamespace = new Map<string, number>();
  let all = 0;
  for (const r of requests) {
    if (!writeVerbs.has(r.verb)) continue;
    all++;
    // resource is group/resource/subresource/namespace/name with the parts that are absent left out.
    const at = r.resource.indexOf(`/${namespace}`);
    if (at < 0) continue;
    const refused = r.code >= 300 ? ` (${r.code})` : '';
    const key = `${r.verb} ${r.resource.slice(0, at)}${refused}`;
    inNamespace.set(key, (inNamespace.get(key) ?? 0) + 1);
  }
  return { all, inNamespace };
}

export function total(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}
