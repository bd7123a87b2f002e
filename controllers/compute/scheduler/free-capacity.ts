// Free capacity of a set of hosts, kept in bin-packing order so the tightest host with room is found without
// scanning the ones that are too small. One instance per region and per zone lives in the ClusterIndex.
import type { Capacity } from './types.ts';

/** A host's place in a free-vCPU bucket, ordered by what it has free besides vCPU. */
interface Slot {
  readonly id: string;
  readonly memoryMiB: number;
  readonly gpu: number;
}

const slotBefore = (a: Slot, b: Slot): boolean =>
  a.memoryMiB !== b.memoryMiB ? a.memoryMiB < b.memoryMiB : a.gpu !== b.gpu ? a.gpu < b.gpu : a.id < b.id;

/**
 * Hosts grouped by exact free vCPU, the distinct values kept sorted, and each group sorted by free memory,
 * GPU and id. Free vCPU takes few distinct values, so walking the groups upward from the request's vCPU,
 * each from its first host with enough memory, meets hosts in bin-packing order (tightest first) and never
 * looks at a host too small in vCPU or memory.
 */
export class FreeCapacityBuckets {
  private readonly buckets = new Map<number, Slot[]>();
  private readonly keys: number[] = [];

  add(hostId: string, free: Capacity): void {
    let bucket = this.buckets.get(free.vcpu);
    if (!bucket) {
      this.buckets.set(free.vcpu, (bucket = []));
      this.keys.splice(this.firstKeyAtLeast(free.vcpu), 0, free.vcpu);
    }
    const slot = { id: hostId, memoryMiB: free.memoryMiB, gpu: free.gpu };
    bucket.splice(slotIndex(bucket, slot), 0, slot);
  }

  /** `free` must be what the host had free when added. */
  remove(hostId: string, free: Capacity): void {
    const bucket = this.buckets.get(free.vcpu);
    if (!bucket) return;
    const slot = { id: hostId, memoryMiB: free.memoryMiB, gpu: free.gpu };
    const at = slotIndex(bucket, slot);
    if (bucket[at]?.id !== hostId) return;
    bucket.splice(at, 1);
    if (bucket.length > 0) return;
    this.buckets.delete(free.vcpu);
    this.keys.splice(this.firstKeyAtLeast(free.vcpu), 1);
  }

  /** Hosts with at least this much vCPU and memory free, tightest first. */
  *fitting(vcpu: number, memoryMiB: number): Generator<string> {
    for (let k = this.firstKeyAtLeast(vcpu); k < this.keys.length; k++) {
      const bucket = this.buckets.get(this.keys[k]!)!;
      const roomy = firstAtLeast(bucket.length, (i) => bucket[i]!.memoryMiB >= memoryMiB);
      for (let j = roomy; j < bucket.length; j++) yield bucket[j]!.id;
    }
  }

  /** How many hosts the buckets hold. */
  get size(): number {
    let slots = 0;
    for (const bucket of this.buckets.values()) slots += bucket.length;
    return slots;
  }

  private firstKeyAtLeast(vcpu: number): number {
    return firstAtLeast(this.keys.length, (i) => this.keys[i]! >= vcpu);
  }
}

/** Where the slot is, or would go, in its sorted bucket. */
function slotIndex(bucket: Slot[], slot: Slot): number {
  return firstAtLeast(bucket.length, (i) => !slotBefore(bucket[i]!, slot));
}

/** Binary search: the first index in [0, length) where the monotone `atLeast` holds, or length. */
function firstAtLeast(length: number, atLeast: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atLeast(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
