// The operator image's files, built as the Dockerfile builds them (hack/bundle.sh) into a directory of their own
// beside a link to node_modules, so a test or a benchmark runs what the image runs: dist/operator.mjs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh build of the image's files; returns its root (dist/ inside). */
export function imageRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'omnicloud-image-'));
  execFileSync('bash', ['hack/bundle.sh', path.join(root, 'dist')], { stdio: 'pipe' });
  fs.copyFileSync('package.json', path.join(root, 'package.json'));
  fs.symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
  return root;
}
