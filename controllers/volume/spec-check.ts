// Whether the Volume controller may act on a spec, by the admission webhook's rules (webhooks/volume.ts).
// Before anything is recorded the spec is judged as a create. Once infra_db holds the volume, it is judged
// as an update of what was recorded there, so a new region, zone or type, or a smaller size, is named
// instead of being quietly not applied. Pure.
import { volumeSpecSchema, type VolumeSpec } from '../../crds/schemas/volume.ts';
import type { Problem } from '../../webhooks/review.ts';
import { validateVolume } from '../../webhooks/volume.ts';
import type { VolumeRow } from './store.ts';

/**
 * The recorded volume as the spec it stands for: its size is the largest asked for so far; how it is managed
 * (not recorded in infra_db, and free to change) is as the spec says.
 */
export function recordedVolumeSpec(spec: VolumeSpec, row: VolumeRow): VolumeSpec {
  return { ...spec, region: row.region, zone: row.zone, type: row.type, sizeGiB: row.requested_gib };
}

/** Why the controller cannot act on the volume's spec; empty when it can. */
export function volumeSpecProblems(obj: { spec?: unknown }, row?: VolumeRow): Problem[] {
  const parsed = volumeSpecSchema.safeParse(obj.spec);
  if (!row || !parsed.success) return validateVolume('CREATE', obj);
  return validateVolume('UPDATE', obj, { spec: recordedVolumeSpec(parsed.data, row) });
}
