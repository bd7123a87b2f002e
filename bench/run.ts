// `npm run bench -- NAME` runs bench/NAME.ts; with no name it lists the benchmarks.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const names = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const name = process.argv[2];
if (!name || !names.includes(name)) {
  console.error(
    `${name ? `no benchmark named ${name}. ` : ''}usage: npm run bench -- NAME, where NAME is one of: ${names.join(', ')}`,
  );
  process.exit(name ? 64 : 0);
}
await import(`./${name}.ts`);
