// The Compute lifecycle as README.md's Compute section describes it (the checks are in
// test/support/lifecycle-spec.ts). The allowed moves are written here from the README's table, not from
// controllers/compute/lifecycle.ts, and each row is checked to stand in the README word for word.
import assert from 'node:assert/strict';
import { computePhases, type ComputePhase } from '../../../crds/schemas/compute.ts';
import {
  assertTransition,
  canTransition,
  holdsCapacity,
  IllegalTransition,
} from '../../../controllers/compute/lifecycle.ts';
import { checkLifecycleBehaviour } from '../../support/lifecycle-spec.ts';

/** The phases README.md names: the main path, then "with `Failed`, `Terminating` and `Terminated`". */
const readmePhases: ComputePhase[] = [
  'Pending',
  'Scheduled',
  'Provisioning',
  'Running',
  'Stopping',
  'Stopped',
  'Failed',
  'Terminating',
  'Terminated',
];
const notEnding = readmePhases.filter((p) => p !== 'Terminating' && p !== 'Terminated');

describe('unit: Compute lifecycle', () => {
  checkLifecycleBehaviour<ComputePhase>({
    kind: 'Compute',
    readmePhases,
    schemaPhases: computePhases,
    final: 'Terminated',
    // One entry per row of README.md's Compute lifecycle table, copied from the README, not the code.
    readme: [
      [
        '| `Pending` | `Scheduled`, `Failed`, `Terminated` |',
        ['Pending->Scheduled', 'Pending->Failed', 'Pending->Terminated'],
      ],
      [
        '| `Scheduled` | `Provisioning`, `Failed`, `Terminating` |',
        ['Scheduled->Provisioning', 'Scheduled->Failed', 'Scheduled->Terminating'],
      ],
      [
        '| `Provisioning` | `Running`, `Stopped`, `Failed`, `Terminating` |',
        [
          'Provisioning->Running',
          'Provisioning->Stopped',
          'Provisioning->Failed',
          'Provisioning->Terminating',
        ],
      ],
      [
        '| `Running` | `Stopping`, `Failed`, `Terminating` |',
        ['Running->Stopping', 'Running->Failed', 'Running->Terminating'],
      ],
      [
        '| `Stopping` | `Stopped`, `Failed`, `Terminating` |',
        ['Stopping->Stopped', 'Stopping->Failed', 'Stopping->Terminating'],
      ],
      [
        '| `Stopped` | `Provisioning`, `Failed`, `Terminating` |',
        ['Stopped->Provisioning', 'Stopped->Failed', 'Stopped->Terminating'],
      ],
      [
        '| `Failed` | `Pending`, `Running`, `Stopped`, `Terminating` |',
        ['Failed->Pending', 'Failed->Running', 'Failed->Stopped', 'Failed->Terminating'],
      ],
      ['| `Terminating` | `Terminated`, `Failed` |', ['Terminating->Terminated', 'Terminating->Failed']],
    ],
    disagreements: { tableOnly: [], readmeOnly: [] },
    allows: canTransition,
    assertMove: assertTransition,
    isRefusal: (err, from, to) =>
      err instanceof IllegalTransition &&
      err.from === from &&
      err.to === to &&
      err.message.startsWith(`a Compute cannot go from ${from} to ${to}; `),
    raceTargets: [...notEnding, ...notEnding, ...notEnding, 'Terminating', 'Terminated'],
  });

  it('only placed phases hold host capacity', () => {
    assert.deepEqual(readmePhases.filter(holdsCapacity), [
      'Scheduled',
      'Provisioning',
      'Running',
      'Stopping',
      'Stopped',
      'Terminating',
    ]);
  });
});
