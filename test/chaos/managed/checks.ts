// What the managed-reconciler kill test reads to judge a run: what the provider holds for an object (by the
// idempotency tokens it was created with, and in the zone's listings through the provider's HTTP client), and
// the object's events in the outbox and the audit trail. Each check returns the problems it found, in words,
// so a round reports every broken run at once.
import type pg from 'pg';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import type { Page } from '../../../controllers/provider/types.ts';
import { endpoints } from '../../../hack/stack/endpoints.ts';
import {
  driftEventTypes,
  expectedDriftEvents,
  expectedPhases,
  lifecycleOf,
  region,
  zone,
  type DriftEventType,
  type RecordedRow,
} from './objects.ts';
import type { Kind, Run } from './schedule.ts';

export const provider = new HttpProvider(endpoints().provider);

async function allPages<T>(list: (pageToken?: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await list(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token);
  return items;
}

/** One look at the provider: everything the simulator stores, and what its listings show in our zone. */
export interface ProviderView {
  /** Instances and volumes as stored, with the token that created each. */
  stored: { Compute: StoredResource[]; Volume: StoredResource[] };
  listed: {
    Compute: { id: string; state: string; vcpu: number }[];
    Volume: { id: string; sizeGiB: number }[];
    Network: { id: string; cidr: string }[];
  };
}

interface StoredResource {
  id: string;
  state: string;
  createdWith?: string;
}

export async function lookAtProvider(): Promise<ProviderView> {
  const admin = async (what: string) =>
    (await (await fetch(`${endpoints().provider}/admin/${what}`)).json()) as StoredResource[];
  const [instances, volumes, listedInstances, listedVolumes, listedNetworks] = await Promise.all([
    admin('instances'),
    admin('volumes'),
    allPages((pageToken) => provider.listInstances({ region, zone, pageToken })),
    allPages((pageToken) => provider.listVolumes({ region, zone, pageToken })),
    allPages((pageToken) => provider.listNetworks({ region, pageToken })),
  ]);
  return {
    stored: {
      Compute: instances.filter((i) => i.state !== 'terminated'),
      Volume: volumes.filter((v) => v.state !== 'deleted'),
    },
    listed: { Compute: listedInstances, Volume: listedVolumes, Network: listedNetworks },
  };
}

/** What the zone (instances, volumes) or region (networks) listings count, per kind. */
export function listedCounts(view: ProviderView): Record<Kind, number> {
  return {
    Compute: view.listed.Compute.length,
    Volume: view.listed.Volume.length,
    Network: view.listed.Network.length,
  };
}

/** The live resources the provider holds for an object, found by the idempotency tokens derived from its uid. */
function createdFor(view: ProviderView, kind: 'Compute' | 'Volume', uid: string): StoredResource[] {
  return view.stored[kind].filter((r) => r.createdWith?.startsWith(`${uid}:`));
}

export interface Outcome {
  run: Run;
  uid: string;
  /** The object's row now (a deleted Network has none). */
  row?: RecordedRow;
  /** The row before the operation: what a delete must have removed, what a network's CIDR was. */
  before?: RecordedRow;
  /** The provider id the object's status shows, when it exists. */
  statusProviderId?: string;
  /** The object's addresses in infra_db (Compute). */
  addresses: number;
}

/** Exactly one outside resource for a live object, the one its status and row name; none for a deleted one. */
export function providerProblems(view: ProviderView, o: Outcome): string[] {
  const { run } = o;
  const gone = run.op === 'delete';
  const problems: string[] = [];
  if (run.kind === 'Network') {
    const cidr = o.row?.cidr ?? o.before?.cidr;
    const ids = [o.row?.provider_id, o.before?.provider_id].filter((x): x is string => !!x);
    const mine = view.listed.Network.filter((n) => n.cidr === cidr || ids.includes(n.id));
    if (gone && mine.length > 0)
      problems.push(`left at the provider after delete: ${mine.map((n) => `${n.id} ${n.cidr}`).join(', ')}`);
    if (!gone) {
      if (mine.length !== 1)
        problems.push(
          `${mine.length} networks at the provider for ${cidr}: ${mine.map((n) => n.id).join(', ')}`,
        );
      else if (mine[0]!.id !== o.row?.provider_id)
        problems.push(`the provider's network ${mine[0]!.id} is not the recorded ${o.row?.provider_id}`);
    }
    return problems;
  }
  const live = createdFor(view, run.kind, o.uid);
  const known = [o.row?.provider_id, o.before?.provider_id].filter((x): x is string => !!x);
  const listed = (view.listed[run.kind] as { id: string }[]).filter((r) => known.includes(r.id));
  if (gone) {
    if (live.length > 0)
      problems.push(
        `left at the provider after delete: ${live.map((r) => `${r.id} (${r.createdWith})`).join(', ')}`,
      );
    if (listed.length > 0) problems.push(`still listed after delete: ${listed.map((r) => r.id).join(', ')}`);
    if (run.kind === 'Compute' && o.addresses !== 0)
      problems.push(`${o.addresses} address(es) left in infra_db`);
    return problems;
  }
  if (live.length !== 1) {
    problems.push(
      `${live.length} live at the provider: ${live.map((r) => `${r.id} (${r.createdWith})`).join(', ')}`,
    );
    return problems;
  }
  const id = live[0]!.id;
  if (id !== o.row?.provider_id)
    problems.push(`the provider's ${id} is not the recorded ${o.row?.provider_id}`);
  if (id !== o.statusProviderId)
    problems.push(`the provider's ${id} is not the status's ${o.statusProviderId}`);
  const inListing = (view.listed[run.kind] as { id: string }[]).find((r) => r.id === id);
  if (!inListing) problems.push(`${id} is not in the ${zone} listing`);
  if (run.kind === 'Compute') {
    const i = inListing as { state: string; vcpu: number } | undefined;
    const power = run.op === 'update' ? 'stopped' : 'running';
    if (i && i.state !== power) problems.push(`${id} is ${i.state}, not ${power}`);
    if (i && i.vcpu !== o.row?.vcpu)
      problems.push(`${id} has ${i.vcpu} vCPU, not the recorded ${o.row?.vcpu}`);
    if (o.addresses !== 1) problems.push(`${o.addresses} addresses in infra_db, not 1`);
  } else {
    const v = inListing as { sizeGiB: number } | undefined;
    if (v && v.sizeGiB !== o.row?.size_gib)
      problems.push(`${id} has ${v.sizeGiB} GiB, not the recorded ${o.row?.size_gib}`);
  }
  return problems;
}

export interface StoredEvent {
  seq: string;
  id: string;
  type: string;
  from?: string | null;
  to?: string;
  planHash?: string;
}

/** Every event of the given objects since `afterSeq`, in the order written, by object uid. */
export async function outboxEvents(
  infra: pg.Pool,
  uids: readonly string[],
  afterSeq: string,
): Promise<Map<string, StoredEvent[]>> {
  const { rows } = await infra.query<{
    seq: string;
    key: string;
    event: { id: string; type: string; data: Record<string, unknown> };
  }>('SELECT seq, key, event FROM outbox WHERE seq > $1 AND key = ANY($2) ORDER BY seq', [afterSeq, uids]);
  const byUid = new Map<string, StoredEvent[]>(uids.map((u) => [u, []]));
  for (const r of rows) {
    const d = r.event.data;
    byUid.get(r.key)!.push({
      seq: r.seq,
      id: r.event.id,
      type: r.event.type,
      ...('to' in d ? { from: d.from as string | null, to: d.to as string } : {}),
      ...(typeof d.planHash === 'string' ? { planHash: d.planHash } : {}),
    });
  }
  return byUid;
}

export async function lastOutboxSeq(infra: pg.Pool): Promise<string> {
  const { rows } = await infra.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM outbox');
  return rows[0]?.seq ?? '0';
}

const driftTypeOf = (kind: Kind, type: string): DriftEventType | undefined =>
  driftEventTypes.find((t) => type === `io.omnicloud.${kind.toLowerCase()}.${t}`);

/**
 * The object's life in events: each transition once, chained (each starts where the last ended), allowed by
 * the kind's lifecycle table and, for kinds on the managed reconciler, exactly the phases the run implies; each
 * drift event as many times as the run implies, and no remediation event twice for one plan.
 */
export function eventProblems(run: Run, events: readonly StoredEvent[]): string[] {
  const problems: string[] = [];
  const kind = run.kind.toLowerCase();
  const transitions = events.filter(
    (e) => e.to !== undefined && e.type === `io.omnicloud.${kind}.${e.to.toLowerCase()}`,
  );
  const table = lifecycleOf(run.kind);
  let at: string | null = null;
  for (const t of transitions) {
    if ((t.from ?? null) !== at)
      problems.push(`transition ${t.from}→${t.to} does not start where the last ended (${at})`);
    else if (at !== null && table && !table[at]?.includes(t.to!))
      problems.push(`transition ${t.from}→${t.to} is not in the ${run.kind} lifecycle table`);
    at = t.to!;
  }
  const phases = transitions.map((t) => t.to!);
  if (run.kind === 'Network') {
    // The Network controller is moving onto the managed reconciler: its phases are judged by shape, not name.
    const moves = transitions.map((t) => `${t.from}→${t.to}`);
    const twice = moves.filter((m, i) => moves.indexOf(m) !== i);
    if (twice.length > 0) problems.push(`transitions told twice: ${twice.join(', ')}`);
    const end = run.op === 'delete' ? 'Deleted' : 'Ready';
    if (phases.at(-1) !== end) problems.push(`the last transition is to ${phases.at(-1)}, not ${end}`);
    if (run.op === 'delete' && phases.indexOf('Ready') === -1)
      problems.push('no transition to Ready before the delete');
  } else {
    const want = expectedPhases(run);
    if (phases.join(' ') !== want.join(' '))
      problems.push(`phases ${phases.join(' ')}; expected ${want.join(' ')}`);
  }
  const drift = events
    .map((e) => ({ e, type: driftTypeOf(run.kind, e.type) }))
    .filter((x): x is { e: StoredEvent; type: DriftEventType } => x.type !== undefined);
  const want = expectedDriftEvents(run);
  for (const type of driftEventTypes) {
    const n = drift.filter((d) => d.type === type).length;
    if (n !== want[type]) problems.push(`${n} ${type} event(s); expected ${want[type]}`);
  }
  // One drift runs from its detection to its clearing: within it, one plan is started and ends once. The same
  // drift again later is a new one, and may well be put back by a plan of the same hash.
  let told = new Set<string>();
  for (const { e, type } of drift) {
    if (type === 'drift-cleared') told = new Set();
    if (type !== 'remediation-started' && type !== 'remediated') continue;
    const key = `${type} of plan ${e.planHash ?? '(none)'}`;
    if (told.has(key)) problems.push(`${key} told twice for one drift`);
    told.add(key);
  }
  return [...new Set(problems)];
}

/** Each event id's count in the audit trail. */
export async function auditCounts(audit: pg.Pool, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await audit.query<{ event_id: string; n: string }>(
    'SELECT event_id::text AS event_id, count(*) AS n FROM audit_log WHERE event_id = ANY($1::uuid[]) GROUP BY 1',
    [ids],
  );
  return new Map(rows.map((r) => [r.event_id, Number(r.n)]));
}
