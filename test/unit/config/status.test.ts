// The status a ConfigSet shows from its row, and the moves its lifecycle allows.
import assert from 'node:assert/strict';
import {
  assertConfigSetTransition,
  IllegalConfigSetTransition,
} from '../../../controllers/config/lifecycle.ts';
import { configSetStatus } from '../../../controllers/config/status.ts';
import type { ConfigSetRow } from '../../../controllers/config/store.ts';
import type { ConfigSet } from '../../../crds/schemas/config-set.ts';

const now = new Date('2026-12-03T08:00:00Z');
const obj: ConfigSet = {
  apiVersion: 'omnicloud.io/v1alpha1',
  kind: 'ConfigSet',
  metadata: { name: 'web', namespace: 'tenant-acme', uid: 'u', generation: 3 } as ConfigSet['metadata'],
  spec: { data: {}, flags: {} } as never,
};
const row = (change: Partial<ConfigSetRow>): ConfigSetRow => ({
  uid: 'u',
  namespace: 'tenant-acme',
  name: 'web',
  tenant: 'acme',
  phase: 'Synced',
  config_map: 'tenant-acme/web-config',
  provider_id: 'tenant-acme/web-config',
  current_version: 4,
  current_hash: 'ab'.repeat(32),
  applying_version: null,
  desired_key: 'rollback:2',
  message: null,
  ...change,
});
const cond = (s: ReturnType<typeof configSetStatus>, type: string) =>
  s.conditions?.find((c) => c.type === type);

describe('config: status and lifecycle', () => {
  it('shows a synced ConfigSet Ready with its version, hash, ConfigMap and the version rolled back to', () => {
    const s = configSetStatus(obj, row({}), undefined, now);
    assert.equal(cond(s, 'Ready')?.status, 'True');
    assert.equal(
      cond(s, 'Ready')?.message,
      'ConfigMap tenant-acme/web-config holds version 4 (abababababab)',
    );
    assert.equal(cond(s, 'Degraded')?.status, 'False');
    assert.deepEqual(
      [s.currentVersion, s.currentHash, s.configMapName, s.rolledBackTo, s.observedGeneration],
      [4, 'ab'.repeat(32), 'web-config', 2, 3],
    );
  });

  it('shows a version being written as not Ready yet, and a fault as Degraded with its reason', () => {
    const applying = configSetStatus(obj, row({ phase: 'Applying', applying_version: 5 }), undefined, now);
    assert.equal(cond(applying, 'Ready')?.reason, 'Applying');
    assert.match(cond(applying, 'Ready')!.message, /writing version 5 to ConfigMap tenant-acme\/web-config/);
    const problem = {
      reason: 'ConfigMapNotOwned',
      message: 'ConfigMap tenant-acme/web-config exists and is not ours',
    };
    const held = configSetStatus(obj, row({ phase: 'Pending', current_version: null }), problem, now);
    assert.equal(cond(held, 'Ready')?.reason, 'ConfigMapNotOwned');
    assert.equal(cond(held, 'Degraded')?.reason, 'ConfigMapNotOwned');
    assert.equal(held.currentVersion, undefined);
  });

  it('allows only the listed moves', () => {
    assert.doesNotThrow(() => assertConfigSetTransition('Synced', 'Applying'));
    assert.doesNotThrow(() => assertConfigSetTransition('Applying', 'Synced'));
    assert.throws(() => assertConfigSetTransition('Applying', 'Applying'), IllegalConfigSetTransition);
    assert.throws(() => assertConfigSetTransition('Deleted', 'Synced'), /allowed from Deleted: none/);
    assert.throws(
      () => assertConfigSetTransition('Pending', 'Synced'),
      /allowed from Pending: Applying, Deleted/,
    );
  });
});
