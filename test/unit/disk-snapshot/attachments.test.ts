// The pure parts of attachment: when a Compute's attachments match its spec, when nothing is attached any
// more, which objects a change wakes, and what a restore reads of a snapshot.
import assert from 'node:assert/strict';
import type { AttachmentRow } from '../../../controllers/compute/attachment-store.ts';
import { allDetached, attachmentsSettled, computesNaming } from '../../../controllers/compute/attachments.ts';
import { restoreSourceOf } from '../../../controllers/disk-snapshot/reconcile.ts';
import { volumesOfCompute } from '../../../controllers/volume/reconcile.ts';
import type { ComputeSpec } from '../../../crds/schemas/compute.ts';

const att = (volume_name: string, phase: AttachmentRow['phase']): AttachmentRow => ({
  instance_uid: 'i',
  volume_name,
  namespace: 'ns',
  compute_name: 'web',
  volume_uid: `u-${volume_name}`,
  volume_provider_id: `vol-${volume_name}`,
  instance_provider_id: 'i-1',
  phase,
  operation_id: null,
  attempt: 0,
  message: null,
});
const spec = (...names: string[]) => ({ volumes: names.map((name) => ({ name })) }) as ComputeSpec;

describe('unit: attachment decisions', () => {
  it('is settled when every named volume is attached and every other one detached', () => {
    assert.ok(attachmentsSettled([], spec()));
    assert.ok(attachmentsSettled(undefined, spec()));
    assert.ok(attachmentsSettled([att('a', 'Attached'), att('b', 'Detached')], spec('a')));
    assert.ok(!attachmentsSettled([att('a', 'Attaching')], spec('a')), 'an attach under way');
    assert.ok(!attachmentsSettled([], spec('a')), 'nothing recorded yet');
    assert.ok(!attachmentsSettled([att('a', 'Attached')], spec()), 'one no longer named is still attached');
    assert.ok(!attachmentsSettled([att('a', 'Detaching')], spec()), 'a detach under way');
  });

  it('lets the instance go only once nothing is attached or on its way', () => {
    assert.ok(allDetached(undefined));
    assert.ok(allDetached([att('a', 'Detached')]));
    for (const phase of ['Attaching', 'Attached', 'Detaching'] as const)
      assert.ok(!allDetached([att('a', phase)]));
  });

  it('wakes the Computes that name a volume, and the volumes a Compute names or shows', () => {
    const computes = [
      { metadata: { name: 'web', namespace: 'ns' }, spec: { volumes: [{ name: 'data' }] } },
      { metadata: { name: 'db', namespace: 'ns' }, spec: { volumes: [{ name: 'logs' }] } },
    ];
    assert.deepEqual(computesNaming({ metadata: { name: 'data' } }, computes), ['ns/web']);
    assert.deepEqual(
      volumesOfCompute({
        metadata: { name: 'web', namespace: 'ns' },
        spec: { volumes: [{ name: 'data' }] },
        status: {
          volumes: [
            { name: 'old', attached: true },
            { name: 'data', attached: false },
          ],
        },
      } as never).sort(),
      ['ns/data', 'ns/old'],
    );
  });

  it('reads a restore source from the snapshot status: phase, provider id and size', () => {
    assert.equal(restoreSourceOf(undefined), undefined);
    assert.deepEqual(
      restoreSourceOf({ status: { phase: 'Ready', providerId: 'snap-1', sizeGiB: 20 } } as never),
      { phase: 'Ready', providerId: 'snap-1', sizeGiB: 20 },
    );
  });
});
