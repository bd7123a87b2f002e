// The ConfigSet's CEL rules beyond the schema, as webhooks/config-set.ts checks them: the flags' key kept for
// the flags, and the ConfigMap's name fixed once created. A subject both allowed and denied, and the 1 MiB
// limit, are the webhook's and the controller's alone: over 256 flags of 256 subjects each the API server's
// cost estimate of either rule is beyond its budget.
import type { CelRule } from '../generator/crd.ts';
import { celString, unchanged } from './cel.ts';

const flagsKey = 'flags.json';

export const configSetRules: Readonly<Record<string, readonly CelRule[]>> = {
  '': [unchanged('configMapName', 'optional', 'create a new ConfigSet to deliver another ConfigMap')],
  data: [
    {
      rule: `!(${celString(flagsKey)} in self)`,
      message: `spec.data[${flagsKey}]: is reserved for the flags (spec.flags); name the key otherwise`,
    },
    {
      rule: "self.all(k, k != '.' && k != '..')",
      message: "spec.data: a key may not be '.' or '..' (a path step); use a ConfigMap key such as app.properties",
    },
  ],
};
