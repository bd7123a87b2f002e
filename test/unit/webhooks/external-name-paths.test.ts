// An external name goes to the provider as a path segment: what a URL would read as a query, a fragment, an
// escape or a path step ("." and "..", which a URL resolves before any provider sees them) is no provider id.
import assert from 'node:assert/strict';
import { externalNameProblem } from '../../../webhooks/managed.ts';

describe('unit: external names that read as URLs or paths', () => {
  const refused: [string, string, RegExp][] = [
    ['a bare "."', '.', /has a "\." path step/],
    ['a bare ".."', '..', /has a "\.\." path step/],
    ['a step up', '../i-1', /has a "\.\." path step/],
    ['a step in the middle', 'i-1/../vol-2', /has a "\.\." path step/],
    ['a URL', 'http://169.254.169.254/latest', /has an empty part between slashes/],
    ['a leading slash', '/i-1', /has an empty part between slashes/],
    ['a query', 'i-1?region=eu', /has "\?" at character 4/],
    ['a fragment', 'i-1#x', /has "#" at character 4/],
    ['a percent escape', '%2e%2e', /has "%" at character 1/],
    ['a backslash', '..\\i-1', /has "\\" at character 3/],
  ];
  for (const [what, value, detail] of refused) {
    it(`refuses ${what}`, () => {
      const problem = externalNameProblem(value) ?? '';
      assert.match(problem, /^reads as a URL or a path, not a provider id: it has /);
      assert.match(problem, detail);
    });
  }

  it('still takes ids with dots, colons and single slashes between parts', () => {
    for (const id of ['i-1.2', '...', 'arn:aws:ec2:eu-west-1:1:vol/v-1', 'a/b/c'])
      assert.equal(externalNameProblem(id), undefined, id);
  });
});
