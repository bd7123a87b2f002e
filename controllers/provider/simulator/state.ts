// The simulated cloud: regions, zones, hosts with capacity, instances with public addresses and security
// groups, networks, volumes and asynchronous operations, with idempotency tokens, injected faults, eventual
// consistency, paged listings per zone and out-of-band (console) edits. Every change is journaled.
import { randomUUID } from 'node:crypto';
import type {
  CreateInstanceRequest,
  CreateVolumeRequest,
  HostInfo,
  InstanceInfo,
  InstanceSize,
  NetworkInfo,
  Operation,
  Page,
  PageQuery,
  Region,
  SecurityGroup,
  SnapshotInfo,
  SnapshotPageQuery,
  VolumeInfo,
  ZonePageQuery,
} from '../types.ts';
import { noFaults, type Faults, type SimulatorConfig } from './config.ts';
import { refusalCode, SimulatorError } from './errors.ts';
import { Hosts, type HostRecord } from './hosts.ts';
import type { Journal, JournalRecord } from './journal.ts';
import { OutOfBandLog, outOfBandRecord, type OutOfBandEdit } from './out-of-band.ts';
import { pageOf } from './pages.ts';
import { checkPlace } from './places.ts';
import { PublicIps } from './public-ips.ts';
import {
  checkRule,
  checkSecurityGroups,
  withRule,
  withoutRule,
  type RuleEditRequest,
} from './security-groups.ts';
import { Volumes, isVolumeAction, type VolumeAction, type VolumeRecord } from './volumes.ts';
import { Snapshots, isSnapshotAction, type SnapshotAction, type SnapshotRecord } from './snapshots.ts';

export { defaultConfig, noFaults, type Faults, type SimulatorConfig } from './config.ts';

type ActionType =
  | 'create-instance'
  | 'start'
  | 'stop'
  | 'delete-instance'
  | 'resize-instance'
  | 'update-security-groups'
  | 'create-network'
  | 'delete-network'
  | VolumeAction
  | SnapshotAction;

interface InstanceRecord extends InstanceInfo {
  gpu: number;
  visibleAt: number;
  /** The idempotency token that created it: lets tests and operators find duplicates. */
  createdWith?: string;
}

interface NetworkRecord extends NetworkInfo {
  visibleAt: number;
}

export interface OperationRecord extends Operation {
  dueAt: number;
  /**
   * sizeGiB: a volume resize's target; size: an instance resize's; securityGroups: what an update puts in
   * place; instanceId: the instance a volume is attached to.
   */
  action: {
    type: ActionType;
    target: string;
    sizeGiB?: number;
    size?: InstanceSize;
    securityGroups?: SecurityGroup[];
    instanceId?: string;
  };
}

/** What an out-of-band edit answers: the edit as journaled, and what it changed as the provider shows it. */
export interface OutOfBandResult {
  edit: OutOfBandEdit;
  instance?: InstanceInfo;
  volume?: VolumeInfo;
  network?: NetworkInfo;
}

/** Actions that need their instance to still exist when they complete. */
const onLiveInstance = new Set<ActionType>(['start', 'stop', 'resize-instance', 'update-security-groups']);

export class CloudState {
  readonly hosts: Map<string, HostRecord>;
  readonly instances = new Map<string, InstanceRecord>();
  readonly networks = new Map<string, NetworkRecord>();
  readonly volumes = new Map<string, VolumeRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly operations = new Map<string, OperationRecord>();
  readonly tokens = new Map<string, string>();
  /** The public addresses live instances hold; derived from the instances, so never journaled itself. */
  private readonly room: Hosts;
  private readonly publicIps: PublicIps;
  private readonly volumeOps: Volumes;
  private readonly snapshotOps: Snapshots;
  private readonly outOfBand: OutOfBandLog;
  faults: Faults = { ...noFaults };

  constructor(
    private readonly config: SimulatorConfig,
    private readonly now: () => number = Date.now,
    private readonly journal?: Journal,
    private readonly random: () => number = Math.random,
  ) {
    this.publicIps = new PublicIps(config);
    this.outOfBand = new OutOfBandLog(() => this.now(), journal);
    this.room = new Hosts(config);
    this.hosts = this.room.records;
    this.volumeOps = new Volumes(this.volumes, {
      now: () => this.now(),
      journal,
      config,
      operations: this.operations,
      outage: (region, zone) => this.outage(region, zone),
      instance: (id) => this.instances.get(id),
      snapshot: (id, region, sizeGiB) => this.snapshotOps.usable(id, region, sizeGiB),
      replay: (token) => this.replay(token),
      settle: (target) => this.settleAll(target),
      start: (token, action, resourceId, refusal) =>
        this.startOperation(token, action.type, action, resourceId, refusal),
    });
    this.snapshotOps = new Snapshots(this.snapshots, {
      now: () => this.now(),
      journal,
      config,
      outage: (region, zone) => this.outage(region, zone),
      volume: (id) => this.volumes.get(id),
      replay: (token) => this.replay(token),
      settle: (target) => this.settleAll(target),
      start: (token, action, resourceId, refusal) =>
        this.startOperation(token, action.type, action, resourceId, refusal),
    });
  }

  restore(records: Map<string, JournalRecord>): void {
    const edits: OutOfBandEdit[] = [];
    for (const r of records.values()) {
      if (r.t === 'instance') {
        // Instances journaled before security groups existed have none.
        const inst = r.v as InstanceRecord;
        this.instances.set(r.id, { ...inst, securityGroups: inst.securityGroups ?? [] });
      } else if (r.t === outOfBandRecord) edits.push(r.v as OutOfBandEdit);
      else if (r.t === 'network') this.networks.set(r.id, r.v as NetworkRecord);
      else if (r.t === 'volume') this.volumes.set(r.id, r.v as VolumeRecord);
      else if (r.t === 'snapshot') this.snapshots.set(r.id, r.v as SnapshotRecord);
      else if (r.t === 'op') this.operations.set(r.id, r.v as OperationRecord);
      else if (r.t === 'token') this.tokens.set(r.id, r.v as string);
      else if (r.t === 'faults') this.faults = r.v as Faults;
    }
    this.outOfBand.restore(edits);
    this.room.clearUse();
    this.publicIps.clear();
    for (const i of this.instances.values()) {
      if (i.state === 'terminated') continue;
      this.room.charge(i, 1);
      if (i.publicIp) this.publicIps.hold(i.publicIp);
    }
    this.journal?.compact(this.records());
  }

  *records(): Generator<JournalRecord> {
    for (const [id, v] of this.instances) yield { t: 'instance', id, v };
    for (const [id, v] of this.networks) yield { t: 'network', id, v };
    for (const [id, v] of this.volumes) yield { t: 'volume', id, v };
    for (const [id, v] of this.snapshots) yield { t: 'snapshot', id, v };
    for (const [id, v] of this.operations) yield { t: 'op', id, v };
    for (const [id, v] of this.tokens) yield { t: 'token', id, v };
    for (const v of this.outOfBand.list()) yield { t: outOfBandRecord, id: String(v.seq), v };
    yield { t: 'faults', id: 'faults', v: this.faults };
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
    return this.room.list(region, (r, z) => this.outage(r, z));
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
    const securityGroups = checkSecurityGroups(req.securityGroups ?? []);
    this.settleRunning(); // deletes that are due have given back room and addresses
    const host = this.hosts.get(req.hostId);
    if (!host || host.zone !== req.zone || host.region !== req.region) {
      throw new SimulatorError(400, 'InvalidHost', `host ${req.hostId} is not in ${req.region}/${req.zone}`);
    }
    const gpu = req.gpu ?? 0;
    const outage = this.outage(req.region, req.zone);
    const fits = this.room.fits(host, { vcpu: req.vcpu, memoryMiB: req.memoryMiB, gpu });
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
      securityGroups,
      visibleAt: Number.MAX_SAFE_INTEGER,
      createdWith: req.idempotencyToken,
    };
    this.instances.set(id, inst);
    this.room.charge(inst, 1);
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
    const inst = this.liveInstance(id);
    const outage = type === 'delete-instance' ? undefined : this.outage(inst.region, inst.zone);
    return this.startOperation(token, type, { type, target: id }, id, outage);
  }

  /** Replaces the instance's security groups when the operation completes. */
  updateInstanceSecurityGroups(id: string, groups: unknown, token: string): Operation {
    const seen = this.replay(token);
    if (seen) return seen;
    const securityGroups = checkSecurityGroups(groups);
    const inst = this.liveInstance(id);
    return this.startOperation(
      token,
      'update-security-groups',
      { type: 'update-security-groups', target: id, securityGroups },
      id,
      this.outage(inst.region, inst.zone),
    );
  }

  /** Changes the instance's size; refused at once (409) when its host has no room for it. */
  resizeInstance(id: string, size: InstanceSize, token: string): Operation {
    const seen = this.replay(token);
    if (seen) return seen;
    this.settleRunning(); // deletes that are due have given back room
    const inst = this.liveInstance(id);
    const outage = this.outage(inst.region, inst.zone);
    const target = { vcpu: size.vcpu, memoryMiB: size.memoryMiB };
    // Growth other instances of the host were promised counts, or two resizes could both take the last room.
    const noRoom = outage ? undefined : this.room.noRoom(inst, target, this.pendingGrowth(inst.hostId, id));
    if (noRoom) throw new SimulatorError(409, 'InsufficientCapacity', noRoom);
    return this.startOperation(
      token,
      'resize-instance',
      { type: 'resize-instance', target: id, size: target },
      id,
      outage,
    );
  }

  createNetwork(req: { idempotencyToken: string; region: string; cidr: string }): Operation {
    const seen = this.replay(req.idempotencyToken);
    if (seen) return seen;
    checkPlace(this.config, req.region);
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

  attachVolume(id: string, instanceId: string, token: string): Operation {
    return this.volumeOps.attach(id, instanceId, token);
  }

  detachVolume(id: string, token: string): Operation {
    return this.volumeOps.detach(id, token);
  }

  getVolume(id: string): VolumeInfo | undefined {
    return this.volumeOps.get(id);
  }

  createSnapshot(volumeId: string, token: string): Operation {
    return this.snapshotOps.create(volumeId, token);
  }

  deleteSnapshot(id: string, token: string): Operation {
    return this.snapshotOps.delete(id, token);
  }

  getSnapshot(id: string): SnapshotInfo | undefined {
    return this.snapshotOps.get(id);
  }

  listSnapshots(query: SnapshotPageQuery): Page<SnapshotInfo> {
    this.settleRunning();
    return this.snapshotOps.page(query);
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
    return this.view(inst);
  }

  /** One page of the instances of a zone that exist (not terminated) and can be seen. */
  listInstances(query: ZonePageQuery): Page<InstanceInfo> {
    checkPlace(this.config, query.region, query.zone);
    this.settleRunning();
    const now = this.now();
    const listed = [...this.instances.values()].filter(
      (i) =>
        i.region === query.region && i.zone === query.zone && i.state !== 'terminated' && i.visibleAt <= now,
    );
    return pageOf(listed, `instances in ${query.region}/${query.zone}`, query, (i) => this.view(i));
  }

  /** One page of the volumes of a zone that exist (not deleted) and can be seen. */
  listVolumes(query: ZonePageQuery): Page<VolumeInfo> {
    this.settleRunning();
    return this.volumeOps.page(query);
  }

  /** One page of the networks of a region that exist (not deleted) and can be seen. */
  listNetworks(query: PageQuery): Page<NetworkInfo> {
    checkPlace(this.config, query.region);
    this.settleRunning();
    const now = this.now();
    const listed = [...this.networks.values()].filter(
      (n) => n.region === query.region && n.state !== 'deleted' && n.visibleAt <= now,
    );
    return pageOf(listed, `networks in ${query.region}`, query, ({ visibleAt: _t, ...info }) => info);
  }

  /** Out of band: the instance has the new size at once, if its host has room for it. */
  resizeInstanceNow(id: string, size: Partial<InstanceSize>): OutOfBandResult {
    this.settleRunning();
    const inst = this.liveInstance(id);
    const from = { vcpu: inst.vcpu, memoryMiB: inst.memoryMiB };
    const to = { vcpu: size.vcpu ?? inst.vcpu, memoryMiB: size.memoryMiB ?? inst.memoryMiB };
    const noRoom = this.room.noRoom(inst, to);
    if (noRoom) throw new SimulatorError(409, 'InsufficientCapacity', noRoom);
    this.room.charge(inst, -1);
    return this.changedNow({ ...inst, ...to }, 'resize-instance', { from, to }, 1);
  }

  /** Out of band: a running instance stops, or a stopped one runs, at once. */
  setPowerNow(id: string, power: 'running' | 'stopped'): OutOfBandResult {
    this.settleAll(id);
    const inst = this.liveInstance(id);
    if (inst.state !== 'running' && inst.state !== 'stopped')
      throw new SimulatorError(
        409,
        'InvalidState',
        `instance ${id} is ${inst.state}; only a running or stopped instance can be started or stopped`,
      );
    return this.changedNow({ ...inst, state: power }, 'set-power', { from: inst.state, to: power });
  }

  /** Out of band: one rule more in one of the instance's groups (a group not there yet is created). */
  addRuleNow(id: string, edit: RuleEditRequest): OutOfBandResult {
    return this.editRuleNow(id, edit, 'add-rule');
  }

  /** Out of band: one rule less in one of the instance's groups. */
  removeRuleNow(id: string, edit: RuleEditRequest): OutOfBandResult {
    return this.editRuleNow(id, edit, 'remove-rule');
  }

  /** Out of band: the instance is terminated at once, its room, address and volumes let go. */
  deleteInstanceNow(id: string): OutOfBandResult {
    this.settleAll(id);
    const ended = this.terminate(this.liveInstance(id));
    return { edit: this.outOfBand.record('delete-instance', id), instance: this.view(ended) };
  }

  deleteVolumeNow(id: string): OutOfBandResult {
    const volume = this.volumeOps.deleteNow(id);
    return { edit: this.outOfBand.record('delete-volume', id), volume };
  }

  growVolumeNow(id: string, sizeGiB: number): OutOfBandResult {
    const from = this.volumeOps.get(id)?.sizeGiB;
    const volume = this.volumeOps.growNow(id, sizeGiB);
    return { edit: this.outOfBand.record('grow-volume', id, { from, to: sizeGiB }), volume };
  }

  detachVolumeNow(id: string): OutOfBandResult {
    const from = this.volumeOps.get(id)?.attachedTo;
    const volume = this.volumeOps.detachNow(id);
    return { edit: this.outOfBand.record('detach-volume', id, { from }), volume };
  }

  /** Out of band: the network is deleted at once. */
  deleteNetworkNow(id: string): OutOfBandResult {
    this.settleAll(id);
    const net = this.networks.get(id);
    if (!net || net.state === 'deleted')
      throw new SimulatorError(404, 'NotFound', `network ${id} does not exist`);
    this.setNetwork({ ...net, state: 'deleted' });
    return { edit: this.outOfBand.record('delete-network', id), network: this.getNetwork(id) };
  }

  /** Every out-of-band edit, in the order made. */
  outOfBandEdits(): readonly OutOfBandEdit[] {
    return this.outOfBand.list();
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
    else if (isSnapshotAction(op.action.type)) this.snapshotOps.settle(op);
    else this.settleCompute(op);
    this.journal?.append('op', op.id, op);
  }

  /** Completes a due instance or network operation. */
  private settleCompute(op: OperationRecord): void {
    const { type, target, size, securityGroups } = op.action;
    const inst = this.instances.get(target);
    const outage = inst && type !== 'delete-instance' ? this.outage(inst.region, inst.zone) : undefined;
    const noRoom = type === 'resize-instance' && inst && size ? this.room.noRoom(inst, size) : undefined;
    if (onLiveInstance.has(type) && (!inst || inst.state === 'terminated')) {
      // Deleted meanwhile (from the console, or by a delete that landed first): nothing comes back to life.
      op.status = 'failed';
      op.error = { code: 'NotFound', message: `instance ${target} was deleted before the ${type} completed` };
    } else if (outage) {
      op.status = 'failed';
      op.error = { code: 'ZoneUnavailable', message: outage };
      if (type === 'create-instance' && inst) this.terminate(inst);
    } else if (noRoom) {
      // The host filled up (from the console) since the resize was accepted.
      op.status = 'failed';
      op.error = { code: 'InsufficientCapacity', message: noRoom };
    } else {
      op.status = 'succeeded';
      const visibleAt = op.dueAt + this.config.visibilityDelayMs; // measured from completion, not from when it was noticed
      if (type === 'create-instance' && inst) this.setInstance({ ...inst, state: 'running', visibleAt });
      if (type === 'start' && inst) this.setInstance({ ...inst, state: 'running' });
      if (type === 'stop' && inst) this.setInstance({ ...inst, state: 'stopped' });
      if (type === 'delete-instance' && inst && inst.state !== 'terminated') this.terminate(inst);
      if (type === 'resize-instance' && inst && size) {
        this.room.charge(inst, -1);
        this.setInstance({ ...inst, ...size }, 1);
      }
      if (type === 'update-security-groups' && inst && securityGroups)
        this.setInstance({ ...inst, securityGroups });
      const net = this.networks.get(target);
      if (type === 'create-network' && net) this.setNetwork({ ...net, visibleAt });
      if (type === 'delete-network' && net) this.setNetwork({ ...net, state: 'deleted' });
    }
  }

  /** Ends an instance: its room on the host, its public address and its volumes are given back. */
  private terminate(inst: InstanceRecord): InstanceRecord {
    const { publicIp, ...rest } = inst;
    if (publicIp) this.publicIps.release(publicIp);
    this.volumeOps.detachFrom(inst.id);
    return this.setInstance({ ...rest, state: 'terminated' }, -1);
  }

  private setInstance(inst: InstanceRecord, charge?: number): InstanceRecord {
    if (charge) this.room.charge(inst, charge);
    this.instances.set(inst.id, inst);
    this.journal?.append('instance', inst.id, inst);
    return inst;
  }

  /** The instance, unless there is none or it was terminated (404). */
  private liveInstance(id: string): InstanceRecord {
    const inst = this.instances.get(id);
    if (!inst || inst.state === 'terminated')
      throw new SimulatorError(404, 'NotFound', `instance ${id} does not exist`);
    return inst;
  }

  /** The instance as the provider shows it: an outage in its zone shows as failed. */
  private view(inst: InstanceRecord): InstanceInfo {
    const outage = inst.state === 'terminated' ? undefined : this.outage(inst.region, inst.zone);
    const { gpu: _g, visibleAt: _t, createdWith: _c, ...info } = inst;
    return outage ? { ...info, state: 'failed', message: outage } : info;
  }

  /** Growth promised to the host's other instances by resizes that have not landed yet. */
  private pendingGrowth(hostId: string, except: string): InstanceSize {
    const growth = { vcpu: 0, memoryMiB: 0 };
    for (const op of this.operations.values()) {
      const { type, target, size } = op.action;
      const inst = this.instances.get(target);
      if (op.status !== 'running' || type !== 'resize-instance' || target === except) continue;
      if (!inst || inst.hostId !== hostId || !size) continue;
      growth.vcpu += Math.max(0, size.vcpu - inst.vcpu);
      growth.memoryMiB += Math.max(0, size.memoryMiB - inst.memoryMiB);
    }
    return growth;
  }

  /** Stores an out-of-band change, journals it as such, and answers with the instance as shown. */
  private changedNow(
    inst: InstanceRecord,
    action: OutOfBandEdit['action'],
    detail: Record<string, unknown>,
    charge?: number,
  ): OutOfBandResult {
    this.setInstance(inst, charge);
    return { edit: this.outOfBand.record(action, inst.id, detail), instance: this.view(inst) };
  }

  private editRuleNow(
    id: string,
    edit: RuleEditRequest,
    action: 'add-rule' | 'remove-rule',
  ): OutOfBandResult {
    const checked = { ...edit, rule: checkRule(edit.rule) };
    this.settleAll(id);
    const inst = this.liveInstance(id);
    const change = action === 'add-rule' ? withRule : withoutRule;
    const securityGroups = change(inst.securityGroups, checked);
    return this.changedNow({ ...inst, securityGroups }, action, { ...checked });
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
