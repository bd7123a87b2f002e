// The simulated cloud: regions, zones, hosts with capacity, instances with public addresses, networks, volumes
// and asynchronous operations, with idempotency tokens, injected faults and eventual consistency. Every change
// is journaled.
import { randomUUID } from 'node:crypto';
import type {
  Capacity,
  CreateInstanceRequest,
  CreateVolumeRequest,
  HostInfo,
  InstanceInfo,
  NetworkInfo,
  Operation,
  Region,
  VolumeInfo,
} from '../types.ts';
import { refusalCode, SimulatorError } from './errors.ts';
import type { Journal, JournalRecord } from './journal.ts';
import { PublicIps } from './public-ips.ts';
import { Volumes, isVolumeAction, type VolumeAction, type VolumeRecord } from './volumes.ts';

export interface SimulatorConfig {
  regions: { name: string; zones: string[] }[];
  hostsPerZone: number;
  hostCapacity: Capacity;
  latencyMs: number;
  visibilityDelayMs: number;
  /** Public address pools by region, as CIDRs; regions not named here get a documentation range. */
  publicIpPools?: Record<string, string>;
}

export const defaultConfig: SimulatorConfig = {
  regions: [
    { name: 'eu-west-1', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
    { name: 'us-east-1', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
  ],
  hostsPerZone: 20,
  hostCapacity: { vcpu: 64, memoryMiB: 262144, gpu: 0 },
  latencyMs: 200,
  visibilityDelayMs: 50,
};

export interface Faults {
  downZones: string[];
  downRegions: string[];
  throttleProbability: number;
  /** What a throttled answer asks the client to wait. */
  throttleRetryAfterMs: number;
  slowMs: number;
  failProbability: number;
  failMessage: string;
}

export const noFaults: Faults = {
  downZones: [],
  downRegions: [],
  throttleProbability: 0,
  throttleRetryAfterMs: 1000,
  slowMs: 0,
  failProbability: 0,
  failMessage: 'injected failure',
};

type ActionType =
  | 'create-instance'
  | 'start'
  | 'stop'
  | 'delete-instance'
  | 'create-network'
  | 'delete-network'
  | VolumeAction;

interface HostRecord extends HostInfo {
  used: Capacity;
}

interface InstanceRecord extends InstanceInfo {
  vcpu: number;
  memoryMiB: number;
  gpu: number;
  image: string;
  visibleAt: number;
  /** The idempotency token that created it: lets tests and operators find duplicates. */
  createdWith?: string;
}

interface NetworkRecord extends NetworkInfo {
  visibleAt: number;
}

export interface OperationRecord extends Operation {
  dueAt: number;
  /** sizeGiB: the target of a resize. */
  action: { type: ActionType; target: string; sizeGiB?: number };
}

export class CloudState {
  readonly hosts = new Map<string, HostRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly networks = new Map<string, NetworkRecord>();
  readonly volumes = new Map<string, VolumeRecord>();
  readonly operations = new Map<string, OperationRecord>();
  readonly tokens = new Map<string, string>();
  /** The public addresses live instances hold; derived from the instances, so never journaled itself. */
  private readonly publicIps: PublicIps;
  private readonly volumeOps: Volumes;
  faults: Faults = { ...noFaults };

  constructor(
    private readonly config: SimulatorConfig,
    private readonly now: () => number = Date.now,
    private readonly journal?: Journal,
    private readonly random: () => number = Math.random,
  ) {
    this.publicIps = new PublicIps(config);
    for (const r of config.regions) {
      for (const z of r.zones) {
        for (let i = 0; i < config.hostsPerZone; i++) {
          const id = `${z}-h${String(i).padStart(3, '0')}`;
          this.hosts.set(id, {
            id,
            region: r.name,
            zone: z,
            capacity: { ...config.hostCapacity },
            status: 'up',
            used: { vcpu: 0, memoryMiB: 0, gpu: 0 },
          });
        }
      }
    }
    this.volumeOps = new Volumes(this.volumes, {
      now: () => this.now(),
      journal,
      config,
      operations: this.operations,
      outage: (region, zone) => this.outage(region, zone),
      replay: (token) => this.replay(token),
      settle: (target) => this.settleAll(target),
      start: (token, action, resourceId, refusal) =>
        this.startOperation(token, action.type, action, resourceId, refusal),
    });
  }

  restore(records: Map<string, JournalRecord>): void {
    for (const r of records.values()) {
      if (r.t === 'instance') this.instances.set(r.id, r.v as InstanceRecord);
      else if (r.t === 'network') this.networks.set(r.id, r.v as NetworkRecord);
      else if (r.t === 'volume') this.volumes.set(r.id, r.v as VolumeRecord);
      else if (r.t === 'op') this.operations.set(r.id, r.v as OperationRecord);
      else if (r.t === 'token') this.tokens.set(r.id, r.v as string);
      else if (r.t === 'faults') this.faults = r.v as Faults;
    }
    for (const h of this.hosts.values()) h.used = { vcpu: 0, memoryMiB: 0, gpu: 0 };
    this.publicIps.clear();
    for (const i of this.instances.values()) {
      if (i.state === 'terminated') continue;
      this.charge(i, 1);
      if (i.publicIp) this.publicIps.hold(i.publicIp);
    }
    this.journal?.compact(this.records());
  }

  *records(): Generator<JournalRecord> {
    for (const [id, v] of this.instances) yield { t: 'instance', id, v };
    for (const [id, v] of this.networks) yield { t: 'network', id, v };
    for (const [id, v] of this.volumes) yield { t: 'volume', id, v };
    for (const [id, v] of this.operations) yield { t: 'op', id, v };
    for (const [id, v] of this.tokens) yield { t: 'token', id, v };
    yield { t: 'faults', id: 'faults', v: this.faults };
  }

  private charge(i: InstanceRecord, sign: number): void {
    const h = this.hosts.get(i.hostId);
    if (!h) return;
    h.used = {
      vcpu: h.used.vcpu + sign * i.vcpu,
      memoryMiB: h.used.memoryMiB + sign * i.memoryMiB,
      gpu: h.used.gpu + sign * i.gpu,
    };
  }

  setFaults(f: Partial<Faults>): Faults {
    this.faults = { ...this.faults, ...f };
    this.journal?.append('faults', 'faults', this.faults);
    return this.faults;
  }

  outage(region: string, zone?: string): string | undefined {
    if (this.faults.downRegions.includes(region)) return `region ${region} is down`;
    if (zone && this.faults.downZones.includes(zone)) return `zone ${zone} is down`;
    return undefined;
  }

  admit(): void {
    if (this.faults.throttleProbability > 0 && this.random() < this.faults.throttleProbability) {
      throw new SimulatorError(429, 'Throttled', 'request rate exceeded; retry later');
    }
  }

  regions(): Region[] {
    return this.config.regions.map((r) => ({
      name: r.name,
      status: this.faults.downRegions.includes(r.name) ? 'down' : 'up',
      zones: r.zones.map((z) => ({ name: z, status: this.outage(r.name, z) ? 'down' : 'up' })),
    }));
  }

  listHosts(region?: string): HostInfo[] {
    return [...this.hosts.values()]
      .filter((h) => !region || h.region === region)
      .map((h) => ({
        id: h.id,
        region: h.region,
        zone: h.zone,
        capacity: h.capacity,
        status: this.outage(h.region, h.zone) ? 'down' : 'up',
      }));
  }

  private startOperation(
    token: string,
    kind: ActionType,
    action: OperationRecord['action'],
    resourceId?: string,
    refusal?: string,
  ): Operation {
    const id = `op-${randomUUID()}`;
    const failed =
      refusal ??
      (this.faults.failProbability > 0 && this.random() < this.faults.failProbability
        ? this.faults.failMessage
        : undefined);
    const op: OperationRecord = {
      id,
      kind,
      status: failed ? 'failed' : 'running',
      ...(resourceId ? { resourceId } : {}),
      ...(failed
        ? { error: { code: refusal ? refusalCode(refusal) : 'InjectedFailure', message: failed } }
        : {}),
      dueAt: this.now() + this.config.latencyMs + this.faults.slowMs,
      action,
    };
    this.operations.set(id, op);
    this.journal?.append('op', id, op);
    this.tokens.set(token, id);
    this.journal?.append('token', token, id);
    return publicOp(op);
  }

  private replay(token: string): Operation | undefined {
    const id = this.tokens.get(token);
    return id ? this.getOperation(id) : undefined;
  }

  createInstance(req: CreateInstanceRequest): Operation {
    const seen = this.replay(req.idempotencyToken);
    if (seen) return seen;
    this.settleRunning(); // deletes that are due have given back room and addresses
    const host = this.hosts.get(req.hostId);
    if (!host || host.zone !== req.zone || host.region !== req.region) {
      throw new SimulatorError(400, 'InvalidHost', `host ${req.hostId} is not in ${req.region}/${req.zone}`);
    }
    const gpu = req.gpu ?? 0;
    const outage = this.outage(req.region, req.zone);
    const fits =
      host.used.vcpu + req.vcpu <= host.capacity.vcpu &&
      host.used.memoryMiB + req.memoryMiB <= host.capacity.memoryMiB &&
      host.used.gpu + gpu <= host.capacity.gpu;
    let refusal = outage ?? (fits ? undefined : `host ${req.hostId} has no room for ${req.vcpu} vCPU`);
    const publicIp = req.publicIp && !refusal ? this.publicIps.take(req.region) : undefined;
    if (req.publicIp && !refusal && !publicIp) refusal = `no public addresses left in region ${req.region}`;
    if (refusal)
      return this.startOperation(
        req.idempotencyToken,
        'create-instance',
        { type: 'create-instance', target: '' },
        undefined,
        refusal,
      );
    const id = `i-${randomUUID().slice(0, 17)}`;
    const inst: InstanceRecord = {
      id,
      region: req.region,
      zone: req.zone,
      hostId: req.hostId,
      state: 'pending',
      privateIp: req.privateIp,
      ...(publicIp ? { publicIp } : {}),
      vcpu: req.vcpu,
      memoryMiB: req.memoryMiB,
      gpu,
      image: req.image,
      visibleAt: Number.MAX_SAFE_INTEGER,
      createdWith: req.idempotencyToken,
    };
    this.instances.set(id, inst);
    this.charge(inst, 1);
    if (publicIp) this.publicIps.hold(publicIp);
    this.journal?.append('instance', id, inst);
    const op = this.startOperation(
      req.idempotencyToken,
      'create-instance',
      { type: 'create-instance', target: id },
      id,
    );
    // An injected failure ends the create at once: the room and the address it took are given back.
    if (op.status === 'failed') this.terminate(inst);
    return op;
  }

  instanceAction(id: string, token: string, type: 'start' | 'stop' | 'delete-instance'): Operation {
    const seen = this.replay(token);
    if (seen) return seen;
    const inst = this.instances.get(id);
    if (!inst || inst.state === 'terminated')
      throw new SimulatorError(404, 'NotFound', `instance ${id} does not exist`);
    const outage = type === 'delete-instance' ? undefined : this.outage(inst.region, inst.zone);
    return this.startOperation(token, type, { type, target: id }, id, outage);
  }

  createNetwork(req: { idempotencyToken: string; region: string; cidr: string }): Operation {
    const seen = this.replay(req.idempotencyToken);
    if (seen) return seen;
    if (!this.config.regions.some((r) => r.name === req.region))
      throw new SimulatorError(
        400,
        'InvalidRegion',
        `region ${req.region} does not exist; regions: ${this.config.regions.map((r) => r.name).join(', ')}`,
      );
    const outage = this.outage(req.region);
    if (outage)
      return this.startOperation(
        req.idempotencyToken,
        'create-network',
        { type: 'create-network', target: '' },
        undefined,
        outage,
      );
    const id = `vpc-${randomUUID().slice(0, 17)}`;
    const net: NetworkRecord = {
      id,
      region: req.region,
      cidr: req.cidr,
      state: 'available',
      visibleAt: Number.MAX_SAFE_INTEGER,
    };
    this.networks.set(id, net);
    this.journal?.append('network', id, net);
    return this.startOperation(
      req.idempotencyToken,
      'create-network',
      { type: 'create-network', target: id },
      id,
    );
  }

  deleteNetwork(id: string, token: string): Operation {
    const seen = this.replay(token);
    if (seen) return seen;
    if (!this.networks.has(id)) throw new SimulatorError(404, 'NotFound', `network ${id} does not exist`);
    return this.startOperation(token, 'delete-network', { type: 'delete-network', target: id }, id);
  }

  createVolume(req: CreateVolumeRequest): Operation {
    return this.volumeOps.create(req);
  }

  resizeVolume(id: string, sizeGiB: number, token: string): Operation {
    return this.volumeOps.resize(id, sizeGiB, token);
  }

  deleteVolume(id: string, token: string): Operation {
    return this.volumeOps.delete(id, token);
  }

  getVolume(id: string): VolumeInfo | undefined {
    return this.volumeOps.get(id);
  }

  getOperation(id: string): Operation {
    const op = this.operations.get(id);
    if (!op) throw new SimulatorError(404, 'NotFound', `operation ${id} does not exist`);
    this.settle(op);
    return publicOp(op);
  }

  getInstance(id: string): InstanceInfo | undefined {
    this.settleAll(id);
    const inst = this.instances.get(id);
    if (!inst || inst.visibleAt > this.now()) return undefined;
    const outage = inst.state === 'terminated' ? undefined : this.outage(inst.region, inst.zone);
    const { vcpu: _v, memoryMiB: _m, gpu: _g, image: _i, visibleAt: _t, createdWith: _c, ...info } = inst;
    return outage ? { ...info, state: 'failed', message: outage } : info;
  }

  /** Every instance as stored, settled first: the admin view. */
  allInstances(): { id: string; hostId: string; state: string; publicIp?: string; createdWith?: string }[] {
    this.settleRunning();
    return [...this.instances.values()].map((i) => ({
      id: i.id,
      hostId: i.hostId,
      state: i.state,
      publicIp: i.publicIp,
      createdWith: i.createdWith,
    }));
  }

  /** Every volume as stored, settled first: the admin view. */
  allVolumes(): ReturnType<Volumes['list']> {
    this.settleRunning();
    return this.volumeOps.list();
  }

  getNetwork(id: string): NetworkInfo | undefined {
    this.settleAll(id);
    const net = this.networks.get(id);
    if (!net || net.visibleAt > this.now()) return undefined;
    const { visibleAt: _t, ...info } = net;
    return info;
  }

  private settleAll(target: string): void {
    for (const op of this.operations.values())
      if (op.action.target === target && op.status === 'running') this.settle(op);
  }

  private settleRunning(): void {
    for (const op of this.operations.values()) if (op.status === 'running') this.settle(op);
  }

  private settle(op: OperationRecord): void {
    if (op.status !== 'running' || op.dueAt > this.now()) return;
    if (isVolumeAction(op.action.type)) this.volumeOps.settle(op);
    else this.settleCompute(op);
    this.journal?.append('op', op.id, op);
  }

  /** Completes a due instance or network operation. */
  private settleCompute(op: OperationRecord): void {
    const { type, target } = op.action;
    const inst = this.instances.get(target);
    const outage = inst && type !== 'delete-instance' ? this.outage(inst.region, inst.zone) : undefined;
    if (outage) {
      op.status = 'failed';
      op.error = { code: 'ZoneUnavailable', message: outage };
      if (type === 'create-instance' && inst) this.terminate(inst);
    } else {
      op.status = 'succeeded';
      const visibleAt = op.dueAt + this.config.visibilityDelayMs; // measured from completion, not from when it was noticed
      if (type === 'create-instance' && inst) this.setInstance({ ...inst, state: 'running', visibleAt });
      if (type === 'start' && inst) this.setInstance({ ...inst, state: 'running' });
      if (type === 'stop' && inst) this.setInstance({ ...inst, state: 'stopped' });
      if (type === 'delete-instance' && inst && inst.state !== 'terminated') this.terminate(inst);
      const net = this.networks.get(target);
      if (type === 'create-network' && net) this.setNetwork({ ...net, visibleAt });
      if (type === 'delete-network' && net) this.setNetwork({ ...net, state: 'deleted' });
    }
  }

  /** Ends an instance: its room on the host and its public address are given back. */
  private terminate(inst: InstanceRecord): void {
    const { publicIp, ...rest } = inst;
    if (publicIp) this.publicIps.release(publicIp);
    this.setInstance({ ...rest, state: 'terminated' }, -1);
  }

  private setInstance(inst: InstanceRecord, charge?: number): void {
    if (charge) this.charge(inst, charge);
    this.instances.set(inst.id, inst);
    this.journal?.append('instance', inst.id, inst);
  }

  private setNetwork(net: NetworkRecord): void {
    this.networks.set(net.id, net);
    this.journal?.append('network', net.id, net);
  }
}

function publicOp(op: OperationRecord): Operation {
  const { dueAt: _d, action: _a, ...rest } = op;
  return rest;
}
