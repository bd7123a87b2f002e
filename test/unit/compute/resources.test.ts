import assert from 'node:assert/strict';
import { demandOf, memoryMiB } from '../../../controllers/compute/resources.ts';

describe('unit: Compute resources', () => {
  it('converts memory quantities to MiB, rounding up', () => {
    assert.equal(memoryMiB('16Gi'), 16384);
    assert.equal(memoryMiB('512Mi'), 512);
    assert.equal(memoryMiB('1G'), 954); // 1e9 bytes is 953.67 MiB: never less than asked
    assert.equal(memoryMiB('1.5Gi'), 1536);
    assert.throws(() => memoryMiB('16GB'), /unknown unit GB/);
    assert.throws(() => memoryMiB('lots'), /not a memory quantity/);
  });
  it('takes sizes or explicit vcpu and memory', () => {
    assert.deepEqual(demandOf({ size: 'large', gpu: 0 }), { vcpu: 4, memoryMiB: 16384, gpu: 0 });
    assert.deepEqual(demandOf({ vcpu: 3, memory: '6Gi', gpu: 1 }), { vcpu: 3, memoryMiB: 6144, gpu: 1 });
    assert.throws(() => demandOf({ vcpu: 3, gpu: 0 }), /both spec.vcpu and spec.memory/);
  });
});
