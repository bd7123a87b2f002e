// The Network's rows in infra_db: its CIDR, its subnets and the addresses handed to instances. Every write is
// idempotent by uid, and every proposal from the pure IPAM is checked by the exclusion constraints: a racing
// writer that took the block first makes the insert fail, and the next free block is tried.
import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;
import {
  assignableCount,
  firstFreeAddress,
  firstFreeBlock,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  type Cidr,
} from './ipam.ts';

/** Every tenant's networks are allocated from this pool when no CIDR is given. */
export const tenantPool: Cidr = parseCidr('10.0.0.0/8');
const maxRaceRetries = 8;

/** The network whose recorded range a requested one overlaps. */
export interface RangeHolder {
  uid: string;
  name: string;
  cidr: string;
}

/** Refused for a reason retrying cannot fix: overlap with an explicit CIDR, exhaustion, a subnet outside. */
export class IpamRefusal extends Error {
  constructor(
    message: string,
    readonly reason: 'Overlap' | 'Exhausted' | 'OutsideNetwork' | 'InUse',
    /** On an Overlap with another network: that network, as infra_db records it. */
    readonly holder?: RangeHolder,
  ) {
    super(message);
  }
}

/**
 * Allocators of one range take turns for the rest of their transaction. The exclusion constraints alone are
 * safe, but racing writers that all read the same free block would all clash and retry together; the lock
 * turns that herd into a queue. Correctness still rests on the constraints.
 */
async function serialise(client: PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
}

const pgCode = (err: unknown): string | undefined => (err as { code?: string }).code;

async function attempt<T>(client: PoolClient, fn: () => Promise<T>): Promise<T | 'clash'> {
  await client.query('SAVEPOINT ipam');
  try {
    const result = await fn();
    await client.query('RELEASE SAVEPOINT ipam');
    return result;
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT ipam');
    if (pgCode(err) === '23P01' || pgCode(err) === '23505') return 'clash';
    if (pgCode(err) === '23514') throw new IpamRefusal((err as Error).message, 'OutsideNetwork');
    throw err;
  }
}

export interface NetworkRow {
  uid: string;
  /** The namespace the network belongs to. */
  scope: string;
  name: string;
  region: string;
  cidr: string;
  phase: string;
  provider_id: string | null;
  operation_id: string | null;
  /** How many creates at the provider came before the current one (each has its own token). */
  create_attempt: number;
  updated_at: Date;
}

const networkColumns =
  'uid, scope, name, region, cidr::text, phase, provider_id, operation_id, create_attempt, updated_at';

export async function findNetwork(client: Db, uid: string): Promise<NetworkRow | undefined> {
  const { rows } = await client.query<NetworkRow>(`SELECT ${networkColumns} FROM networks WHERE uid = $1`, [
    uid,
  ]);
  return rows[0];
}

export async function findNetworkByName(
  client: Db,
  scope: string,
  name: string,
): Promise<NetworkRow | undefined> {
  const { rows } = await client.query<NetworkRow>(
    `SELECT ${networkColumns} FROM networks WHERE scope = $1 AND name = $2`,
    [scope, name],
  );
  return rows[0];
}

export interface NetworkClaim {
  uid: string;
  scope: string;
  name: string;
  region: string;
  cidr?: string;
  prefixLength?: number;
}

/** Records the network's CIDR (explicit, or the first free block of the tenant's pool). Call inside a transaction. */
export async function allocateNetwork(client: PoolClient, claim: NetworkClaim): Promise<NetworkRow> {
  const existing = await findNetwork(client, claim.uid);
  if (existing) return existing;
  await serialise(client, `networks/${claim.scope}`);
  for (let i = 0; i < maxRaceRetries; i++) {
    let cidr: string;
    if (claim.cidr) {
      cidr = formatCidr(parseCidr(claim.cidr));
    } else {
      const { rows } = await client.query<{ cidr: string }>(
        'SELECT cidr::text FROM networks WHERE scope = $1',
        [claim.scope],
      );
      const block = firstFreeBlock(
        tenantPool,
        claim.prefixLength!,
        rows.map((r) => parseCidr(r.cidr)),
      );
      if (!block) {
        throw new IpamRefusal(
          `no free /${claim.prefixLength} left in ${formatCidr(tenantPool)} for this tenant; delete a network or ask for a smaller prefix`,
          'Exhausted',
        );
      }
      cidr = formatCidr(block);
    }
    const inserted = await attempt(client, () =>
      client.query('INSERT INTO networks (uid, scope, name, region, cidr) VALUES ($1, $2, $3, $4, $5)', [
        claim.uid,
        claim.scope,
        claim.name,
        claim.region,
        cidr,
      ]),
    );
    if (inserted !== 'clash') return (await findNetwork(client, claim.uid))!;
    if (claim.cidr) {
      const { rows } = await client.query<RangeHolder>(
        'SELECT uid::text, name, cidr::text FROM networks WHERE scope = $1 AND cidr && $2::cidr AND uid <> $3 LIMIT 1',
        [claim.scope, cidr, claim.uid],
      );
      const other = rows[0];
      if (other)
        throw new IpamRefusal(`${cidr} overlaps network ${other.name} (${other.cidr})`, 'Overlap', other);
      if (await findNetwork(client, claim.uid)) return (await findNetwork(client, claim.uid))!;
      throw new IpamRefusal(`a network named ${claim.name} already exists in this namespace`, 'Overlap');
    }
  }
  throw new Error(`allocating a network CIDR lost ${maxRaceRetries} races in a row; retrying later`);
}

export interface SubnetClaim {
  name: string;
  zone: string;
  cidr?: string;
  prefixLength?: number;
}

export interface SubnetRow {
  name: string;
  zone: string;
  cidr: string;
}

export async function listSubnets(client: Db, networkUid: string): Promise<SubnetRow[]> {
  const { rows } = await client.query<SubnetRow>(
    'SELECT name, zone, cidr::text FROM subnets WHERE network_uid = $1 ORDER BY name',
    [networkUid],
  );
  return rows;
}

/** Records every subnet not yet recorded, inside the network's CIDR. Call inside a transaction. */
export async function allocateSubnets(
  client: PoolClient,
  network: NetworkRow,
  claims: readonly SubnetClaim[],
): Promise<SubnetRow[]> {
  const pool = parseCidr(network.cidr);
  await serialise(client, `subnets/${network.uid}`);
  for (const claim of claims) {
    const have = (await listSubnets(client, network.uid)).find((s) => s.name === claim.name);
    if (have) continue;
    let done = false;
    for (let i = 0; i < maxRaceRetries && !done; i++) {
      const taken = (await listSubnets(client, network.uid)).map((s) => parseCidr(s.cidr));
      const block = claim.cidr ? parseCidr(claim.cidr) : firstFreeBlock(pool, claim.prefixLength!, taken);
      if (!block) {
        throw new IpamRefusal(
          `subnet ${claim.name}: no free /${claim.prefixLength} left in ${network.cidr}`,
          'Exhausted',
        );
      }
      const result = await attempt(client, () =>
        client.query('INSERT INTO subnets (network_uid, name, zone, cidr) VALUES ($1, $2, $3, $4)', [
          network.uid,
          claim.name,
          claim.zone,
          formatCidr(block),
        ]),
      );
      if (result !== 'clash') done = true;
      else if (claim.cidr) {
        throw new IpamRefusal(
          `subnet ${claim.name}: ${claim.cidr} overlaps another subnet of this network`,
          'Overlap',
        );
      }
    }
    if (!done)
      throw new Error(
        `allocating subnet ${claim.name} lost ${maxRaceRetries} races in a row; retrying later`,
      );
  }
  return listSubnets(client, network.uid);
}

/** What infra_db holds for a network: what was applied, which a later spec is judged against. */
export interface RecordedNetwork {
  region: string;
  cidr: string;
  subnets: readonly SubnetRow[];
}

/** The network's recorded range, region and subnets; undefined before anything is recorded. */
export async function recordedNetwork(db: Db, uid: string): Promise<RecordedNetwork | undefined> {
  const row = await findNetwork(db, uid);
  if (!row) return undefined;
  return { region: row.region, cidr: row.cidr, subnets: await listSubnets(db, uid) };
}

export interface SubnetUsage extends SubnetRow {
  usableAddresses: number;
  allocatedAddresses: number;
}

export async function subnetUsage(client: Db, networkUid: string): Promise<SubnetUsage[]> {
  const subnets = await listSubnets(client, networkUid);
  const { rows } = await client.query<{ subnet: string; n: string }>(
    'SELECT subnet, count(*) AS n FROM addresses WHERE network_uid = $1 GROUP BY subnet',
    [networkUid],
  );
  const counts = new Map(rows.map((r) => [r.subnet, Number(r.n)]));
  return subnets.map((s) => ({
    ...s,
    usableAddresses: assignableCount(parseCidr(s.cidr)),
    allocatedAddresses: counts.get(s.name) ?? 0,
  }));
}

/** The instance's address in the subnet: the one it already holds, or the lowest free one. */
export async function allocateAddress(
  client: PoolClient,
  networkUid: string,
  subnet: string,
  ownerUid: string,
): Promise<string> {
  for (let i = 0; i < maxRaceRetries; i++) {
    const own = await client.query<{ address: string }>(
      'SELECT host(address) AS address FROM addresses WHERE owner_uid = $1',
      [ownerUid],
    );
    if (own.rows[0]) return own.rows[0].address;
    await serialise(client, `addresses/${networkUid}/${subnet}`);
    const row = (await listSubnets(client, networkUid)).find((s) => s.name === subnet);
    if (!row) throw new IpamRefusal(`subnet ${subnet} does not exist in this network`, 'OutsideNetwork');
    const used = await client.query<{ address: string }>(
      'SELECT host(address) AS address FROM addresses WHERE network_uid = $1 AND subnet = $2',
      [networkUid, subnet],
    );
    const cidr = parseCidr(row.cidr);
    const free = firstFreeAddress(cidr, new Set(used.rows.map((r) => parseIp(r.address))));
    if (free === undefined) {
      throw new IpamRefusal(
        `subnet ${subnet} (${row.cidr}) has no free address: all ${assignableCount(cidr)} assignable addresses are in use`,
        'Exhausted',
      );
    }
    const result = await attempt(client, () =>
      client.query(
        'INSERT INTO addresses (network_uid, subnet, address, owner_uid) VALUES ($1, $2, $3, $4)',
        [networkUid, subnet, formatIp(free), ownerUid],
      ),
    );
    if (result !== 'clash') return formatIp(free);
  }
  throw new Error(`allocating an address in ${subnet} lost ${maxRaceRetries} races in a row; retrying later`);
}

export async function releaseAddress(client: PoolClient, ownerUid: string): Promise<void> {
  await client.query('DELETE FROM addresses WHERE owner_uid = $1', [ownerUid]);
}

/** Refuses (InUse) while instances still hold addresses in the network. */
export async function refuseWhileInUse(client: Db, uid: string): Promise<void> {
  const { rows } = await client.query<{ n: string }>(
    'SELECT count(*) AS n FROM addresses WHERE network_uid = $1',
    [uid],
  );
  const inUse = Number(rows[0]!.n);
  if (inUse > 0) {
    throw new IpamRefusal(
      `${inUse} instance(s) still hold addresses in this network; delete them first`,
      'InUse',
    );
  }
}

/** Frees the network's CIDR and subnets; refused while instances still hold addresses in it. */
export async function releaseNetwork(client: PoolClient, uid: string): Promise<void> {
  await refuseWhileInUse(client, uid);
  await client.query('DELETE FROM networks WHERE uid = $1', [uid]);
}
