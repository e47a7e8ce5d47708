/** `portcullis test`, in-process, on the suites under fixtures/. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTestCommand } from '../../src/cli/test.js';
import { runCli } from '../audit/helpers.js';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const suite = (name: string): string => path.join(HERE, name);
const test = (argv: string[]) => runCli(runTestCommand, argv);

describe('portcullis test', () => {
  it('passes a suite whose expectations hold, listing every check', async () => {
    const result = await test([suite('passing')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`test policies  ${suite('passing/policies.test.yaml')}`);
    expect(lines.slice(1, 5)).toEqual([
      '  ok    privileged pod [Pod apps/root]: no-privileged/privileged fail',
      '  ok    privileged pod [Pod apps/root]: no-latest pass',
      '  ok    privileged pod [Pod apps/root]: team-label skip',
      '  ok    clean pods [Pod apps/one]: no-privileged pass',
    ]);
    expect(result.stdout).toContain('  ok    configmap gets the label: add-label pass\n');
    expect(result.stdout).toContain('  ok    update keeps the label: add-label pass\n');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 suite(s), 8 case(s), 12 check(s): 12 passed, 0 failed');
  });

  it('fails (exit 1) when a wanted failure passes, and still runs the other cases', async () => {
    const result = await test([suite('wanted-failure-passes.test.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('  FAIL  clean pod: no-privileged fail -> expected fail, got pass\n');
    expect(result.stdout).toContain('  ok    privileged pod [Pod apps/root]: no-privileged fail\n');
    expect(result.stdout).toContain('2 check(s): 1 passed, 1 failed');
  });

  it('fails (exit 1) on a wrong message, showing the messages there were', async () => {
    const result = await test([suite('wrong-message.test.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `  FAIL  privileged pod [Pod apps/root]: no-privileged fail -> no message contains "must not run as root" (messages: policy 'no-privileged' denied request: container "admin" must not be privileged (field spec.containers[0].securityContext.privileged))\n`,
    );
  });

  it('fails (exit 1) on a wrong patched object, telling the difference as a patch', async () => {
    const result = await test([suite('wrong-patch.test.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '  FAIL  configmap: add-label pass -> patched object differs from the expected one (expected = actual + [replace /metadata/labels/managed-by "someone-else"])\n',
    );
  });

  it('exits 2 on a bad policy file, naming it', async () => {
    const result = await test([suite('bad-policy.test.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^portcullis: cannot load the policies \(1 problem\(s\)\):\n/);
    expect(result.stderr).toContain(`${path.resolve(HERE, '../../audit/fixtures/bad-policy-file/policy.yaml')}:`);
  });

  it('exits 2 on a bad suite, naming the file and the field', async () => {
    const result = await test([suite('bad-suite.test.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `portcullis: ${suite('bad-suite.test.yaml')}: cases[0].expect[0].result: must be one of pass, fail, warn, audit, error, skip (got "denied")\n`,
    );
  });

  it('checks every suite before running any, and names unknown fields, policies and files', async () => {
    const cases: [string, string][] = [
      ['cases: []', 'cases: must be a non-empty list (got a list)'],
      ['cases: [{name: x, object: {apiVersion: v1, kind: Pod}, expect: [{policy: no-privileged, result: pass}], extra: 1}]', 'cases[0].extra: unknown field'],
      ['cases: [{name: x, expect: [{policy: no-privileged, result: pass}]}]', 'cases[0]: give exactly one of resource (a file or folder) and object (inline)'],
      ['cases: [{name: x, resource: missing.yaml, expect: [{policy: no-privileged, result: pass}]}]', 'cases[0].resource: '],
      ['cases: [{name: x, operation: UPDATE, object: {apiVersion: v1, kind: Pod}, expect: [{policy: no-privileged, result: pass}]}]', 'cases[0]: operation UPDATE needs oldObject or oldResource'],
      ['cases: [{name: x, object: {apiVersion: v1, kind: Pod}, expect: [{policy: nope, result: pass}]}]', "cases[0].expect[0].policy: no policy 'nope' in "],
    ];
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-suite-'));
    const policies = path.resolve(HERE, '../../audit/fixtures/policies/ts');
    for (const [i, [body, message]] of cases.entries()) {
      const file = path.join(dir, `s${i}.test.yaml`);
      await writeFile(file, `apiVersion: portcullis.dev/v1alpha1\nkind: PolicyTest\npolicies: [${policies}]\n${body}\n`);
      const result = await test([file]);
      expect(result.code, body).toBe(2);
      expect(result.stderr, body).toContain(`portcullis: ${file}: ${message}`);
    }
    const wrongKind = path.join(dir, 'k.test.yaml');
    await writeFile(wrongKind, 'apiVersion: v1\nkind: ConfigMap\n');
    expect((await test([wrongKind])).stderr).toBe(`portcullis: ${wrongKind}: (document): a suite has apiVersion: portcullis.dev/v1alpha1 and kind: PolicyTest\n`);
    expect((await test([dir + '/none'])).code).toBe(2);
    expect(await test([])).toMatchObject({ code: 2 });
  });
});
