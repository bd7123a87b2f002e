// The Volume controller's spec check: the webhook's rules, the recorded volume standing for the old object.
import assert from 'node:assert/strict';
import { volumeSpecProblems } from '../../../controllers/volume/spec-check.ts';
import type { VolumeRow } from '../../../controllers/volume/store.ts';

const vol = (spec: object = {}) => ({
  spec: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 100, type: 'ssd', ...spec },
});
const row: VolumeRow = {
  uid: '6f1c7c1e-3c1f-4a8a-9d53-0c7f1b9e2a11',
  namespace: 'tenant-acme',
  name: 'data',
  region: 'eu-west-1',
  zone: 'eu-west-1a',
  type: 'ssd',
  size_gib: 50,
  requested_gib: 100,
  labels: {},
  phase: 'Resizing',
  provider_id: 'vol-1',
  operation_id: null,
  create_attempt: 0,
  resize_attempt: 0,
  message: null,
};
const said = (problems: { field: string; message: string }[]) =>
  problems.map((p) => `${p.field}: ${p.message}`).join('\n');

describe('unit: Volume spec check', () => {
  it('judges a spec with nothing recorded as the webhook judges a create', () => {
    assert.deepEqual(volumeSpecProblems(vol()), []);
    assert.match(
      said(volumeSpecProblems(vol({ zone: 'us-east-1a' }))),
      /^spec\.zone: zone us-east-1a is not in/,
    );
  });

  it('judges a recorded volume by what was asked last: growing passes, shrinking below it does not', () => {
    assert.deepEqual(volumeSpecProblems(vol(), row), []);
    assert.deepEqual(volumeSpecProblems(vol({ sizeGiB: 200 }), row), []);
    assert.match(
      said(volumeSpecProblems(vol({ sizeGiB: 60 }), row)),
      /^spec\.sizeGiB: cannot shrink from 100 to 60/,
    );
  });

  it('names a moved zone or a changed type with the recorded value', () => {
    assert.match(
      said(volumeSpecProblems(vol({ zone: 'eu-west-1b' }), row)),
      /^spec\.zone: is immutable \(was eu-west-1a\)/,
    );
    assert.match(
      said(volumeSpecProblems(vol({ type: 'standard' }), row)),
      /^spec\.type: is immutable \(was ssd\)/,
    );
  });
});
