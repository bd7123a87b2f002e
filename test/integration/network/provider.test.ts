// Networks at the provider, on the managed reconciler, against a simulator of the test's own (so its console can
// delete a network and its operations can be slowed without touching the shared one): a network deleted while
// it is being created leaves nothing behind, one deleted outside OmniCloud is found and created again, a failed
// create is retried with a token of its own, deletionPolicy Orphan leaves the network where it is, and an
// existing network is adopted by annotation, once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { Network } from '../../../crds/schemas/network.ts';
import { HttpProvider } from '../../../controllers/provider/http-client.ts';
import { CloudConsole } from '../../support/console.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, eventually, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { created, settled, startOwnSimulator, type OwnSimulator } from '../../support/simulator.ts';
import {
  condition,
  create,
  createNamespace,
  deleteNamespace,
  networkManifest,
  read,
  remove,
  removeInfra,
  waitFor,
} from '../../support/infra.ts';

describe('integration: Networks at the provider', function () {
  this.timeout(240_000);
  const kc: k8s.KubeConfig = adminConfig();
  const ns = uniqueName('tenant-netprov');
  const region = 'eu-west-1';
  let sim: OwnSimulator;
  let provider: HttpProvider;
  let cloud: CloudConsole;
  let op: OperatorProcess;
  let infra: pg.Pool;

  const explicit = (name: string, cidr: string, extra: Partial<Network['spec']> = {}) =>
    networkManifest(ns, name, {
      cidr,
      prefixLength: undefined,
      subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 24 }],
      ...extra,
    });
  const annotated = (manifest: object, externalName: string) => {
    const m = manifest as { metadata: Record<string, unknown> };
    m.metadata.annotations = { 'omnicloud.io/external-name': externalName };
    return m;
  };
  const faults = async (body: object) => {
    const res = await fetch(`${sim.url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, await res.text());
  };
  /** Every network of the region the provider lists (it lists none that are deleted). */
  const listed = async () => {
    const all = [];
    let pageToken: string | undefined;
    do {
      const page = await provider.listNetworks({ region, pageToken });
      all.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return all;
  };
  const ready = (n: Network) => n.status?.phase === 'Ready' && condition(n, 'Ready')?.status === 'True';
  const gone = (name: string) =>
    eventually(`${name} gone`, async () => ((await read(kc, 'networks', ns, name)) ? undefined : true));

  before(async () => {
    installCrds();
    infra = await migratedPool('infra_db', 2);
    sim = await startOwnSimulator();
    provider = new HttpProvider(sim.url);
    cloud = new CloudConsole(sim.url);
    await createNamespace(kc, ns);
    op = await startOperator(uniqueName('netprov-op'), {
      OMNICLOUD_LEADER_ELECTION: 'false',
      OMNICLOUD_OBSERVE_INTERVAL_MS: '1000',
      OMNICLOUD_PROVIDER_URL: sim.url,
    });
  });
  after(async () => {
    await removeInfra(kc, ns, [], ['early', 'net', 'retried', 'kept', 'adopted', 'rival']);
    await op?.stop();
    await deleteNamespace(kc, ns);
    await sim?.dispose();
    await infra?.end();
  });

  it('deletes the network of a Network deleted while it is still being created', async () => {
    // Slow creates keep the network in Provisioning, its provider id not known yet, while it is deleted.
    await faults({ slowMs: 4_000 });
    try {
      await create(kc, explicit('early', '10.61.0.0/16'));
      const provisioning = await waitFor<Network>(
        kc,
        'networks',
        ns,
        'early',
        'Provisioning with its create under way',
        (n) => n.status?.phase === 'Provisioning' && !!n.status.operationId,
      );
      assert.equal(provisioning.status?.providerId, undefined);
      await remove(kc, 'networks', ns, 'early');
      await gone('early');
      // Whatever the create left once it ended is deleted: the provider lists no network with that range.
      const createOp = await settled(provider, provisioning.status!.operationId!, 30_000);
      assert.equal(createOp.status, 'succeeded');
      const left = (await listed()).filter((n) => n.cidr === '10.61.0.0/16');
      assert.deepEqual(left, [], 'no network left at the provider');
      assert.equal((await provider.getNetwork(createOp.resourceId!))?.state, 'deleted');
    } finally {
      await faults({ slowMs: 0 });
    }
  });

  it('finds a network deleted outside OmniCloud and creates it again', async () => {
    await create(kc, explicit('net', '10.62.0.0/16'));
    const first = await waitFor<Network>(kc, 'networks', ns, 'net', 'Ready', ready);
    const before = first.status!.providerId!;
    const edit = await cloud.deleteNetwork(before);
    assert.equal(edit.edit.action, 'delete-network');

    const again = await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'Ready on a new provider network',
      (n) => ready(n) && !!n.status?.providerId && n.status.providerId !== before,
      60_000,
    );
    assert.equal(again.status?.cidr, '10.62.0.0/16');
    const now = await provider.getNetwork(again.status!.providerId!);
    assert.deepEqual([now?.state, now?.cidr], ['available', '10.62.0.0/16']);
    assert.equal((await provider.getNetwork(before))?.state, 'deleted');
    const { rows } = await infra.query<{ event: string; drift_type: string | null }>(
      'SELECT event, drift_type FROM drift_history WHERE uid = $1 ORDER BY id',
      [first.metadata.uid],
    );
    assert.deepEqual(rows[0], { event: 'detected', drift_type: 'resource_missing' });
    await waitFor<Network>(
      kc,
      'networks',
      ns,
      'net',
      'InSync once compared again',
      (n) => condition(n, 'Drifted')?.reason === 'InSync',
    );
  });

  it('retries a create the provider failed with a token of its own, not a replay of the failure', async () => {
    await faults({ failOperations: { probability: 1, message: 'no room for this network' } });
    try {
      await create(kc, explicit('retried', '10.63.0.0/16'));
      const failed = await waitFor<Network>(
        kc,
        'networks',
        ns,
        'retried',
        'ProvisioningFailed',
        (n) => condition(n, 'Ready')?.reason === 'ProvisioningFailed',
      );
      assert.match(condition(failed, 'Ready')!.message, /no room for this network; retrying/);
      assert.equal(condition(failed, 'Degraded')?.status, 'True');
    } finally {
      await faults({ failOperations: { probability: 0 } });
    }
    await waitFor<Network>(kc, 'networks', ns, 'retried', 'Ready after the failure', ready, 60_000);
  });

  it('leaves the network at the provider under deletionPolicy Orphan, and gives its range back', async () => {
    await create(kc, explicit('kept', '10.64.0.0/16', { deletionPolicy: 'Orphan' }));
    const kept = await waitFor<Network>(kc, 'networks', ns, 'kept', 'Ready', ready);
    await remove(kc, 'networks', ns, 'kept');
    await gone('kept');
    assert.equal((await provider.getNetwork(kept.status!.providerId!))?.state, 'available');
    const { rowCount } = await infra.query('SELECT 1 FROM networks WHERE uid = $1', [kept.metadata.uid]);
    assert.equal(rowCount, 0, 'the range is given back in infra_db');
  });

  it('adopts an existing provider network by annotation, and refuses a second claim on it', async () => {
    const id = await created(
      provider,
      provider.createNetwork({ idempotencyToken: randomUUID(), region, cidr: '10.65.0.0/16' }),
    );
    await create(kc, annotated(explicit('adopted', '10.65.0.0/16'), id));
    const adopted = await waitFor<Network>(kc, 'networks', ns, 'adopted', 'Ready', ready);
    assert.equal(adopted.status?.providerId, id);
    assert.deepEqual(
      (await listed()).filter((n) => n.cidr === '10.65.0.0/16').map((n) => n.id),
      [id],
      'bound to the network that was there, none created',
    );

    await create(kc, annotated(explicit('rival', '10.66.0.0/16'), id));
    const refused = await waitFor<Network>(
      kc,
      'networks',
      ns,
      'rival',
      'AlreadyClaimed',
      (n) => condition(n, 'Ready')?.reason === 'AlreadyClaimed',
    );
    assert.match(
      condition(refused, 'Ready')!.message,
      new RegExp(`${id} is already managed by Network ${ns}/adopted`),
    );
    assert.equal(refused.status?.providerId, undefined);
    const rival = await infra.query('SELECT 1 FROM networks WHERE uid = $1', [refused.metadata.uid]);
    assert.equal(rival.rowCount, 0, 'nothing recorded for the refused claim');
    assert.ok(ready((await read<Network>(kc, 'networks', ns, 'adopted'))!), 'the first claim stands');
  });
});
