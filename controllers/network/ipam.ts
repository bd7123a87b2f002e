// IPv4 address management, pure: parsing, containment, the first free block of a size inside a pool, and
// which addresses of a subnet may be handed to instances. The database's exclusion constraints are what
// make allocations safe between racing writers; this module only proposes.

export interface Cidr {
  /** First address of the block, as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

/** Addresses the provider keeps in every subnet besides network and broadcast: gateway, DNS, reserved. */
export const providerReservedOffsets = [1, 2, 3] as const;

export class CidrError extends Error {}

export function parseIp(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new CidrError(`${text} is not an IPv4 address`);
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255)
      throw new CidrError(`${text} is not an IPv4 address`);
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Parses a.b.c.d/n and refuses host bits set (10.0.0.1/24 is a typo for 10.0.0.0/24 or an address). */
export function parseCidr(text: string): Cidr {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text);
  if (!match) throw new CidrError(`${text} is not a CIDR such as 10.1.0.0/16`);
  const prefix = Number(match[2]);
  if (prefix > 32) throw new CidrError(`${text}: the prefix length must be 0 to 32`);
  const base = parseIp(match[1]!);
  if (base % blockSize(prefix) !== 0) {
    const aligned = base - (base % blockSize(prefix));
    throw new CidrError(`${text} has host bits set; did you mean ${formatIp(aligned)}/${prefix}?`);
  }
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function lastAddress(c: Cidr): number {
  return c.base + blockSize(c.prefix) - 1;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && lastAddress(inner) <= lastAddress(outer);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/**
 * The lowest-addressed block of `prefix` inside `pool` that overlaps none of `taken`, or undefined when the
 * pool is exhausted. Each clash moves the candidate past the clashing block, aligned to the block size.
 */
export function firstFreeBlock(pool: Cidr, prefix: number, taken: readonly Cidr[]): Cidr | undefined {
  if (prefix < pool.prefix || prefix > 32) return undefined;
  const size = blockSize(prefix);
  const inPool = taken.filter((t) => overlaps(t, pool)).sort((a, b) => a.base - b.base);
  let candidate = pool.base;
  while (candidate + size - 1 <= lastAddress(pool)) {
    const block = { base: candidate, prefix };
    const clash = inPool.find((t) => overlaps(t, block));
    if (!clash) return block;
    candidate = Math.ceil((lastAddress(clash) + 1) / size) * size;
  }
  return undefined;
}

/** Whether an address of the subnet may go to an instance: not network, broadcast or provider-reserved. */
export function isAssignable(subnet: Cidr, address: number): boolean {
  if (address < subnet.base || address > lastAddress(subnet)) return false;
  const offset = address - subnet.base;
  if (offset === 0 || address === lastAddress(subnet)) return false;
  return !(providerReservedOffsets as readonly number[]).includes(offset);
}

/** How many addresses of the subnet can go to instances. */
export function assignableCount(subnet: Cidr): number {
  const size = blockSize(subnet.prefix);
  const reserved = 2 + providerReservedOffsets.filter((o) => o < size - 1).length;
  return Math.max(0, size - reserved);
}

/** The lowest assignable address not in `used`, or undefined when the subnet is full. */
export function firstFreeAddress(subnet: Cidr, used: ReadonlySet<number>): number | undefined {
  for (let a = subnet.base; a <= lastAddress(subnet); a++) {
    if (isAssignable(subnet, a) && !used.has(a)) return a;
  }
  return undefined;
}
