// The record of a resource gone from the provider carries its desired state redacted as the kind's rules say,
// like every other record: nothing marked sensitive reaches status, drift_history or Kafka through it.
import assert from 'node:assert/strict';
import { missingRecord, redacted } from '../../../../controllers/managed/drift/index.ts';

describe('unit: the resource_missing drift record', () => {
  it('redacts the sensitive fields of its desired state, and only those', () => {
    const desired = { sizeGiB: 37, type: 'ssd', tags: { token: 's3cr3t', team: 'a' } };
    const record = missingRecord(desired, { sensitive: ['sizeGiB', 'tags.token'] });
    assert.deepEqual(record, {
      path: '$',
      type: 'resource_missing',
      severity: 'critical',
      desired: { sizeGiB: redacted, type: 'ssd', tags: { token: redacted, team: 'a' } },
    });
    assert.ok(!JSON.stringify(record).includes('s3cr3t'));
    assert.deepEqual(desired.tags.token, 's3cr3t', 'the desired state itself is left alone');
  });

  it('carries the desired state as it is when nothing is sensitive', () => {
    assert.deepEqual(missingRecord({ cidr: '10.1.0.0/16' }).desired, { cidr: '10.1.0.0/16' });
  });
});
