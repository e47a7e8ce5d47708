/**
 * The server benchmark measures what `npm start` runs: the tsc build in dist/, not the sources as
 * tsx transforms them (tsx keeps function names by wrapping every closure in a helper call, a
 * cost per call that the built server never pays).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds dist/ from src/ (as `npm run build` does). */
export function build(): void {
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

/** Imports the built form of a module under src/, typed as its source: `importBuilt<typeof XModule>('src/x.js')` with `import type * as XModule from '../../src/x.js'`. */
export async function importBuilt<T>(modulePath: string): Promise<T> {
  return (await import(pathToFileURL(path.join(root, 'dist', modulePath)).href)) as T;
}
