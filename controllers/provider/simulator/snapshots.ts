// Volume snapshots in the simulated cloud: taken of a live volume as an operation (pending until it lands),
// recording the volume's size, type and zone; listed per region or zone; deleted as an operation. A snapshot
// outlives its volume once it has landed, and a volume can be created from it (see volumes.ts) in the same
// region at its size or larger.
import { randomUUID } from 'node:crypto';
import type { Operation, Page, SnapshotInfo, SnapshotPageQuery } from '../types.ts';
import type { Journal } from './journal.ts';
import { refusalCode, SimulatorError } from './errors.ts';
import { pageOf } from './pages.ts';
import { checkPlace } from './places.ts';
import type { SimulatorConfig } from './config.ts';
import type { OperationRecord } from './state.ts';
import type { VolumeRecord } from './volumes.ts';

const snapshotActions = ['create-snapshot', 'delete-snapshot'] as const;
export type SnapshotAction = (typeof snapshotActions)[number];

export const isSnapshotAction = (type: string): type is SnapshotAction =>
  (snapshotActions as readonly string[]).includes(type);

export interface SnapshotRecord extends SnapshotInfo {
  /** The idempotency token that created it: lets tests find duplicates. */
  createdWith?: string;
}

/** What snapshots need from the rest of the simulated cloud. */
export interface SnapshotContext {
  now(): number;
  journal?: Journal;
  config: SimulatorConfig;
  outage(region: string, zone?: string): string | undefined;
  volume(id: string): VolumeRecord | undefined;
  replay(token: string): Operation | undefined;
  settle(target: string): void;
  start(token: string, action: OperationRecord['action'], resourceId?: string, refusal?: string): Operation;
}

export class Snapshots {
  constructor(
    readonly records: Map<string, SnapshotRecord>,
    private readonly ctx: SnapshotContext,
  ) {}

  /** Starts a snapshot of a live volume; refused (404) for a volume that does not exist. */
  create(volumeId: string, token: string): Operation {
    const seen = this.ctx.replay(token);
    if (seen) return seen;
    this.ctx.settle(volumeId);
    const vol = this.ctx.volume(volumeId);
    if (!vol || vol.state === 'deleted')
      throw new SimulatorError(404, 'NotFound', `volume ${volumeId} does not exist`);
    const outage = this.ctx.outage(vol.region, vol.zone);
    if (outage) return this.ctx.start(token, { type: 'create-snapshot', target: '' }, undefined, outage);
    const id = `snap-${randomUUID().slice(0, 17)}`;
    const snap: SnapshotRecord = {
      id,
      volumeId,
      region: vol.region,
      zone: vol.zone,
      type: vol.type,
      sizeGiB: vol.sizeGiB,
      state: 'pending',
      createdAt: new Date(this.ctx.now()).toISOString(),
      createdWith: token,
    };
    this.set(snap);
    const op = this.ctx.start(token, { type: 'create-snapshot', target: id }, id);
    if (op.status === 'failed') this.set({ ...snap, state: 'deleted' });
    return op;
  }

  /** Deleting a deleted snapshot is accepted and changes nothing; an unknown one is a 404. */
  delete(id: string, token: string): Operation {
    const seen = this.ctx.replay(token);
    if (seen) return seen;
    if (!this.records.has(id)) throw new SimulatorError(404, 'NotFound', `snapshot ${id} does not exist`);
    return this.ctx.start(token, { type: 'delete-snapshot', target: id }, id);
  }

  get(id: string): SnapshotInfo | undefined {
    this.ctx.settle(id);
    const snap = this.records.get(id);
    return snap ? this.view(snap) : undefined;
  }

  /** A snapshot a volume can be created from, or a 400/404 that says why not. */
  usable(id: string, region: string, sizeGiB: number): SnapshotRecord {
    this.ctx.settle(id);
    const snap = this.records.get(id);
    if (!snap || snap.state === 'deleted')
      throw new SimulatorError(404, 'NotFound', `snapshot ${id} does not exist`);
    if (snap.state !== 'available')
      throw new SimulatorError(409, 'SnapshotNotReady', `snapshot ${id} is ${snap.state}, not available`);
    if (snap.region !== region)
      throw new SimulatorError(
        400,
        'RegionMismatch',
        `snapshot ${id} is in ${snap.region}; a volume is created from it only in ${snap.region}, not ${region}`,
      );
    if (sizeGiB < snap.sizeGiB)
      throw new SimulatorError(
        400,
        'InvalidSize',
        `snapshot ${id} holds ${snap.sizeGiB} GiB; a volume made from it needs at least that, not ${sizeGiB} GiB`,
      );
    return snap;
  }

  /** One page of the snapshots of a region, or of one zone of it, that exist (the caller settles first). */
  page(query: SnapshotPageQuery): Page<SnapshotInfo> {
    checkPlace(this.ctx.config, query.region, query.zone);
    const listed = [...this.records.values()].filter(
      (s) =>
        s.region === query.region &&
        (query.zone === undefined || s.zone === query.zone) &&
        s.state !== 'deleted',
    );
    const where = query.zone ?? query.region;
    return pageOf(listed, `snapshots in ${where}`, query, (s) => this.view(s));
  }

  /** Completes a due snapshot operation; an outage fails a create and the snapshot never comes to be. */
  settle(op: OperationRecord): void {
    const { type, target } = op.action;
    const snap = this.records.get(target);
    const fail = (code: string, message: string) => {
      op.status = 'failed';
      op.error = { code, message };
    };
    if (!snap) return fail('NotFound', `snapshot ${target} does not exist`);
    if (type === 'delete-snapshot') {
      op.status = 'succeeded';
      if (snap.state !== 'deleted') this.set({ ...snap, state: 'deleted' });
      return;
    }
    const vol = this.ctx.volume(snap.volumeId);
    const outage = this.ctx.outage(snap.region, snap.zone);
    if (snap.state === 'deleted') fail('NotFound', `snapshot ${target} was deleted before it completed`);
    else if (!vol || vol.state === 'deleted') {
      fail('NotFound', `volume ${snap.volumeId} was deleted before its snapshot completed`);
      this.set({ ...snap, state: 'deleted' });
    } else if (outage) {
      fail(refusalCode(outage), outage);
      this.set({ ...snap, state: 'deleted' });
    } else {
      op.status = 'succeeded';
      this.set({ ...snap, state: 'available' });
    }
  }

  private view(snap: SnapshotRecord): SnapshotInfo {
    const { createdWith: _c, ...info } = snap;
    return info;
  }

  private set(snap: SnapshotRecord): SnapshotRecord {
    this.records.set(snap.id, snap);
    this.ctx.journal?.append('snapshot', snap.id, snap);
    return snap;
  }
}
