// Block volumes in the simulated cloud: created in one zone, grown (never shrunk) and deleted through
// operations, with the same idempotency tokens, outages and eventual consistency as instances and networks.
import { randomUUID } from 'node:crypto';
import type { CreateVolumeRequest, Operation, VolumeInfo } from '../types.ts';
import type { Journal } from './journal.ts';
import { refusalCode, SimulatorError } from './errors.ts';
import type { OperationRecord, SimulatorConfig } from './state.ts';

export type VolumeAction = 'create-volume' | 'resize-volume' | 'delete-volume';

export const isVolumeAction = (type: string): type is VolumeAction =>
  type === 'create-volume' || type === 'resize-volume' || type === 'delete-volume';

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
    const regions = this.ctx.config.regions;
    const region = regions.find((r) => r.name === req.region);
    if (!region)
      throw new SimulatorError(
        400,
        'InvalidRegion',
        `region ${req.region} does not exist; regions: ${regions.map((r) => r.name).join(', ')}`,
      );
    if (!region.zones.includes(req.zone))
      throw new SimulatorError(
        400,
        'InvalidZone',
        `zone ${req.zone} is not in region ${req.region}; zones: ${region.zones.join(', ')}`,
      );
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
    const vol = this.records.get(id);
    if (!vol || vol.state === 'deleted')
      throw new SimulatorError(404, 'NotFound', `volume ${id} does not exist`);
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

  get(id: string): VolumeInfo | undefined {
    this.ctx.settle(id);
    const vol = this.records.get(id);
    if (!vol || vol.visibleAt > this.ctx.now()) return undefined;
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
    const { type, target, sizeGiB } = op.action;
    const vol = this.records.get(target);
    const outage = vol && type !== 'delete-volume' ? this.ctx.outage(vol.region, vol.zone) : undefined;
    const fail = (code: string, message: string) => {
      op.status = 'failed';
      op.error = { code, message };
    };
    if (!vol || (type === 'resize-volume' && vol.state === 'deleted')) {
      fail('NotFound', `volume ${target} was deleted before the ${type} completed`);
    } else if (outage) {
      fail(refusalCode(outage), outage);
      if (type === 'create-volume') this.set({ ...vol, state: 'deleted' });
    } else {
      op.status = 'succeeded';
      // Visibility is measured from completion, not from when it was noticed.
      if (type === 'create-volume')
        this.set({ ...vol, visibleAt: op.dueAt + this.ctx.config.visibilityDelayMs });
      if (type === 'resize-volume') this.set({ ...vol, sizeGiB: Math.max(vol.sizeGiB, sizeGiB ?? 0) });
      if (type === 'delete-volume') this.set({ ...vol, state: 'deleted' });
    }
  }

  private pendingSizes(id: string): number[] {
    return [...this.ctx.operations.values()]
      .filter((o) => o.status === 'running' && o.action.type === 'resize-volume' && o.action.target === id)
      .map((o) => o.action.sizeGiB ?? 0);
  }

  private set(vol: VolumeRecord): void {
    this.records.set(vol.id, vol);
    this.ctx.journal?.append('volume', vol.id, vol);
  }
}
