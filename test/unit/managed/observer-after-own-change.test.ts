// A zone listing that began before the resource's last recorded change cannot say what the resource is since:
// the reconcile right after a change of its own (a volume grown by its resize step) must ask the provider, or
// it reads the size from before the resize, takes the spec change for one not yet applied and starts a
// remediation plan that asks the provider to grow the volume to the size it already has.
import assert from 'node:assert/strict';
import pino from 'pino';
import { ZoneObserver } from '../../../controllers/managed/observer.ts';

interface Disk {
  id: string;
  sizeGiB: number;
}

const scope = { region: 'r', zone: 'r-a' };

function listed(items: Disk[], clock: { ms: number }) {
  return new ZoneObserver<Disk>(
    'disks',
    async () => ({ items: items.map((d) => ({ id: d.id, state: d })) }),
    60_000,
    pino({ level: 'silent' }),
    () => clock.ms,
  );
}

describe('ZoneObserver lookup after a change of our own', () => {
  it('does not answer for a resource changed after its listing began, listed or not', async () => {
    const clock = { ms: 1_000 };
    const observer = listed([{ id: 'd-1', sizeGiB: 10 }], clock);
    observer.track(scope, 'd-1', 'ns/data');
    await observer.observeAll(); // began at 1 000 ms: 10 GiB
    const resizedAt = new Date(1_500); // our resize step recorded 15 GiB after that
    assert.deepEqual(observer.lookup(scope, 'd-1', resizedAt), { exists: 'unknown' });
    assert.deepEqual(observer.lookup(scope, 'd-2', resizedAt), { exists: 'unknown' });
  });

  it('answers from a listing that began after the last change', async () => {
    const clock = { ms: 2_000 };
    const observer = listed([{ id: 'd-1', sizeGiB: 15 }], clock);
    observer.track(scope, 'd-1', 'ns/data');
    await observer.observeAll();
    const resizedAt = new Date(1_500);
    assert.deepEqual(observer.lookup(scope, 'd-1', resizedAt), {
      exists: true,
      state: { id: 'd-1', sizeGiB: 15 },
    });
    assert.deepEqual(observer.lookup(scope, 'd-2', resizedAt), { exists: false });
  });
});
