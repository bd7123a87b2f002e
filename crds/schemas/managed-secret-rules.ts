// The ManagedSecret's CEL rules for the API server, in webhooks/managed-secret.ts's words: exactly one of
// source and generate, a rotation only for a generated value, a period inside its bounds, and a value that
// stays where it came from (source and generate cannot be swapped, the target cannot move).
import type { CelRule } from '../generator/crd.ts';
import { celFormat, unchangedFields } from './cel.ts';

const seconds = `(self.every.endsWith('s') ? 1 : self.every.endsWith('m') ? 60 : self.every.endsWith('h') ? 3600 : 86400) * int(self.every.substring(0, size(self.every) - 1))`;

export const managedSecretRules: Readonly<Record<string, readonly CelRule[]>> = {
  '': [
    {
      rule: 'has(self.source) != has(self.generate)',
      message: 'spec.source: set exactly one of spec.source (a Secret to copy) and spec.generate (a value to generate)',
    },
    {
      rule: '!has(self.rotation) || has(self.generate)',
      message:
        'spec.rotation: only a generated value is rotated; a value copied from spec.source changes when its Secret does',
    },
    {
      rule: 'has(self.source) == has(oldSelf.source)',
      message: 'spec.source: cannot switch between spec.source and spec.generate; create a new ManagedSecret instead',
    },
    ...unchangedFields({ 'target.name': 'optional' }, 'the synced Secret cannot move; create a new ManagedSecret instead'),
  ],
  rotation: [
    {
      rule: `!has(self.every) || (${seconds} >= 10 && ${seconds} <= 31622400)`,
      message: 'spec.rotation.every: must be from 10s to 366d',
      messageExpression: celFormat('spec.rotation.every: %s is outside 10s to 366d', ['self.every']),
    },
  ],
};
