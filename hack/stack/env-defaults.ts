// Imported before a command (`tsx --import ./hack/stack/env-defaults.ts ...`) so that the operator and its
// command-line tools, which read only their environment, reach the local stack unless told otherwise.
import { operatorEnv } from './endpoints.ts';

for (const [name, value] of Object.entries(operatorEnv())) process.env[name] ??= value;
