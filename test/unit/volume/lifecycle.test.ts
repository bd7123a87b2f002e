// The Volume lifecycle as README.md's Volume section describes it (the checks are in
// test/support/lifecycle-spec.ts). The allowed moves are written here from the README's prose, not from
// controllers/volume/lifecycle.ts; where the two disagree the pair is pinned by name below.
import assert from 'node:assert/strict';
import { volumePhases, type VolumePhase } from '../../../crds/schemas/volume.ts';
import {
  assertVolumeTransition,
  IllegalVolumeTransition,
  isBilled,
} from '../../../controllers/volume/lifecycle.ts';
import { checkLifecycleBehaviour, type Move } from '../../support/lifecycle-spec.ts';

/** The phases README.md names: the main path, then "with `Failed`, `Deleting` and `Deleted`". */
const readmePhases: VolumePhase[] = [
  'Pending',
  'Creating',
  'Available',
  'Resizing',
  'Failed',
  'Deleting',
  'Deleted',
];
const notEnding = readmePhases.filter((p) => p !== 'Deleting' && p !== 'Deleted');

const allows = (from: VolumePhase, to: VolumePhase): boolean => {
  try {
    assertVolumeTransition(from, to);
    return true;
  } catch (err) {
    if (err instanceof IllegalVolumeTransition) return false;
    throw err;
  }
};

describe('unit: Volume lifecycle', () => {
  checkLifecycleBehaviour<VolumePhase>({
    kind: 'Volume',
    readmePhases,
    schemaPhases: volumePhases,
    final: 'Deleted',
    readme: [
      [
        'Its lifecycle is `Pending → Creating → Available ⇄ Resizing`',
        ['Pending->Creating', 'Creating->Available', 'Available->Resizing', 'Resizing->Available'],
      ],
      [
        // The retry takes the storage quota again, which happens where creation starts.
        'a create the provider fails ... shows `Degraded/CreateFailed` ... and is retried after 30 seconds with a new token',
        ['Creating->Failed', 'Failed->Pending'],
      ],
      [
        'a resize it fails leaves the volume `Available` at its old size with `Degraded/ResizeFailed`',
        ['Resizing->Available'],
      ],
      [
        // Deleting a tenant deletes every resource in its namespace, whatever its phase.
        'Deletion removes the volume at the provider behind the finalizer: `Deleting`, then `Deleted`',
        [...notEnding.map((p): Move<VolumePhase> => `${p}->Deleting`), 'Deleting->Deleted'],
      ],
    ],
    // Until the README or the table changes to match, the table is what runs.
    disagreements: {
      tableOnly: [
        'Pending->Deleted', // the README's Deleted comes after Deleting
        'Available->Failed', // the provider reports the volume failed
        'Resizing->Failed', // the README has a failed resize leave the volume Available
        'Failed->Available', // the provider has the volume again
        'Deleting->Failed',
      ],
      readmeOnly: [
        'Pending->Deleting', // the table goes from Pending straight to Deleted
      ],
    },
    allows,
    assertMove: assertVolumeTransition,
    isRefusal: (err, from, to) =>
      err instanceof IllegalVolumeTransition &&
      err.from === from &&
      err.to === to &&
      err.message.startsWith(`a Volume cannot go from ${from} to ${to}; `),
    raceTargets: [...notEnding, ...notEnding, ...notEnding, 'Deleting', 'Deleted'],
  });

  it('is billed only while the provider has it in service', () => {
    assert.deepEqual(readmePhases.filter(isBilled), ['Available', 'Resizing']);
  });
});
