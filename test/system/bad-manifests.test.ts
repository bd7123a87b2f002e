// Every manifest of test/support/bad-manifests.ts against the real stack and a real operator: refused by the
// API server naming the field, or accepted and then shown as Ready=False, reason InvalidSpec, naming the
// field, with one event however often it is reconciled; never Ready=True, never silence. The same table runs
// with the admission webhooks off (the CRD schemas and the controllers alone), on (the operator serving its
// webhooks and registering them with the API server itself), and off with CRDs that lack their CEL rules, as
// on a cluster too old for them or with CRDs installed before them: there the controllers must catch what the
// webhooks would have refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kinds as kindDefinitions } from '../../crds/schemas/index.ts';
import {
  badManifests,
  celProbes,
  groundNetwork,
  runTenantQuotas,
  type BadKind,
  type BadManifest,
} from '../support/bad-manifests.ts';
import { networkManifest } from '../support/infra.ts';
import { logDir } from '../../hack/stack/config.ts';
import { adminConfig, eventually, uniqueName } from '../support/kube.ts';
import { freePort, installCrds, startOperator, type OperatorProcess } from '../support/operator.ts';
import { underOlderRules } from '../support/older-crds.ts';
import { createReadyTenant, deleteTenants } from '../support/tenants.ts';

/** How the cluster judges objects besides the controllers: its admission webhooks, its CRDs' CEL rules. */
export interface Mode {
  name: string;
  webhooks: boolean;
  /**
   * Whether the CRDs carry their CEL rules. Without them (a cluster too old for CEL, or CRDs installed before
   * the rules) only the structural schema and the controllers stand between a bad manifest and the cloud.
   */
  celRules: boolean;
}

export const modes = {
  webhooksOff: { name: 'webhooks off', webhooks: false, celRules: true },
  webhooksOn: { name: 'webhooks on', webhooks: true, celRules: true },
  bare: { name: 'webhooks off, CRDs without their CEL rules', webhooks: false, celRules: false },
} satisfies Record<string, Mode>;

interface Kind {
  plural: string;
  namespaced: boolean;
  /** The controller's name in the operator's metrics. */
  controller: string;
  /** A good object the controller has settled, ready to be made bad by an update. */
  settled(obj: Obj): boolean;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; generation?: number };
  status?: {
    phase?: string;
    observedGeneration?: number;
    conditions?: Condition[];
    quotaUsage?: { networks?: number };
  };
}

const ready = (o: Obj) => o.status?.conditions?.find((c) => c.type === 'Ready');
const readyTrue = (o: Obj) => ready(o)?.status === 'True';
const current = (o: Obj) => o.status?.observedGeneration === o.metadata.generation;

const kinds: Record<BadKind, Kind> = {
  Tenant: { plural: 'tenants', namespaced: false, controller: 'tenant', settled: readyTrue },
  Network: { plural: 'networks', namespaced: true, controller: 'network', settled: readyTrue },
  Compute: { plural: 'computes', namespaced: true, controller: 'compute', settled: readyTrue },
  Volume: { plural: 'volumes', namespaced: true, controller: 'volume', settled: readyTrue },
  // A draft invoice is not Ready until its period ends; computed is settled enough.
  Invoice: { plural: 'invoices', namespaced: true, controller: 'invoice', settled: current },
  CostAllocation: {
    plural: 'costallocations',
    namespaced: false,
    controller: 'costallocation',
    settled: current,
  },
};

/** How a row ended: refused by the API server, shown InvalidSpec by the controller, or neither. */
type Outcome =
  | { by: 'api server'; message: string }
  | { by: 'controller'; message: string; uid: string; events?: number }
  /** Shown in the row's own condition (shownIn) while the object is still reconciled. */
  | { by: 'condition'; message: string }
  | { by: 'nobody'; message: string };

interface Tracked {
  row: BadManifest;
  /** The row's place in the table, which names it in every mode. */
  index: number;
  kind: Kind;
  name: string;
  namespace?: string;
  /** The generation that carries the bad spec, once the API server accepted it. */
  badGeneration?: number;
  outcome?: Outcome;
}

const group = { group: 'omnicloud.io', version: 'v1alpha1' };

/** The API server's refusal (its status code and message), or undefined for an error that is not one. */
function refusal(err: unknown): { code: number; message: string } | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'number' || code < 400 || code >= 500) return undefined;
  const body = (err as { body?: unknown }).body;
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
    return { code, message: status.message ?? String(body) };
  } catch {
    return { code, message: String(body ?? err) };
  }
}

/** Reconciles per controller so far, from the operator's metrics. */
async function reconcileCounts(op: OperatorProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${op.port}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^omnicloud_reconcile_total\{controller="([^"]+)",[^}]*\} (\d+)/gm))
    counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + Number(m[2]));
  return counts;
}

export function describeBadManifests(mode: Mode): void {
  describe(`system: bad manifests are refused or shown InvalidSpec, naming the field (${mode.name})`, function () {
    this.timeout(420_000);
    const kc = adminConfig();
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    const run = uniqueName('bad');
    const namespace = `tenant-${run}`;
    const configuration = uniqueName('bad-webhooks');
    // Without the CEL rules, what only they refuse is nobody's to refuse: those rows are left out, and so are
    // the known gaps of the controllers, which are printed.
    const knownGaps: string[] = [];
    const tracked: Tracked[] = badManifests.flatMap((row, i) => {
      if (row.crdOnly && !mode.celRules) return [];
      if (row.controllerGap && !mode.celRules) {
        knownGaps.push(`${row.kind} ${row.what} (${row.field}): ${row.controllerGap}`);
        return [];
      }
      const kind = kinds[row.kind];
      return kind.namespaced
        ? [{ row, index: i, kind, name: `${kind.plural.slice(0, 3)}-${i}`, namespace }]
        : [{ row, index: i, kind, name: `${run}-${i}` }];
    });
    for (const gap of knownGaps) console.log(`      known gap, not run here: ${gap}`);
    let op: OperatorProcess | undefined;
    const others = new Set<string>();

    const where = (t: { kind: Kind; namespace?: string }) => ({
      ...group,
      plural: t.kind.plural,
      ...(t.namespace ? { namespace: t.namespace } : {}),
    });
    const createObject = async (t: Tracked, body: object): Promise<Obj> =>
      (t.namespace
        ? await custom.createNamespacedCustomObject({ ...where(t), namespace: t.namespace, body })
        : await custom.createClusterCustomObject({ ...where(t), body })) as Obj;
    const patchSpec = async (t: Tracked, spec: object): Promise<Obj> => {
      const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
      const request = { ...where(t), name: t.name, body: { spec } };
      return (
        t.namespace
          ? await custom.patchNamespacedCustomObject({ ...request, namespace: t.namespace }, options)
          : await custom.patchClusterCustomObject(request, options)
      ) as Obj;
    };
    /** Every object of the table's kinds, by kind and name, in one list call per kind. */
    const observe = async (): Promise<Map<string, Obj>> => {
      const seen = new Map<string, Obj>();
      for (const [kind, k] of Object.entries(kinds)) {
        const list = (
          k.namespaced
            ? await custom.listNamespacedCustomObject({ ...group, plural: k.plural, namespace })
            : await custom.listClusterCustomObject({ ...group, plural: k.plural })
        ) as { items: Obj[] };
        for (const o of list.items) seen.set(`${kind}/${o.metadata.name}`, o);
      }
      return seen;
    };
    const seenAs = (seen: Map<string, Obj>, t: Tracked) => seen.get(`${t.row.kind}/${t.name}`);

    /** Sends a bad manifest (or patch) and records a refusal, or the generation that carries it. */
    const send = async (t: Tracked, attempt: () => Promise<Obj>): Promise<void> => {
      try {
        t.badGeneration = (await attempt()).metadata.generation ?? 1;
      } catch (err) {
        const refused = refusal(err);
        if (!refused) throw err;
        t.outcome = { by: 'api server', message: refused.message };
      }
    };

    before(async function () {
      installCrds();
      const port = await freePort();
      op = await startOperator(uniqueName(`bad-op-${mode.webhooks ? 'on' : 'off'}`), {
        OMNICLOUD_LEADER_ELECTION: 'false',
        // Resyncs come often, so that a problem told once can be seen not to be told again.
        OMNICLOUD_RESYNC_MS: '10000',
        ...(mode.webhooks
          ? {
              OMNICLOUD_WEBHOOK_PORT: String(port),
              OMNICLOUD_WEBHOOK_URL: `https://127.0.0.1:${port}`,
              OMNICLOUD_WEBHOOK_CONFIGURATION: configuration,
            }
          : {}),
      });
      await createReadyTenant(kc, run, { quotas: runTenantQuotas });
      if (mode.webhooks) await webhooksInEffect();
      const ground = { kind: kinds.Network, name: groundNetwork, namespace } as Tracked;
      await createObject(ground, networkManifest(namespace, groundNetwork));

      if (mode.celRules) await sendAll();
      else await withoutCelRules(sendAll);
      await awaitOutcomes();
      await countEvents();
    });

    /** Every create at once, and the good objects that updates start from; then the updates. */
    async function sendAll(): Promise<void> {
      for (const t of tracked) {
        const manifest = t.row.manifest({ name: t.name, namespace }) as { metadata: { name: string } };
        t.name = manifest.metadata.name;
        if (t.row.patch) {
          await createObject(t, manifest).catch((err: unknown) => {
            t.outcome = { by: 'nobody', message: `the good manifest was refused: ${String(err)}` };
          });
        } else await send(t, () => createObject(t, manifest));
      }
      await settleThenPatch();
    }

    /** Runs `work` while every kind's CRD lacks its CEL rules; today's CRDs are back when it returns. */
    async function withoutCelRules(work: () => Promise<void>): Promise<void> {
      const probeAt = { name: `${run}-probe`, namespace };
      // The kinds of this table; the others keep their rules.
      const nested = kindDefinitions
        .filter((kind) => kind.kind in celProbes)
        .reduceRight<() => Promise<void>>(
          (inner, kind) => () =>
            underOlderRules(kind, () => true, celProbes[kind.kind as BadKind](probeAt), inner),
          work,
        );
      await nested();
    }

    /** The operator registers its webhooks a moment after it starts: wait until they refuse a probe. */
    async function webhooksInEffect(): Promise<void> {
      const probe = { kind: kinds.Volume, namespace } as Tracked;
      let n = 0;
      await eventually(
        'the webhooks to refuse a probe',
        async () => {
          probe.name = `probe-${n++}`;
          const body = {
            apiVersion: 'omnicloud.io/v1alpha1',
            kind: 'Volume',
            metadata: { name: probe.name },
            // A rule only the webhook holds, as it asks the cloud provider: a region it does not offer.
            spec: { region: 'mars-1', zone: 'mars-1a', sizeGiB: 1 },
          };
          try {
            await createObject(probe, body);
          } catch (err) {
            if (/admission webhook/.test(refusal(err)?.message ?? '')) return true;
            throw err;
          }
          return undefined; // accepted: not yet in effect (the tenant's deletion takes the probe away)
        },
        60_000,
      );
    }

    /** Waits for the good objects to settle (a tenant to hold its networks), then makes each bad. */
    async function settleThenPatch(): Promise<void> {
      const updates = tracked.filter((t) => t.row.patch && !t.outcome);
      const holding = new Set<Tracked>();
      await eventually(
        'the good objects that updates start from to settle',
        async () => {
          const seen = await observe();
          for (const t of updates) {
            const o = seenAs(seen, t);
            if (!o || !t.kind.settled(o) || t.outcome || t.badGeneration !== undefined) continue;
            const inUse = t.row.networksInUse ?? 0;
            if (inUse > 0 && !holding.has(t)) {
              holding.add(t);
              for (let i = 0; i < inUse; i++) {
                const net = { kind: kinds.Network, namespace: `tenant-${t.name}` } as Tracked;
                await createObject(net, networkManifest(`tenant-${t.name}`, `held-${i}`));
              }
            }
            if ((o.status?.quotaUsage?.networks ?? 0) < inUse) continue;
            await send(t, () => patchSpec(t, t.row.patch!));
          }
          return updates.every((t) => t.outcome || t.badGeneration !== undefined) ? true : undefined;
        },
        150_000,
      ).catch((err: unknown) => {
        for (const t of updates.filter((u) => !u.outcome && u.badGeneration === undefined))
          t.outcome = { by: 'nobody', message: `the good object never settled: ${String(err)}` };
      });
    }

    /** Polls every accepted bad object together until each shows InvalidSpec, or Ready=True, or time runs out. */
    async function awaitOutcomes(): Promise<void> {
      const open = () => tracked.filter((t) => !t.outcome);
      await eventually(
        'every accepted bad object to show its problem',
        async () => {
          const seen = await observe();
          for (const t of open()) {
            const o = seenAs(seen, t);
            const shown = t.row.shownIn;
            const own = shown && o?.status?.conditions?.find((x) => x.type === shown.condition);
            if (own && own.status === 'False' && own.reason === shown!.reason) {
              t.outcome = { by: 'condition', message: own.message };
              continue;
            }
            const c = o && ready(o);
            const generation = c?.observedGeneration ?? o?.status?.observedGeneration ?? 0;
            if (!o || !c || generation < t.badGeneration!) continue;
            if (c.status === 'False' && c.reason === 'InvalidSpec')
              t.outcome = { by: 'controller', message: c.message, uid: o.metadata.uid };
            else if (c.status === 'True')
              t.outcome = { by: 'nobody', message: `Ready=True (${c.reason}): ${c.message}` };
          }
          return open().length === 0 ? true : undefined;
        },
        90_000,
      ).catch(async () => {
        const seen = await observe();
        for (const t of open()) {
          const c = seenAs(seen, t) && ready(seenAs(seen, t)!);
          t.outcome = {
            by: 'nobody',
            message: `silence: accepted, and no InvalidSpec within 90 s (Ready: ${c ? `${c.status} ${c.reason}: ${c.message}` : 'none'})`,
          };
        }
      });
    }

    /** After every controller has reconciled its objects again, counts each problem's InvalidSpec events. */
    async function countEvents(): Promise<void> {
      const shown = tracked.filter((t) => t.outcome?.by === 'controller');
      const objects = new Map<string, number>();
      for (const t of shown) objects.set(t.kind.controller, (objects.get(t.kind.controller) ?? 0) + 1);
      const before = await reconcileCounts(op!);
      await eventually(
        'a resync of every object shown InvalidSpec',
        async () => {
          const now = await reconcileCounts(op!);
          const resynced = [...objects].every(([c, n]) => (now.get(c) ?? 0) - (before.get(c) ?? 0) >= n);
          return resynced ? true : undefined;
        },
        60_000,
      );
      const events: {
        reason?: string;
        reportingInstance?: string;
        regarding?: { uid?: string; name?: string; namespace?: string };
      }[] = [];
      for (const ns of [namespace, 'default']) {
        const list = (await custom.listNamespacedCustomObject({
          group: 'events.k8s.io',
          version: 'v1',
          plural: 'events',
          namespace: ns,
        })) as { items: typeof events };
        events.push(...list.items);
      }
      for (const t of shown) {
        const outcome = t.outcome as Extract<Outcome, { by: 'controller' }>;
        outcome.events = events.filter(
          // This operator's own: another operator left running against the cluster tells its own story.
          (e) =>
            e.reason === 'InvalidSpec' &&
            e.regarding?.uid === outcome.uid &&
            e.reportingInstance === op!.identity,
        ).length;
      }
      // Any other operator reconciling this run's objects (one left running outside the lock) is named in
      // each failure: what it writes is none of this operator's doing.
      for (const e of events) {
        const ours = e.regarding?.namespace === namespace || e.regarding?.name?.startsWith(run);
        if (ours && e.reportingInstance && e.reportingInstance !== op!.identity)
          others.add(e.reportingInstance);
      }
    }

    after(async () => {
      const byController = tracked.filter((t) => t.outcome?.by === 'controller').length;
      const byApi = tracked.filter((t) => t.outcome?.by === 'api server').length;
      // How each row ended, for a reader comparing runs (and modes): one line each, beside the operator's log.
      const outcomes = path.join(logDir, 'test-operators', `${run}-outcomes.txt`);
      fs.mkdirSync(path.dirname(outcomes), { recursive: true });
      fs.writeFileSync(
        outcomes,
        tracked
          .map(
            (t) =>
              `#${t.index} ${t.row.kind} ${t.row.what}: ${t.outcome?.by ?? 'unknown'}: ${t.outcome?.message}`,
          )
          .join('\n') + '\n',
      );
      console.log(
        `      ${mode.name}: ${byApi} refused by the API server, ${byController} shown InvalidSpec by the controllers, ${tracked.length - byApi - byController} neither (${outcomes})`,
      );
      if (others.size > 0)
        console.log(`      other operators reconciled this run's objects too: ${[...others].join(', ')}`);
      const tenants = tracked.filter((t) => t.row.kind === 'Tenant').map((t) => t.name);
      await deleteTenants(kc, [run, ...tenants], false, 120_000);
      for (const t of tracked.filter((u) => u.row.kind === 'CostAllocation'))
        await custom.deleteClusterCustomObject({ ...where(t), name: t.name }).catch(() => undefined);
      await op?.stop();
      if (mode.webhooks) {
        await admission.deleteValidatingWebhookConfiguration({ name: configuration }).catch(() => undefined);
        await admission.deleteMutatingWebhookConfiguration({ name: configuration }).catch(() => undefined);
      }
    });

    tracked.forEach((t) => {
      const { row } = t;
      it(`${row.kind} #${t.index} ${row.patch ? 'updated with' : 'created with'} ${row.what}: names ${row.field}`, () => {
        const outcome = t.outcome;
        const note =
          others.size > 0 ? ` (other operators reconciled this run too: ${[...others].join(', ')})` : '';
        assert.ok(outcome, 'no outcome recorded');
        assert.notEqual(outcome.by, 'nobody', outcome.message + note);
        assert.ok(
          outcome.message.includes(row.field),
          `${outcome.by} refused it without naming ${row.field}: ${outcome.message}`,
        );
        if (!mode.webhooks)
          assert.doesNotMatch(
            outcome.message,
            /admission webhook/,
            'a webhook answered a run without webhooks',
          );
        if (outcome.by === 'controller')
          assert.equal(outcome.events, 1, 'one InvalidSpec event, however often it is reconciled');
      });
    });
  });
}

describeBadManifests(modes.webhooksOff);
describeBadManifests(modes.webhooksOn);
describeBadManifests(modes.bare);
