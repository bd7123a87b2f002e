// The Volume lifecycle as README.md's Volume section describes it (the checks are in
// test/support/lifecycle-spec.ts). The allowed moves are written here from the README's table, not from
// controllers/volume/lifecycle.ts, and each row is checked to stand in the README word for word.
import assert from 'node:assert/strict';
import { volumePhases, type VolumePhase } from '../../../crds/schemas/volume.ts';
import {
  assertVolumeTransition,
  IllegalVolumeTransition,
  isBilled,
} from '../../../controllers/volume/lifecycle.ts';
import { checkLifecycleBehaviour } from '../../support/lifecycle-spec.ts';

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
    // One entry per row of README.md's Volume lifecycle table, copied from the README, not the code.
    readme: [
      ['| `Pending` | `Creating`, `Deleted` |', ['Pending->Creating', 'Pending->Deleted']],
      [
        '| `Creating` | `Available`, `Failed`, `Deleting` |',
        ['Creating->Available', 'Creating->Failed', 'Creating->Deleting'],
      ],
      [
        '| `Available` | `Resizing`, `Failed`, `Deleting` |',
        ['Available->Resizing', 'Available->Failed', 'Available->Deleting'],
      ],
      [
        '| `Resizing` | `Available`, `Failed`, `Deleting` |',
        ['Resizing->Available', 'Resizing->Failed', 'Resizing->Deleting'],
      ],
      [
        '| `Failed` | `Pending`, `Available`, `Deleting` |',
        ['Failed->Pending', 'Failed->Available', 'Failed->Deleting'],
      ],
      ['| `Deleting` | `Deleted`, `Failed` |', ['Deleting->Deleted', 'Deleting->Failed']],
    ],
    disagreements: { tableOnly: [], readmeOnly: [] },
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
