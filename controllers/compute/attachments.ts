// The volumes of a Compute (spec.volumes), attached and detached one step at a time once the instance is
// where its spec wants it, and all detached before it is deleted. Each attach or detach is recorded as an
// intent (attachment-store.ts) before the provider is called with a token derived from that record, so a crash
// between the call and its record repeats the call and gets the same operation back: an attachment is never lost
// nor made twice. A volume of another zone, one another Compute holds, or one that is not there yet is shown as
// the Compute's problem, naming the volume and what to do.
import { requeueAfter } from '../../operator/action.ts';
import type { ComputeSpec } from '../../crds/schemas/compute.ts';
import { isPending } from '../provider/operations.ts';
import { ProviderNotFoundError, ProviderRequestError } from '../provider/types.ts';
import {
  moveAttachment,
  readAttachments,
  recordAttachmentOperation,
  recordAttaching,
  VolumeHeld,
  type AttachmentRow,
} from './attachment-store.ts';
import { ComputeReasons } from './status.ts';
import type { StepContext, StepResult } from './steps.ts';
import type { InstanceRow } from './store.ts';

const pollMs = 300;

const attachToken = (a: AttachmentRow) => `${a.instance_uid}:${a.volume_name}:attach:${a.attempt}`;
const detachToken = (a: AttachmentRow) => `${a.instance_uid}:${a.volume_name}:detach:${a.attempt}`;

/** Whether every volume the spec names is attached and every other one detached. Pure. */
export function attachmentsSettled(
  attachments: readonly AttachmentRow[] | undefined,
  spec: ComputeSpec,
): boolean {
  const wanted = new Set((spec.volumes ?? []).map((v) => v.name));
  const list = attachments ?? [];
  for (const name of wanted)
    if (!list.some((a) => a.volume_name === name && a.phase === 'Attached')) return false;
  return list.every((a) => wanted.has(a.volume_name) || a.phase === 'Detached');
}

/** The keys of the Computes whose spec.volumes names the volume. Pure. */
export function computesNaming(
  vol: { metadata?: { name?: string } },
  computes: readonly {
    metadata?: { name?: string; namespace?: string };
    spec?: { volumes?: { name: string }[] };
  }[],
): string[] {
  return computes
    .filter((c) => c.spec?.volumes?.some((v) => v.name === vol.metadata?.name))
    .map((c) => `${c.metadata?.namespace}/${c.metadata?.name}`);
}

/** Whether nothing is attached or on its way (the instance may be deleted). Pure. */
export const allDetached = (attachments: readonly AttachmentRow[] | undefined): boolean =>
  (attachments ?? []).every((a) => a.phase === 'Detached');

/** The row with `a` in place of its earlier record. */
const replaced = (row: InstanceRow, a: AttachmentRow): InstanceRow => ({
  ...row,
  attachments: [...(row.attachments ?? []).filter((x) => x.volume_name !== a.volume_name), a],
});

async function withAttachments(s: StepContext, row: InstanceRow): Promise<InstanceRow> {
  return { ...row, attachments: await readAttachments(s.deps.pool, row.uid) };
}

/** Calls the provider for an attachment under way that has no operation yet (again, with the same token). */
async function call(s: StepContext, a: AttachmentRow): Promise<AttachmentRow> {
  const op =
    a.phase === 'Attaching'
      ? await s.deps.provider.attachVolume(a.volume_provider_id, a.instance_provider_id, attachToken(a))
      : await s.deps.provider.detachVolume(a.volume_provider_id, detachToken(a));
  return recordAttachmentOperation(s.deps.pool, a, op.id);
}

/** One step of an attach or detach under way; undefined when none is. */
async function stepUnderWay(s: StepContext, row: InstanceRow): Promise<StepResult | undefined> {
  const a = (row.attachments ?? []).find((x) => x.phase === 'Attaching' || x.phase === 'Detaching');
  if (!a) return undefined;
  const move = (to: AttachmentRow['phase'], change = {}) =>
    moveAttachment(s.deps.pool, a, to, change, s.tenant, s.now());
  try {
    if (!a.operation_id) {
      await call(s, a);
      return { row: await withAttachments(s, row), action: 'continue' };
    }
    const op = await s.deps.provider.getOperation(a.operation_id);
    if (isPending(op)) return { row, action: requeueAfter(pollMs) };
    if (op.status === 'succeeded') {
      await move(a.phase === 'Attaching' ? 'Attached' : 'Detached', { message: null });
      return { row: await withAttachments(s, row), action: 'continue' };
    }
    return refused(s, row, a, op.error?.message ?? 'no reason given');
  } catch (err) {
    if (a.phase === 'Detaching' && err instanceof ProviderNotFoundError) {
      // The volume is gone at the provider: nothing is attached any more.
      await move('Detached', { message: null });
      return { row: await withAttachments(s, row), action: 'continue' };
    }
    if (err instanceof ProviderRequestError) return refused(s, row, a, err.message);
    throw err;
  }
}

/** The provider refused or failed an attach (left detached) or a detach (left attached, retried). */
async function refused(s: StepContext, row: InstanceRow, a: AttachmentRow, why: string): Promise<StepResult> {
  const attaching = a.phase === 'Attaching';
  const message = `the provider could not ${attaching ? 'attach' : 'detach'} volume ${a.volume_name}: ${why}`;
  await moveAttachment(s.deps.pool, a, attaching ? 'Detached' : 'Attached', { message }, s.tenant, s.now());
  return {
    row: await withAttachments(s, row),
    action: requeueAfter(10_000),
    problem: { reason: ComputeReasons.AttachFailed, message: `${message}; retrying in 10s` },
  };
}

/** Starts detaching an attached volume: the intent (a new attempt) first, then the call. */
async function startDetach(s: StepContext, row: InstanceRow, a: AttachmentRow): Promise<StepResult> {
  const next = await moveAttachment(
    s.deps.pool,
    a,
    'Detaching',
    { operation_id: null, attempt: a.attempt + 1 },
    s.tenant,
    s.now(),
  );
  return (await stepUnderWay(s, replaced(row, next))) ?? { row, action: 'continue' };
}

/** Why a volume the spec names cannot be attached now, or the volume to attach. */
function volumeToAttach(
  s: StepContext,
  row: InstanceRow,
  name: string,
): { problem: { reason: string; message: string } } | { uid: string; providerId: string } {
  const ns = row.namespace;
  const vol = s.deps.volume?.(ns, name);
  if (!vol)
    return {
      problem: {
        reason: ComputeReasons.VolumeNotFound,
        message: `volume ${name} does not exist in ${ns}; create it or remove it from spec.volumes`,
      },
    };
  if (vol.spec.zone !== row.zone)
    return {
      problem: {
        reason: ComputeReasons.VolumeInOtherZone,
        message: `volume ${name} is in zone ${vol.spec.zone} and this instance in ${row.zone}; a volume attaches only to an instance of its own zone: remove it from spec.volumes, or use a volume of ${row.zone}`,
      },
    };
  if (!vol.status?.providerId || vol.status.phase !== 'Available')
    return {
      problem: {
        reason: ComputeReasons.WaitingForVolume,
        message: `waiting for volume ${name} to be available (it is ${vol.status?.phase ?? 'Pending'})`,
      },
    };
  return { uid: vol.metadata.uid!, providerId: vol.status.providerId };
}

/** One step towards the attachments the spec asks for; the instance is where its spec wants it. */
export async function attachStep(s: StepContext, seen: InstanceRow): Promise<StepResult> {
  const row = seen.attachments ? seen : await withAttachments(s, seen);
  const under = await stepUnderWay(s, row);
  if (under) return under;
  const wanted = new Set(s.spec.volumes.map((v) => v.name));
  const list = row.attachments ?? [];
  const unwanted = list.find((a) => a.phase === 'Attached' && !wanted.has(a.volume_name));
  if (unwanted) return startDetach(s, row, unwanted);
  const problems: { reason: string; message: string }[] = [];
  for (const { name } of s.spec.volumes) {
    if (list.some((a) => a.volume_name === name && a.phase === 'Attached')) continue;
    const vol = volumeToAttach(s, row, name);
    if ('problem' in vol) {
      problems.push(vol.problem);
      continue;
    }
    try {
      const intent = await recordAttaching(
        s.deps.pool,
        {
          instance_uid: row.uid,
          volume_name: name,
          namespace: row.namespace,
          compute_name: row.name,
          volume_uid: vol.uid,
          volume_provider_id: vol.providerId,
          instance_provider_id: row.provider_id!,
        },
        s.tenant,
        s.now(),
      );
      return (await stepUnderWay(s, replaced(row, intent))) ?? { row, action: 'continue' };
    } catch (err) {
      if (!(err instanceof VolumeHeld)) throw err;
      problems.push({
        reason: ComputeReasons.VolumeInUse,
        message: `volume ${name} is attached to ${err.holder} (a volume has one writer); remove it from that Compute's spec.volumes first`,
      });
    }
  }
  if (problems.length === 0) return { row, action: requeueAfter(5_000) };
  return {
    row,
    action: requeueAfter(5_000),
    problem: { reason: problems[0]!.reason, message: problems.map((p) => p.message).join('; ') },
  };
}

/** One step towards no volume attached, before the instance is deleted; undefined once nothing is. */
export async function detachAllStep(s: StepContext, seen: InstanceRow): Promise<StepResult | undefined> {
  const row = seen.attachments ? seen : await withAttachments(s, seen);
  const under = await stepUnderWay(s, row);
  if (under) return under;
  const attached = (row.attachments ?? []).find((a) => a.phase === 'Attached');
  if (!attached) return undefined;
  return startDetach(s, row, attached);
}
