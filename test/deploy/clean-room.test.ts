/**
 * The container image's steps without Docker (test/deploy/clean-room.sh): compile into an empty
 * folder, keep only what the Dockerfile's final stage keeps, `npm ci --omit=dev --ignore-scripts`
 * there (from npm's cache when warm), then `portcullis serve` from it must answer /healthz over
 * HTTPS with its generated CA, deny a privileged Pod and mutate a plain one.
 * Slow (a compile and an install: about a minute), so it runs once, as one test.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clean-room.sh');

it('clean room: built output + production dependencies serve and answer', { timeout: 600_000 }, () => {
  const run = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 590_000 });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.status, output).toBe(0);
  expect(output).toMatch(/^6 passed, 0 failed$/m);
  expect(output).not.toMatch(/^FAIL /m);
});
