// The zone observer wakes an object when its zone's listing differs from what the object's reconcile last saw,
// not only from the listing before: a change made before the zone's first listing, or undone and redone
// between two listings, is still found.
import assert from 'node:assert/strict';
import pino from 'pino';
import { ZoneObserver } from '../../../controllers/managed/observer.ts';

interface Item {
  id: string;
  power: string;
}

const scope = { region: 'r', zone: 'r-a' };

function observed(initial: Item[]) {
  let items = initial;
  const woken: string[] = [];
  const observer = new ZoneObserver<Item>(
    'items',
    async () => ({ items: items.map((i) => ({ id: i.id, state: i })) }),
    60_000,
    pino({ level: 'silent' }),
  );
  observer.onChange((key) => woken.push(key));
  return {
    observer,
    woken,
    set(next: Item[]) {
      items = next;
    },
  };
}

describe('ZoneObserver', () => {
  it('wakes an object changed after its direct read but before the zone was first listed', async () => {
    const z = observed([]);
    z.observer.track(scope, 'i-1', 'ns/web');
    z.observer.saw(scope, 'i-1', { id: 'i-1', power: 'running' });
    z.set([{ id: 'i-1', power: 'stopped' }]);
    await z.observer.observeAll();
    assert.deepEqual(z.woken, ['ns/web']);
  });

  it('wakes an object deleted after its direct read but before a listing that held it', async () => {
    const z = observed([]);
    z.observer.track(scope, 'i-1', 'ns/web');
    z.observer.saw(scope, 'i-1', { id: 'i-1', power: 'running' });
    await z.observer.observeAll();
    assert.deepEqual(z.woken, ['ns/web']);
  });

  it('wakes an object stopped again after the reconcile saw it started between two listings', async () => {
    const z = observed([{ id: 'i-1', power: 'running' }]);
    z.observer.track(scope, 'i-1', 'ns/web');
    await z.observer.observeAll();
    z.set([{ id: 'i-1', power: 'stopped' }]);
    await z.observer.observeAll();
    assert.deepEqual(z.woken, ['ns/web'], 'the first stop');
    assert.equal(z.observer.lookup(scope, 'i-1', undefined).exists, true);
    z.observer.saw(scope, 'i-1', { id: 'i-1', power: 'running' }); // started again, read directly
    await z.observer.observeAll(); // the listing still says stopped: the second stop
    assert.deepEqual(z.woken, ['ns/web', 'ns/web']);
  });

  it('wakes nothing while the listing says what the reconcile last saw', async () => {
    const z = observed([{ id: 'i-1', power: 'running' }]);
    z.observer.track(scope, 'i-1', 'ns/web');
    z.observer.saw(scope, 'i-1', { id: 'i-1', power: 'running' });
    await z.observer.observeAll();
    await z.observer.observeAll();
    assert.equal(z.observer.lookup(scope, 'i-1', undefined).exists, true);
    await z.observer.observeAll();
    assert.deepEqual(z.woken, []);
  });

  it('wakes an object whose listing changed when its reconcile never read it (the listing before decides)', async () => {
    const z = observed([{ id: 'i-1', power: 'running' }]);
    z.observer.track(scope, 'i-1', 'ns/web');
    await z.observer.observeAll();
    assert.deepEqual(z.woken, [], 'nothing to compare the first listing with');
    z.set([{ id: 'i-1', power: 'stopped' }]);
    await z.observer.observeAll();
    assert.deepEqual(z.woken, ['ns/web']);
  });
});
