// The Compute lifecycle as README.md's Compute section describes it (the checks are in
// test/support/lifecycle-spec.ts). The allowed moves are written here from the README's prose, not from
// controllers/compute/lifecycle.ts; where the two disagree the pair is pinned by name below.
import assert from 'node:assert/strict';
import { computePhases, type ComputePhase } from '../../../crds/schemas/compute.ts';
import {
  assertTransition,
  canTransition,
  holdsCapacity,
  IllegalTransition,
} from '../../../controllers/compute/lifecycle.ts';
import { checkLifecycleBehaviour, type Move } from '../../support/lifecycle-spec.ts';

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
    readme: [
      [
        'Its lifecycle is `Pending → Scheduled → Provisioning → Running ⇄ Stopping → Stopped`',
        [
          'Pending->Scheduled',
          'Scheduled->Provisioning',
          'Provisioning->Running',
          'Running->Stopping',
          'Stopping->Running',
          'Stopping->Stopped',
        ],
      ],
      [
        // It has given up its host, so the retry starts again from scheduling.
        'A failed provisioning frees the host and address and is retried after 30 seconds',
        ['Provisioning->Failed', 'Failed->Pending'],
      ],
      [
        'an instance in a zone that went down is `Failed` ... and returns to `Running` when the zone comes back',
        ['Running->Failed', 'Failed->Running'],
      ],
      [
        // Deleting a tenant deletes every resource in its namespace whatever its phase; the address "is
        // released when it is terminated".
        'with `Failed`, `Terminating` and `Terminated`: a deleted instance is terminated from any phase',
        [...notEnding.map((p): Move<ComputePhase> => `${p}->Terminating`), 'Terminating->Terminated'],
      ],
    ],
    // Until the README or the table changes to match, the table is what runs.
    disagreements: {
      tableOnly: [
        'Pending->Failed',
        'Pending->Terminated', // the README's Terminated comes after Terminating
        'Scheduled->Failed',
        'Provisioning->Stopped', // an instance created with powerState Stopped
        'Stopping->Failed',
        'Stopped->Provisioning', // how a stopped instance starts again: the README gives Stopped no way on
        'Stopped->Failed',
        'Failed->Stopped',
        'Terminating->Failed',
      ],
      readmeOnly: [
        'Stopping->Running', // the README's "Running ⇄ Stopping"
        'Pending->Terminating', // the table goes from Pending straight to Terminated
      ],
    },
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
