// What the API server refuses of a ManagedSecret: the CRD's CEL rules (and the webhook, while an operator of
// the stack has registered one) say the same words, naming the field; an annotation CEL cannot read is
// refused by the webhook when one is registered, else shown by the controller as InvalidSpec with nothing
// written to OpenBao; and the Vault client renews its token before it expires rather than logging in again.
import assert from 'node:assert/strict';
import { OperatorVault } from '../../../controllers/backing/vault.ts';
import { condition } from '../../support/infra.ts';
import { uniqueName } from '../../support/kube.ts';
import { SecretHarness, vaultLogin } from './harness.ts';

describe('integration: ManagedSecret admission by CEL, InvalidSpec, and token renewal', function () {
  this.timeout(90_000);
  const h = new SecretHarness('msec-cel');

  before(() => h.start());
  after(() => h.stop());

  const refusal = async (spec: Record<string, unknown>): Promise<string> => {
    const err = await h.create(uniqueName('bad'), spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err, `${JSON.stringify(spec)} was admitted`);
    return String((err as { body?: unknown }).body ?? err);
  };

  it('refuses both or neither of source and generate, a rotation of a copied value, and a period out of range', async () => {
    assert.match(
      await refusal({ generate: {}, source: { secretRef: { name: 'a', key: 'b' } } }),
      /spec.source: set exactly one of spec.source/,
    );
    assert.match(await refusal({ target: { key: 'v' } }), /set exactly one of spec.source/);
    assert.match(
      await refusal({ source: { secretRef: { name: 'a', key: 'b' } }, rotation: { every: '1h' } }),
      /spec.rotation: only a generated value is rotated/,
    );
    assert.match(
      await refusal({ generate: {}, rotation: { every: '5s' } }),
      /spec.rotation.every: 5s is outside 10s to 366d/,
    );
    assert.match(
      await refusal({ generate: {}, rotation: { every: '1h30m' } }),
      /a whole number followed by one unit/,
    );
    assert.match(await refusal({ generate: { length: 4 } }), /spec.generate.length/);
  });

  it('refuses a moved target and a switch from generate to source once created', async () => {
    await h.create('fixed', { generate: {}, target: { name: 'fixed-out' } });
    await assert.rejects(
      h.patch('fixed', { spec: { target: { name: 'elsewhere' } } }),
      /spec.target.name: is immutable \(was fixed-out\)/,
    );
    await assert.rejects(
      h.patch('fixed', { spec: { generate: null, source: { secretRef: { name: 'a', key: 'b' } } } }),
      /cannot switch between spec.source and spec.generate/,
    );
  });

  it('refuses a rotate-at annotation that is no single word, at the webhook when one is registered, else as InvalidSpec', async () => {
    // The stack's webhook is registered while an operator of some test runs; either way the user is told.
    const refused = await h
      .create('odd', { generate: {} }, { 'omnicloud.io/rotate-at': 'not a timestamp' })
      .then(
        () => undefined,
        (e: unknown) => String((e as { body?: unknown }).body ?? e),
      );
    if (refused) {
      assert.match(
        refused,
        /metadata.annotations\[omnicloud.io\/rotate-at\]: must be 1 to 64 printable characters/,
      );
      return;
    }
    const shown = await h.waitFor(
      'odd',
      'InvalidSpec',
      (o) => condition(o, 'Ready')?.reason === 'InvalidSpec',
    );
    assert.match(condition(shown, 'Ready')!.message, /metadata.annotations\[omnicloud.io\/rotate-at\]/);
    assert.equal(await h.direct.metadata(h.path('odd')), undefined, 'nothing in OpenBao');
  });

  it('renews its token before it expires instead of logging in again', async () => {
    let clock = Date.now();
    const client = new OperatorVault(vaultLogin(), { now: () => clock });
    const raw = (client as unknown as { client: Record<string, (...a: unknown[]) => Promise<unknown>> })
      .client;
    const calls: string[] = [];
    for (const name of ['approleLogin', 'tokenRenewSelf']) {
      const original = raw[name]!.bind(raw);
      raw[name] = (...args: unknown[]) => {
        calls.push(name);
        return original(...args);
      };
    }
    const path = `legacy/${uniqueName('renew')}`;
    await client.write(path, { value: 'x' }, 0);
    clock += 50 * 60_000; // past two thirds of the role's one-hour TTL
    assert.equal((await client.readLatest(path))?.data.value, 'x');
    clock += 5 * 60_000; // renewed: nothing to do yet
    await client.metadata(path);
    assert.deepEqual(calls, ['approleLogin', 'tokenRenewSelf']);
    await client.destroy(path);
  });
});
