// Writes crds/<group>_<plural>.yaml for every kind from its zod schemas; with --check, only reports
// (and exits 1) when a file is missing or differs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdFileName, crdYaml } from './generator/crd.ts';
import { kinds } from './schemas/index.ts';

const dir = path.dirname(fileURLToPath(import.meta.url));
// The chart ships the same CRDs, so that `helm install` creates them before the operator starts.
const targets = [dir, path.join(dir, '..', 'charts', 'omnicloud', 'crds')];

export function staleCrdFiles(): string[] {
  return targets.flatMap((target) =>
    kinds
      .filter((k) => {
        const file = path.join(target, crdFileName(k));
        return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== crdYaml(k);
      })
      .map((k) => path.relative(path.join(dir, '..'), path.join(target, crdFileName(k)))),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleCrdFiles();
    if (stale.length > 0) {
      console.error(`crds/ is out of date with crds/schemas: ${stale.join(', ')}; run npm run crds:generate`);
      process.exit(1);
    }
  } else {
    for (const target of targets) {
      fs.mkdirSync(target, { recursive: true });
      for (const k of kinds) fs.writeFileSync(path.join(target, crdFileName(k)), crdYaml(k));
    }
    console.log(`wrote ${kinds.length} CRD(s) to ${targets.join(' and ')}`);
  }
}
