// Block volumes in the simulated cloud: created in one zone, grown (never shrunk), attached to one instance of
// their zone at a time, detached and deleted through operations, with the same idempotency tokens, outages
// and eventual consistency as instances and networks; and the same changes made at once from the console.
import { randomUUID } from 'node:crypto';
import type { CreateVolumeRequest, Operation, Page, VolumeInfo, ZonePageQuery } from '../types.ts';
import type { Journal } from './journal.ts';
import { refusalCode, SimulatorError } from './errors.ts';
import { pageOf } from './pages.ts';
import { checkPlace } from './places.ts';
import type { SimulatorConfig } from './config.ts';
import type { OperationRecord } from './state.ts';

const volumeActions = [
  'create-volume',
  'resize-volume',
  'delete-volume',
  'attach-volume',
  'detach-volume',
] as const;
export type VolumeAction = (typeof volumeActions)[number];

export const isVolumeAction = (type: string): type is VolumeAction =>
  (volumeActions as readonly string[]).includes(type);

export interface VolumeRecord extends VolumeInfo {
  visibleAt: number;
  /** The idempotency token that created it: lets tests and operators find duplicates. */
  createdWith?: string;
}

/** What volumes need from the rest of the simulated cloud. */
export interface VolumeContext {
  now(): number;
  journal?: Journal;
  config: SimulatorConfig;
  operations: ReadonlyMap<string, OperationRecord>;
  outage(region: string, zone?: string): string | undefined;
  /** Where an instance is and how it stands, for attachments; undefined when there is no such instance. */
  instance(id: string): { region: string; zone: string; state: string } | undefined;
  /** A snapshot a volume of `sizeGiB` in `region` can be made from; throws why not. */
  snapshot(id: string, region: string, sizeGiB: number): { id: string; type: VolumeRecord['type'] };
  replay(token: string): Operation | undefined;
  /** Settles the due operations on one resource, so checks see what has already happened. */
  settle(target: string): void;
  start(token: string, action: OperationRecord['action'], resourceId?: string, refusal?: string): Operation;
}

export class Volumes {
  constructor(
    private readonly records: Map<string, VolumeRecord>,
    private readonly ctx: VolumeContext,
  ) {}

  create(req: CreateVolumeRequest): Operation {
    const seen = this.ctx.replay(req.idempotencyToken);
    if (seen) return seen;
    checkPlace(this.ctx.config, req.region, req.zone);
    const source = req.snapshotId ? this.ctx.snapshot(req.snapshotId, req.region, req.sizeGiB) : undefined;
    const outage = this.ctx.outage(req.region, req.zone);
    if (outage)
      return this.ctx.start(req.idempotencyToken, { type: 'create-volume', target: '' }, undefined, outage);
    const id = `vol-${randomUUID().slice(0, 17)}`;
    const vol: VolumeRecord = {
      id,
      region: req.region,
      zone: req.zone,
      type: req.type,
      sizeGiB: req.sizeGiB,
      state: 'available',
      visibleAt: Number.MAX_SAFE_INTEGER,
      createdWith: req.idempotencyToken,
      ...(source ? { sourceSnapshot: source.id } : {}),
    };
    this.set(vol);
    const op = this.ctx.start(req.idempotencyToken, { type: 'create-volume', target: id }, id);
    // An injected failure ends the create at once: the volume never comes to be.
    if (op.status === 'failed') this.set({ ...vol, state: 'deleted' });
    return op;
  }

  resize(id: string, sizeGiB: number, token: string): Operation {
    const seen = this.ctx.replay(token);
    if (seen) return seen;
    this.ctx.settle(id);
    const vol = this.live(id);
    // Growth still in flight counts: accepting a smaller target would shrink the volume when it lands.
    const growing = Math.max(vol.sizeGiB, ...this.pendingSizes(id));
    if (sizeGiB <= growing)
      throw new SimulatorError(
        400,
        'InvalidSize',
        `volume ${id} is ${vol.sizeGiB} GiB${growing > vol.sizeGiB ? `, already growing to ${growing} GiB` : ''}; ` +
          `it can only grow, and ${sizeGiB} GiB is not larger`,
      );
    return this.ctx.start(
      token,
      { type: 'resize-volume', target: id, sizeGiB },
      id,
      this.ctx.outage(vol.region, vol.zone),
    );
  }

  /** Like networks: deleting a deleted volume is accepted and changes nothing; an outage does not block it. */
  delete(id: string, token: string): Operation {
    const seen = this.ctx.replay(token);
    if (seen) return seen;
    if (!this.records.has(id)) throw new SimulatorError(404, 'NotFound', `volume ${id} does not exist`);
    return this.ctx.start(token, { type: 'delete-volume', target: id }, id);
  }

  /** Attaches the volume to an instance of its own zone; refused while another instance holds it. */
  attach(id: string, instanceId: string, token: string): Operation {
    const seen = this.ctx.replay(token);
    if (seen) return seen;
    this.ctx.settle(id);
    const vol = this.live(id);
    const inst = this.ctx.instance(instanceId);
    if (!inst || inst.state === 'terminated')
      throw new SimulatorError(404, 'NotFound', `instance ${instanceId} does not exist`);
    if (inst.region !== vol.region || inst.zone !== vol.zone)
      throw new SimulatorError(
        400,
        'ZoneMismatch',
        `volume ${id} is in ${vol.zone} and instance ${instanceId} in ${inst.zone}; ` +
          'a volume attaches only to an instance of its own zone',
      );
    // An attach still in flight holds the volume as much as one that has landed.
    const holder =
      vol.attachedTo ??
      [...this.ctx.operations.values()].find(
        (o) => o.status === 'running' && o.action.type === 'attach-volume' && o.action.target === id,
      )?.action.instanceId;
    if (holder && holder !== instanceId)
      throw new SimulatorError(
        409,
        'VolumeInUse',
        `volume ${id} is attached to instance ${holder}; detach it first`,
      );
    return this.ctx.start(
      token,
      { type: 'attach-volume', target: id, instanceId },
      id,
      this.ctx.outage(vol.region, vol.zone),
    );
  }

  /** Detaches the volume from whatever holds it; detaching a detached or deleted volume changes nothing. */
  detach(id: string, token: string): Operation {
    const seen = this.ctx.replay(token);
    if (seen) return seen;
    const vol = this.records.get(id);
    if (!vol) throw new SimulatorError(404, 'NotFound', `volume ${id} does not exist`);
    const outage = vol.state === 'deleted' ? undefined : this.ctx.outage(vol.region, vol.zone);
    return this.ctx.start(token, { type: 'detach-volume', target: id }, id, outage);
  }

  get(id: string): VolumeInfo | undefined {
    this.ctx.settle(id);
    const vol = this.records.get(id);
    if (!vol || vol.visibleAt > this.ctx.now()) return undefined;
    return this.view(vol);
  }

  /** One page of the volumes of a zone that exist and can be seen (the caller settles first). */
  page(query: ZonePageQuery): Page<VolumeInfo> {
    checkPlace(this.ctx.config, query.region, query.zone);
    const now = this.ctx.now();
    const listed = [...this.records.values()].filter(
      (v) =>
        v.region === query.region && v.zone === query.zone && v.state !== 'deleted' && v.visibleAt <= now,
    );
    return pageOf(listed, `volumes in ${query.region}/${query.zone}`, query, (v) => this.view(v));
  }

  /** Out of band: the volume is gone at once, detached from whatever held it. */
  deleteNow(id: string): VolumeInfo {
    this.ctx.settle(id);
    return this.view(this.set({ ...detached(this.live(id)), state: 'deleted' }));
  }

  /** Out of band: the volume is larger at once; it still never shrinks. */
  growNow(id: string, sizeGiB: number): VolumeInfo {
    this.ctx.settle(id);
    const vol = this.live(id);
    if (sizeGiB <= vol.sizeGiB)
      throw new SimulatorError(
        400,
        'InvalidSize',
        `volume ${id} is ${vol.sizeGiB} GiB; it can only grow, and ${sizeGiB} GiB is not larger`,
      );
    return this.view(this.set({ ...vol, sizeGiB }));
  }

  /** Out of band: the volume is detached at once. */
  detachNow(id: string): VolumeInfo {
    this.ctx.settle(id);
    const vol = this.live(id);
    if (!vol.attachedTo)
      throw new SimulatorError(409, 'NotAttached', `volume ${id} is not attached to any instance`);
    return this.view(this.set(detached(vol)));
  }

  /** An instance that ends lets go of every volume attached to it. */
  detachFrom(instanceId: string): void {
    for (const vol of this.records.values()) if (vol.attachedTo === instanceId) this.set(detached(vol));
  }

  private live(id: string): VolumeRecord {
    const vol = this.records.get(id);
    if (!vol || vol.state === 'deleted')
      throw new SimulatorError(404, 'NotFound', `volume ${id} does not exist`);
    return vol;
  }

  /** The volume as the provider shows it: an outage in its zone shows as failed. */
  private view(vol: VolumeRecord): VolumeInfo {
    const outage = vol.state === 'deleted' ? undefined : this.ctx.outage(vol.region, vol.zone);
    const { visibleAt: _t, createdWith: _c, ...info } = vol;
    return outage ? { ...info, state: 'failed', message: outage } : info;
  }

  /** Every volume as stored (the caller settles first): the admin view. */
  list(): { id: string; state: string; sizeGiB: number; createdWith?: string }[] {
    return [...this.records.values()].map((v) => ({
      id: v.id,
      state: v.state,
      sizeGiB: v.sizeGiB,
      createdWith: v.createdWith,
    }));
  }

  /** Completes a due volume operation; an outage at completion fails it and leaves the volume as it was. */
  settle(op: OperationRecord): void {
    const { type, target, sizeGiB, instanceId } = op.action;
    const vol = this.records.get(target);
    const outage =
      vol && type !== 'delete-volume' && !(type === 'detach-volume' && vol.state === 'deleted')
        ? this.ctx.outage(vol.region, vol.zone)
        : undefined;
    const fail = (code: string, message: string) => {
      op.status = 'failed';
      op.error = { code, message };
    };
    const inst = instanceId ? this.ctx.instance(instanceId) : undefined;
    if (!vol || ((type === 'resize-volume' || type === 'attach-volume') && vol.state === 'deleted')) {
      fail('NotFound', `volume ${target} was deleted before the ${type} completed`);
    } else if (outage) {
      fail(refusalCode(outage), outage);
      if (type === 'create-volume') this.set({ ...vol, state: 'deleted' });
    } else if (type === 'attach-volume' && (!inst || inst.state === 'terminated')) {
      fail('NotFound', `instance ${instanceId} was deleted before the attach-volume completed`);
    } else if (type === 'attach-volume' && vol.attachedTo && vol.attachedTo !== instanceId) {
      fail('VolumeInUse', `volume ${target} was attached to instance ${vol.attachedTo} first`);
    } else {
      op.status = 'succeeded';
      // Visibility is measured from completion, not from when it was noticed.
      if (type === 'create-volume')
        this.set({ ...vol, visibleAt: op.dueAt + this.ctx.config.visibilityDelayMs });
      if (type === 'resize-volume') this.set({ ...vol, sizeGiB: Math.max(vol.sizeGiB, sizeGiB ?? 0) });
      // A deleted volume is held by nothing.
      if (type === 'delete-volume') this.set({ ...detached(vol), state: 'deleted' });
      if (type === 'attach-volume') this.set({ ...vol, attachedTo: instanceId });
      if (type === 'detach-volume' && vol.attachedTo) this.set(detached(vol));
    }
  }

  private pendingSizes(id: string): number[] {
    return [...this.ctx.operations.values()]
      .filter((o) => o.status === 'running' && o.action.type === 'resize-volume' && o.action.target === id)
      .map((o) => o.action.sizeGiB ?? 0);
  }

  private set(vol: VolumeRecord): VolumeRecord {
    this.records.set(vol.id, vol);
    this.ctx.journal?.append('volume', vol.id, vol);
    return vol;
  }
}

function detached(vol: VolumeRecord): VolumeRecord {
  const { attachedTo: _a, ...rest } = vol;
  return rest;
}
