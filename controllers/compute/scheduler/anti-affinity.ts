// The anti-affinity terms of placed instances, per tenant, so that an arrival finds at once the hosts whose
// instances refuse it (anti-affinity binds both ways). Each distinct selector is filed under one of its label
// pairs: only selectors filed under a pair the arrival carries can match it.
import { bump, labelKey, type HostCounts } from './host-counts.ts';
import { selectorMatches, type LabelSelector, type PlacementRequest } from './types.ts';

const sortedEntries = (selector: LabelSelector): [string, string][] =>
  Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const selectorKey = (selector: LabelSelector): string => JSON.stringify(sortedEntries(selector));

/**
 * Where a selector is filed: under its first label pair, or under the tenant alone when it is empty and so
 * matches everything. A label key has two NULs after the tenant and this bare anchor one, so they never meet.
 */
function anchorOf(tenant: string, selector: LabelSelector): string {
  const first = sortedEntries(selector)[0];
  return first ? labelKey(tenant, first[0], first[1]) : `${tenant}\u0000`;
}

export class AntiAffinityTerms {
  /** Distinct selectors by anchorOf, then by selectorKey. */
  private readonly filed = new Map<string, Map<string, LabelSelector>>();
  /** Per tenant and selectorKey: hosts running instances whose anti-affinity holds that selector. */
  private readonly hosts: HostCounts = new Map();

  /** Counts (by 1) or uncounts (by -1) the terms of an instance on a host. */
  record(req: PlacementRequest, hostId: string, by: 1 | -1): void {
    // The same selector twice on one instance counts once, so that its release undoes exactly its booking.
    const selectors = new Map((req.antiAffinity ?? []).map((s) => [selectorKey(s), s]));
    for (const [key, selector] of selectors) {
      const termKey = `${req.tenant}\u0000${key}`;
      const anchor = anchorOf(req.tenant, selector);
      bump(this.hosts, termKey, hostId, by);
      if (by > 0) {
        let list = this.filed.get(anchor);
        if (!list) this.filed.set(anchor, (list = new Map()));
        list.set(key, selector);
      } else if (!this.hosts.has(termKey)) {
        const list = this.filed.get(anchor);
        list?.delete(key);
        if (list?.size === 0) this.filed.delete(anchor);
      }
    }
  }

  /** Hosts running an instance of the tenant whose anti-affinity matches these labels. */
  hostsRefusing(tenant: string, labels: Record<string, string>): Set<string> {
    const result = new Set<string>();
    const anchors = [`${tenant}\u0000`, ...Object.entries(labels).map(([k, v]) => labelKey(tenant, k, v))];
    for (const anchor of anchors) {
      for (const [key, selector] of this.filed.get(anchor) ?? []) {
        if (!selectorMatches(selector, labels)) continue;
        for (const hostId of this.hosts.get(`${tenant}\u0000${key}`)!.keys()) result.add(hostId);
      }
    }
    return result;
  }

  /** How many map entries the terms take, for the index's memory estimate. */
  get entryCount(): number {
    let entries = 0;
    for (const perHost of this.hosts.values()) entries += 2 + perHost.size;
    return entries;
  }
}
