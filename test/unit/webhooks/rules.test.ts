// Rules shared by the webhooks: where a schema problem lies, written as every other rule and the API server
// write it, so a refusal names the same field whoever refuses.
import assert from 'node:assert/strict';
import { networkSpecSchema } from '../../../crds/schemas/network.ts';
import { fieldPath, schemaProblems } from '../../../webhooks/rules.ts';

describe('unit: webhook field paths', () => {
  it('writes list indices in brackets and names with dots', () => {
    assert.equal(fieldPath('spec', ['subnets', 0, 'prefixLength']), 'spec.subnets[0].prefixLength');
    assert.equal(fieldPath('spec', ['securityGroups', 1, 'ingress', 0]), 'spec.securityGroups[1].ingress[0]');
    assert.equal(fieldPath('spec', []), 'spec');
  });

  it('names a schema problem inside a list by its index', () => {
    const parsed = networkSpecSchema.safeParse({
      region: 'eu-west-1',
      prefixLength: 16,
      subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 30 }],
    });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      schemaProblems(parsed.error!).map((p) => p.field),
      ['spec.subnets[0].prefixLength'],
    );
  });
});
