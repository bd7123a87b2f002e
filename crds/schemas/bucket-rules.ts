// The Bucket's CEL rules for the API server, in the words of webhooks/bucket.ts: a quota names at least one
// limit, and the credentials Secret keeps its name once the bucket exists (a new name is a new Secret; the old
// one would be left behind holding live keys).
import type { CelRule } from '../generator/crd.ts';
import { celFormat } from './cel.ts';

export const bucketRules: Record<string, CelRule[]> = {
  quota: [
    {
      rule: 'has(self.maxObjects) || has(self.maxBytes)',
      message: 'spec.quota: set maxObjects, maxBytes or both (or leave spec.quota out for no quota)',
    },
  ],
  credentials: [
    {
      rule: '!has(oldSelf.secretName) && !has(self.secretName) || has(oldSelf.secretName) && has(self.secretName) && oldSelf.secretName == self.secretName',
      message: 'spec.credentials.secretName is immutable; create a new Bucket to deliver its credentials elsewhere',
      messageExpression: celFormat(
        'spec.credentials.secretName is immutable (was %s); create a new Bucket to deliver its credentials elsewhere',
        ["has(oldSelf.secretName) ? oldSelf.secretName : 'the default'"],
      ),
    },
  ],
};
