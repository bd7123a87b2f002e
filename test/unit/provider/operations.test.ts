// Reading provider operations: what a create left behind and how a delete stands, for any controller.
import assert from 'node:assert/strict';
import { createdResource, deletionOutcome, isPending } from '../../../controllers/provider/operations.ts';
import {
  ProviderNotFoundError,
  type CloudProvider,
  type Operation,
} from '../../../controllers/provider/types.ts';

const op = (status: Operation['status'], over: Partial<Operation> = {}): Operation => ({
  id: 'op-1',
  kind: 'k',
  status,
  ...over,
});
/** Only getOperation is read: it returns the operation given, or throws the error given. */
const provider = (answer: Operation | Error) =>
  ({
    getOperation: async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    },
  }) as unknown as CloudProvider;

describe('unit: provider operations', () => {
  it('pending and running are under way; succeeded and failed are not', () => {
    assert.deepEqual(
      (['pending', 'running', 'succeeded', 'failed'] as const).map((s) => isPending(op(s))),
      [true, true, false, false],
    );
  });
  it('a create with no recorded operation is asked for again and not known yet', async () => {
    let asked = 0;
    const got = await createdResource(provider(op('succeeded')), null, async () => asked++);
    assert.deepEqual([got, asked], ['pending', 1]);
  });
  it('a create gives its resource id once it succeeded, nothing if it failed, and waits while under way', async () => {
    const never = async () => assert.fail('must not ask again');
    assert.equal(
      await createdResource(provider(op('succeeded', { resourceId: 'vm-1' })), 'op-1', never),
      'vm-1',
    );
    assert.equal(await createdResource(provider(op('failed')), 'op-1', never), null);
    assert.equal(await createdResource(provider(op('running')), 'op-1', never), 'pending');
  });
  it('a delete is done without an operation, when it succeeded, or when the provider forgot it', async () => {
    assert.equal(await deletionOutcome(provider(op('pending')), null, 'volume'), 'done');
    assert.equal(await deletionOutcome(provider(op('succeeded')), 'op-1', 'volume'), 'done');
    assert.equal(
      await deletionOutcome(provider(new ProviderNotFoundError('gone')), 'op-1', 'volume'),
      'done',
    );
    assert.equal(await deletionOutcome(provider(op('running')), 'op-1', 'volume'), 'pending');
  });
  it('a failed delete throws with what it was and why; other errors pass through', async () => {
    await assert.rejects(
      deletionOutcome(provider(op('failed', { error: { code: 'X', message: 'busy' } })), 'op-1', 'volume'),
      /the provider could not delete the volume: busy/,
    );
    await assert.rejects(deletionOutcome(provider(new Error('boom')), 'op-1', 'volume'), /boom/);
  });
});
