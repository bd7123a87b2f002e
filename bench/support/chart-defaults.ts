// The Node options the chart gives the operator by default, read from its values.yaml, so a benchmark's operator
// runs under the same heap limit as one installed with `helm install`.
import fs from 'node:fs';
import { parse } from 'yaml';

export function chartNodeOptions(valuesFile = 'charts/omnicloud/values.yaml'): string {
  const values = parse(fs.readFileSync(valuesFile, 'utf8')) as { operator?: { heapMiB?: unknown } };
  const heap = values.operator?.heapMiB;
  return typeof heap === 'number' && heap > 0 ? `--max-old-space-size=${heap}` : '';
}
