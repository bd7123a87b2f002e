// A Tenant deleted and created again under the same name starts a new tenure in tenants_db: created_at is
// the new object's, the earlier tenure is kept, and cost allocation counts both and not the time between.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { monthPeriod } from '../../../controllers/billing/domain/period.ts';
import { tenantLifetimes } from '../../../controllers/cost-allocation/usage.ts';
import { markTenantDeleted, upsertTenant } from '../../../controllers/tenant/store.ts';
import type { Tenant } from '../../../crds/schemas/tenant.ts';
import { migratedPool } from '../../support/databases.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';
import { installCrds, startOperator, type OperatorProcess } from '../../support/operator.ts';
import { createReadyTenant, deleteTenants, tenantManifest } from '../../support/tenants.ts';

describe('integration: a tenant created again under its name', function () {
  this.timeout(240_000);
  const kc = adminConfig();
  const name = uniqueName('tenure');
  const mirrored = uniqueName('tenure-db');
  let op: OperatorProcess;
  let db: pg.Pool;

  const created = (t: { metadata: object }) =>
    new Date(String((t.metadata as { creationTimestamp?: unknown }).creationTimestamp)).getTime();
  const row = async () =>
    (
      await db.query<{ uid: string; created_at: Date; deleted_at: Date | null }>(
        'SELECT uid, created_at, deleted_at FROM tenants WHERE name = $1',
        [name],
      )
    ).rows[0];

  before(async () => {
    installCrds();
    db = await migratedPool('tenants_db', 2);
    op = await startOperator(uniqueName('tenure-op'), { OMNICLOUD_LEADER_ELECTION: 'false' });
  });
  after(async () => {
    await deleteTenants(kc, [name]);
    await op?.stop();
    await db?.query('DELETE FROM tenants WHERE name = ANY($1)', [[name, mirrored]]);
    await db?.end();
  });

  it('gets a new tenure, and keeps the first one apart from it', async () => {
    const first = await createReadyTenant(kc, name);
    assert.equal((await row())!.created_at.getTime(), created(first));
    await deleteTenants(kc, [name]);
    const deleted = (await row())!;
    assert.ok(deleted.deleted_at instanceof Date, 'the first tenant is marked deleted');

    const second = await createReadyTenant(kc, name);
    assert.notEqual(second.metadata.uid, first.metadata.uid);
    const current = (await row())!;
    assert.equal(current.uid, second.metadata.uid);
    assert.equal(current.created_at.getTime(), created(second), "created_at is the new object's");
    assert.equal(current.deleted_at, null);

    const tenures = await db.query<{ uid: string; created_at: Date; deleted_at: Date | null }>(
      'SELECT uid, created_at, deleted_at FROM tenant_tenures WHERE name = $1 ORDER BY created_at',
      [name],
    );
    // creationTimestamp has whole seconds: a tenure ends no later than the next one starts, so a deletion
    // recorded within the second the new object was created ends at that second.
    const firstEnds = Math.min(deleted.deleted_at!.getTime(), created(second));
    assert.deepEqual(
      tenures.rows.map((t) => [t.uid, t.created_at.getTime(), t.deleted_at?.getTime() ?? null]),
      [
        [first.metadata.uid, created(first), firstEnds],
        [second.metadata.uid, created(second), null],
      ],
    );

    // Cost allocation sees the two tenures of this month, not the time between them.
    const now = new Date();
    const month = monthPeriod(now.getUTCFullYear(), now.getUTCMonth() + 1);
    const lifetimes = (await tenantLifetimes(db, month)).get(name);
    assert.deepEqual(
      lifetimes?.map((t) => [t.start.getTime(), t.end.getTime()]),
      [
        [created(first), firstEnds],
        [created(second), month.end.getTime()],
      ],
    );
  });

  it('is mirrored so in tenants_db: a re-created tenant has its own created_at, and both tenures are kept', async () => {
    const tenant = (uid: string, creationTimestamp: string) =>
      ({
        ...(tenantManifest(mirrored) as Tenant),
        metadata: { name: mirrored, uid, generation: 1, creationTimestamp },
      }) as Tenant;
    const firstUid = randomUUID();
    const secondUid = randomUUID();
    await upsertTenant(db, tenant(firstUid, '2026-04-01T00:00:00Z'));
    await markTenantDeleted(db, mirrored, firstUid);
    const deletedAt = (
      await db.query<{ deleted_at: Date }>('SELECT deleted_at FROM tenants WHERE name = $1', [mirrored])
    ).rows[0]!.deleted_at;
    const recreated = new Date(deletedAt.getTime() + 60_000).toISOString();
    await upsertTenant(db, tenant(secondUid, recreated));
    const { rows } = await db.query<{ uid: string; created_at: Date; deleted_at: Date | null }>(
      'SELECT uid, created_at, deleted_at FROM tenants WHERE name = $1',
      [mirrored],
    );
    assert.deepEqual(rows, [{ uid: secondUid, created_at: new Date(recreated), deleted_at: null }]);
    const tenures = await db.query<{ uid: string; created_at: Date; deleted_at: Date | null }>(
      'SELECT uid, created_at, deleted_at FROM tenant_tenures WHERE name = $1 ORDER BY created_at',
      [mirrored],
    );
    assert.deepEqual(tenures.rows, [
      { uid: firstUid, created_at: new Date('2026-04-01T00:00:00Z'), deleted_at: deletedAt },
      { uid: secondUid, created_at: new Date(recreated), deleted_at: null },
    ]);
  });
});
