/**
 * The built-in policies' own test suites (policies/<name>/tests/*.test.yaml) run through
 * `portcullis test`, so `npm test` proves every built-in policy against its pass/fail manifests.
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTestCommand } from '../../src/cli/test.js';
import { runCli } from '../audit/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POLICIES = path.join(ROOT, 'policies');

const suites = readdirSync(POLICIES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(POLICIES, entry.name, 'tests')))
  .flatMap((entry) =>
    readdirSync(path.join(POLICIES, entry.name, 'tests'))
      .filter((name) => /\.test\.ya?ml$/.test(name))
      .map((name) => path.join('policies', entry.name, 'tests', name)),
  );

describe('built-in policy suites', () => {
  it('exist for every built-in policy folder', () => {
    const folders = readdirSync(POLICIES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const tested = new Set(suites.map((s) => s.split(path.sep)[1]));
    expect(folders.filter((f) => !tested.has(f))).toEqual([]);
  });

  it.for(suites)('%s', async (suite) => {
    const result = await runCli(runTestCommand, [path.join(ROOT, suite)]);
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('FAIL');
  });
});
