// What one tenant learns or takes of another's outside resources through the managed reconciler, against the
// real stack (operator process, API server, PostgreSQL, the cloud simulator, the admission webhook):
// - naming another tenant's resource that an object still manages is refused without naming that object
//   (OwnedByAnotherTenant, in status and in the Warning event); inside one tenant the holder is still named;
// - a Network let go with deletionPolicy Orphan stays its tenant's (its row is gone to give the range back):
//   another tenant cannot adopt it, Full or ObserveOnly, and nothing is done to it; its tenant can take it back;
// - a malformed omnicloud.io/approve-plan annotation is refused at admission, and one that got past is shown as
//   the PlanApproval condition while the Compute is still observed and reconciled (it used to stop it cold as an
//   invalid spec).
import assert from 'node:assert/strict';
import type https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { Network } from '../../crds/schemas/network.ts';
import {
  api,
  computeManifest,
  condition,
  create,
  networkManifest,
  read,
  remove,
  waitFor,
} from '../support/infra.ts';
import { eventually, uniqueName } from '../support/kube.ts';
import { refusal, registerNamespaceWebhook, serveWebhooks } from '../support/webhook.ts';
import {
  ManagedSecurityStack,
  changesTo,
  type ComputeObj,
  type TenantSpace,
  type VolumeObj,
} from './managed-stack.ts';

const externalName = 'omnicloud.io/external-name';
const approvePlan = 'omnicloud.io/approve-plan';
const approvalField = `metadata.annotations[${approvePlan}]`;
type NetworkObj = Network & k8s.KubernetesObject;

const reasonOf = (o: { status?: { conditions?: { type: string; reason: string }[] } } | undefined) =>
  o?.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
/** Refused (either way), or bound: whichever comes first ends the wait. */
const decided = (o: ComputeObj | VolumeObj | NetworkObj) =>
  ['OwnedByAnotherTenant', 'AlreadyClaimed'].includes(reasonOf(o) ?? '') || Boolean(o.status?.providerId);

describe('security: managed resources across tenants, and approvals that got past admission', function () {
  this.timeout(600_000);
  const stack = new ManagedSecurityStack(['tenancy-a', 'tenancy-b', 'tenancy-c']);
  const [a, b, c] = stack.tenants as [TenantSpace, TenantSpace, TenantSpace];
  const custom = stack.kc.makeApiClient(k8s.CustomObjectsApi);
  const admission = stack.kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const webhookId = uniqueName('sec-approve-plan');
  const leftNetworks = new Set<string>();
  let server: https.Server | undefined;

  before(async () => {
    await stack.start({ networksQuota: 4 });
    const served = await serveWebhooks();
    server = served.server;
    await registerNamespaceWebhook(stack.kc, webhookId, served, c.ns, ['computes', 'volumes', 'networks']);
  });
  after(async () => {
    await admission.deleteValidatingWebhookConfiguration({ name: webhookId }).catch(() => undefined);
    server?.close();
    try {
      for (const t of stack.tenants)
        for (const name of await t.names('networks'))
          if (name !== 'net') await remove(stack.kc, 'networks', t.ns, name);
      await eventually(
        'extra networks gone',
        async () => {
          let left = 0;
          for (const t of stack.tenants)
            left += (await t.names('networks')).filter((n) => n !== 'net').length;
          return left === 0 ? true : undefined;
        },
        120_000,
      ).catch(() => undefined);
      for (const id of leftNetworks)
        await stack.provider.deleteNetwork(id, `${id}:test-cleanup`).catch(() => undefined);
    } finally {
      await stack.close();
    }
  });

  const network = (t: TenantSpace, name: string) => read<NetworkObj>(stack.kc, 'networks', t.ns, name);
  const waitNetwork = (t: TenantSpace, name: string, what: string, test: (n: NetworkObj) => boolean) =>
    waitFor<NetworkObj>(stack.kc, 'networks', t.ns, name, what, test, 90_000);
  /** A Network with its own range and one subnet, maybe bound to `externalId`. */
  async function createNetwork(
    t: TenantSpace,
    name: string,
    cidr: string,
    spec: Partial<Network['spec']> = {},
    externalId?: string,
  ) {
    const m = networkManifest(t.ns, name, {
      cidr,
      prefixLength: undefined,
      subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 24 }],
      ...spec,
    }) as { metadata: Record<string, unknown> };
    if (externalId) m.metadata.annotations = { [externalName]: externalId };
    await create(stack.kc, m);
  }

  /** The refusal says whose resource it is to nobody: neither the other tenant's namespace nor its object. */
  async function assertUnnamedRefusal(
    t: TenantSpace,
    o: ComputeObj | VolumeObj | NetworkObj,
    noun: string,
    id: string,
    secrets: string[],
  ) {
    assert.equal(o.status?.providerId, undefined, `bound to another tenant's ${noun} ${id}`);
    const ready = condition(o, 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'OwnedByAnotherTenant'], ready.message);
    assert.match(ready.message, new RegExp(`^${noun} ${id} belongs to another tenant`));
    const told = await t.event(o.metadata!.uid!, 'OwnedByAnotherTenant');
    assert.equal(told.type, 'Warning');
    const shown = JSON.stringify([o.status, told]);
    for (const secret of secrets) assert.ok(!shown.includes(secret), `${secret} shown: ${shown}`);
  }

  it("names neither the namespace nor the object of another tenant's Compute that holds an instance", async () => {
    await b.createCompute('b-live', { publicIp: false });
    const owned = await b.waitCompute('b-live', 'Running', (o) => o.status?.phase === 'Running');
    const id = owned.status!.providerId!;

    await a.createCompute('a-watch', { managementPolicy: 'ObserveOnly' }, { [externalName]: id });
    const seen = await a.waitCompute('a-watch', 'refused or bound', decided);
    await assertUnnamedRefusal(a, seen, 'instance', id, [b.ns, b.name, 'b-live']);
    for (const { obj } of a.computes.of('a-watch'))
      assert.ok(!JSON.stringify(obj.status ?? {}).includes(b.ns), JSON.stringify(obj.status));
    await a.removeAndWait('computes', 'a-watch');
    assert.equal((await stack.instance(id))?.state, 'running', 'B keeps its instance');
  });

  it('still names the holder to a second claim inside the same tenant', async () => {
    const id = (await b.waitCompute('b-live', 'Running', (o) => o.status?.phase === 'Running')).status!
      .providerId!;
    await b.createCompute('b-rival', { managementPolicy: 'ObserveOnly' }, { [externalName]: id });
    const seen = await b.waitCompute('b-rival', 'refused or bound', decided);
    const ready = condition(seen, 'Ready')!;
    assert.deepEqual([ready.reason, seen.status?.providerId], ['AlreadyClaimed', undefined]);
    assert.ok(ready.message.includes(`Compute ${b.ns}/b-live`), ready.message);
    await b.removeAndWait('computes', 'b-rival');
  });

  it("names neither the namespace nor the object of another tenant's Volume that holds a volume", async () => {
    await b.createVolume('b-disk', { sizeGiB: 10 });
    const owned = await b.waitVolume('b-disk', 'Available', (v) => v.status?.phase === 'Available');
    const id = owned.status!.providerId!;

    await a.createVolume('a-disk', { sizeGiB: 10, managementPolicy: 'ObserveOnly' }, { [externalName]: id });
    const seen = await a.waitVolume('a-disk', 'refused or bound', decided);
    await assertUnnamedRefusal(a, seen, 'volume', id, [b.ns, b.name, 'b-disk']);
    await a.removeAndWait('volumes', 'a-disk');
    assert.equal((await stack.volume(id))?.state, 'available', 'B keeps its volume');
  });

  it("names neither the namespace nor the object of another tenant's Network that holds a network", async () => {
    const id = (await network(b, 'net'))!.status!.providerId!;
    await createNetwork(a, 'a-grab-live', '10.90.0.0/16', { managementPolicy: 'ObserveOnly' }, id);
    const seen = await waitNetwork(a, 'a-grab-live', 'refused or bound', decided);
    await assertUnnamedRefusal(a, seen, 'network', id, [b.ns, b.name]);
    await remove(stack.kc, 'networks', a.ns, 'a-grab-live');
    await eventually('a-grab-live gone', async () => ((await network(a, 'a-grab-live')) ? undefined : true));
    assert.equal((await network(b, 'net'))?.status?.phase, 'Ready', 'B keeps its network');
  });

  describe('a Network orphaned by its tenant', () => {
    let id = '';

    before(async () => {
      await createNetwork(a, 'a-kept', '10.70.0.0/16', { deletionPolicy: 'Orphan' });
      const kept = await waitNetwork(a, 'a-kept', 'Ready', (n) => n.status?.phase === 'Ready');
      id = kept.status!.providerId!;
      leftNetworks.add(id);
      await remove(stack.kc, 'networks', a.ns, 'a-kept');
      await eventually('a-kept gone', async () => ((await network(a, 'a-kept')) ? undefined : true));
      assert.equal((await stack.provider.getNetwork(id))?.state, 'available', 'left at the provider');
    });

    /** Tenant B names A's orphan with `spec`: refused, nothing recorded, nothing done to it, even on delete. */
    async function refusedToB(name: string, spec: Partial<Network['spec']>) {
      const since = Date.now();
      await createNetwork(b, name, '10.70.0.0/16', spec, id);
      const seen = await waitNetwork(b, name, 'refused or bound', decided);
      await assertUnnamedRefusal(b, seen, 'network', id, [a.ns, a.name, 'a-kept']);
      const { rows } = await stack.infra.query('SELECT uid FROM networks WHERE uid = $1', [
        seen.metadata!.uid,
      ]);
      assert.deepEqual(rows, [], 'infra_db records nothing for the refused claim');
      assert.deepEqual(await stack.toldOf(seen.metadata!.uid!), { history: [], outbox: [] });
      await stack.intervals(2);
      await remove(stack.kc, 'networks', b.ns, name);
      await eventually(`${name} gone`, async () => ((await network(b, name)) ? undefined : true));
      assert.deepEqual(changesTo([id], since), [], 'no call changed the network');
      const info = await stack.provider.getNetwork(id);
      assert.deepEqual([info?.state, info?.cidr], ['available', '10.70.0.0/16'], 'the network as A left it');
    }

    it('keeps it its tenant’s in infra_db after its row went', async () => {
      const { rows } = await stack.infra.query<{ tenant: string; namespace: string }>(
        "SELECT tenant, namespace FROM released_resources WHERE kind = 'Network' AND provider_id = $1",
        [id],
      );
      assert.deepEqual(rows, [{ tenant: a.name, namespace: a.ns }]);
    });

    it('cannot be adopted by another tenant with full management', async () => {
      await refusedToB('b-grab', {});
    });

    it('cannot be observed by another tenant either (ObserveOnly)', async () => {
      await refusedToB('b-peek', { managementPolicy: 'ObserveOnly' });
    });

    it('is taken back by its own tenant, and forgotten once deleted through OmniCloud', async () => {
      await createNetwork(a, 'a-back', '10.70.0.0/16', {}, id);
      const back = await waitNetwork(a, 'a-back', 'bound again', decided);
      assert.equal(back.status?.providerId, id, JSON.stringify(back.status?.conditions));
      await waitNetwork(a, 'a-back', 'Ready', (n) => n.status?.phase === 'Ready');
      await remove(stack.kc, 'networks', a.ns, 'a-back');
      await eventually('a-back gone', async () => ((await network(a, 'a-back')) ? undefined : true));
      await eventually('the network deleted at the provider', async () => {
        const info = await stack.provider.getNetwork(id);
        return !info || info.state === 'deleted' ? true : undefined;
      });
      leftNetworks.delete(id);
      const { rows } = await stack.infra.query(
        "SELECT 1 FROM released_resources WHERE kind = 'Network' AND provider_id = $1",
        [id],
      );
      assert.equal(rows.length, 0, 'nothing is held once the network is gone');
    });
  });

  it('refuses a malformed approve-plan annotation at admission, on create and on update', async () => {
    const manifest = (value: string) => {
      const m = computeManifest(c.ns, 'approved') as { metadata: Record<string, unknown> };
      m.metadata.annotations = { [approvePlan]: value };
      return m;
    };
    // Registration takes effect a moment later: wait until the webhook refuses.
    const first = await eventually('the webhook to refuse a malformed approval', () =>
      custom
        .createNamespacedCustomObject({
          ...api,
          plural: 'computes',
          namespace: c.ns,
          body: manifest('yes please'),
          dryRun: 'All',
        })
        .then(
          () => undefined,
          (err: unknown) => (String(err).includes(approvalField) ? String(err) : undefined),
        ),
    );
    assert.match(first, /16 to 64 lower-case hexadecimal digits/);
    for (const value of ['DEADBEEFDEADBEEF', 'deadbeef', 'deadbeefdeadbeef ', '../../plan']) {
      const body = await refusal(
        custom.createNamespacedCustomObject({
          ...api,
          plural: 'computes',
          namespace: c.ns,
          body: manifest(value),
          dryRun: 'All',
        }),
      );
      assert.ok(body.includes(approvalField), `${JSON.stringify(value)}: ${body.slice(0, 300)}`);
    }
    await custom.createNamespacedCustomObject({
      ...api,
      plural: 'computes',
      namespace: c.ns,
      body: manifest('deadbeefdeadbeef'),
      dryRun: 'All',
    });
    await c.createCompute('approved', { managementPolicy: 'ObserveOnly' });
    const body = await refusal(c.annotate('computes', 'approved', { [approvePlan]: 'approve' }));
    assert.ok(body.includes(approvalField), body.slice(0, 300));
    await c.removeAndWait('computes', 'approved');
  });

  it('shows a malformed approval that got past as a condition, and goes on observing and reconciling', async () => {
    const inSync = (o: ComputeObj) =>
      o.status?.phase === 'Running' &&
      condition(o, 'Ready')?.status === 'True' &&
      condition(o, 'Drifted')?.status === 'False';
    // A's namespace has no webhook: the value reaches the controller as it would with the webhook down.
    await a.createCompute('a-approve', { securityGroups: ['web'] }, { [approvePlan]: 'yes-apply-it' });
    const running = await a.waitCompute(
      'a-approve',
      'Running and in sync, the approval shown as malformed',
      (o) => inSync(o) && condition(o, 'PlanApproval')?.reason === 'MalformedApproval',
    );
    const shown = condition(running, 'PlanApproval')!;
    assert.equal(shown.status, 'False');
    assert.ok(shown.message.startsWith(approvalField), shown.message);
    const id = running.status!.providerId!;

    // Still observed: a rule opened to the world at the console is found and waits for approval, which the
    // malformed value does not give.
    await stack.console.addRule(id, {
      group: 'web',
      direction: 'ingress',
      rule: { protocol: 'tcp', ports: '22', cidr: '0.0.0.0/0' },
    });
    const waiting = await a.waitCompute(
      'a-approve',
      'the drift found, its plan waiting',
      (o) => o.status?.drift?.plan?.awaitingApproval === true,
      60_000,
    );
    assert.equal(condition(waiting, 'PlanApproval')?.reason, 'MalformedApproval');
    assert.equal(waiting.status?.phase, 'Running');
    const since = Date.now();
    await stack.listings(2);
    assert.deepEqual(changesTo([id], since), [], 'nothing applied unapproved');
    assert.equal(
      condition(await a.waitCompute('a-approve', 'read', () => true), 'PlanApproval')?.status,
      'False',
    );

    // Still reconciled: the plan's own hash applies it, and the condition goes with the malformed value.
    await a.annotate('computes', 'a-approve', { [approvePlan]: waiting.status!.drift!.plan!.hash });
    const fixed = await a.waitCompute(
      'a-approve',
      'in sync, with no PlanApproval condition',
      (o) => inSync(o) && !condition(o, 'PlanApproval'),
      60_000,
    );
    assert.equal(fixed.status?.providerId, id);
    const rules = (await stack.instance(id))!.securityGroups.flatMap((g) => g.ingress.map((r) => r.cidr));
    assert.deepEqual(rules, ['10.0.0.0/8'], 'the approved plan removed the world-open rule');
  });
});
