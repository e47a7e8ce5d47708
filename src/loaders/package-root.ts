/**
 * Where this package is installed: the folder of the package.json named `portcullis` above this
 * module. Found by walking up so it works from src/ (vitest), dist/src/ (the build) and bundles
 * of either (benchmarks).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'portcullis') {
      root = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the portcullis package root (package.json) above the loaders module');
    dir = parent;
  }
}

/** The policy-author API entry (`import ... from 'portcullis'`): the TypeScript source when present, else the build. */
export function portcullisEntry(): string | undefined {
  const rootDir = packageRoot();
  return [path.join(rootDir, 'src', 'index.ts'), path.join(rootDir, 'dist', 'src', 'index.js')].find((p) => existsSync(p));
}
