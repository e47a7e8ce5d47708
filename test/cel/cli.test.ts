import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celCommand, CelCommandError } from '../../src/cli/cel.js';

let dir: string;
const file = (name: string): string => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'portcullis-cel-'));
  await writeFile(
    file('deploy.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.25\n          resources: {limits: {memory: 512Mi}}\n',
  );
  await writeFile(file('old.json'), JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }));
  await writeFile(file('params.yaml'), 'data:\n  maxReplicas: "5"\n');
  await writeFile(file('ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {env: prod}\n');
  await writeFile(file('broken.yaml'), 'spec:\n  replicas: [1, 2\n');
  await writeFile(file('two.yaml'), 'a: 1\n---\nb: 2\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  const command = celCommand({ stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  command.exitOverride();
  const before = process.exitCode;
  try {
    await command.parseAsync(args, { from: 'user' });
    const exitCode = Number(process.exitCode ?? 0);
    return { stdout, stderr, exitCode };
  } finally {
    process.exitCode = before;
  }
}

describe('portcullis cel', () => {
  it('evaluates against YAML and JSON files and prints JSON', async () => {
    const result = await run([
      '--expr',
      "object.spec.replicas + 1 <= int(params.data.maxReplicas) && namespaceObject.metadata.labels.env == 'prod' && oldObject.spec.replicas == 2",
      '--object',
      file('deploy.yaml'),
      '--old-object',
      file('old.json'),
      '--params',
      file('params.yaml'),
      '--namespace',
      file('ns.yaml'),
    ]);
    expect(result).toEqual({ stdout: 'true\n', stderr: '', exitCode: 0 });
  });

  it('prints structured results and derives the request from the objects', async () => {
    const result = await run([
      '--expr',
      "{'op': request.operation, 'kind': request.kind.kind, 'mem': quantity(object.spec.template.spec.containers[0].resources.limits.memory).asInteger()}",
      '--object',
      file('deploy.yaml'),
    ]);
    expect(JSON.parse(result.stdout)).toEqual({ op: 'CREATE', kind: 'Deployment', mem: 536870912 });
  });

  it('runs without any file', async () => {
    expect((await run(['--expr', "'%s-%d'.format(['a', 1])"])).stdout).toBe('"a-1"\n');
  });

  it('fails with the compile error naming --expr and the position', async () => {
    await expect(run(['--expr', 'object.spec.replicas +'])).rejects.toThrow(/^--expr: ERROR: <input>:1:\d+: /);
    await expect(run(['--expr', 'nope == 1'])).rejects.toThrow("--expr: ERROR: <input>:1:1: undeclared reference to 'nope'");
  });

  it('fails on unreadable or invalid files with a specific message', async () => {
    await expect(run(['--expr', 'true', '--object', file('missing.yaml')])).rejects.toThrow(
      new RegExp(`^cannot read --object file '${file('missing.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': ENOENT`),
    );
    await expect(run(['--expr', 'true', '--params', file('broken.yaml')])).rejects.toThrow(`--params file '${file('broken.yaml')}' is not valid YAML or JSON (line`);
    await expect(run(['--expr', 'true', '--object', file('two.yaml')])).rejects.toThrow(`--object file '${file('two.yaml')}' holds 2 documents; give one`);
    await expect(run(['--expr', 'true', '--object', file('missing.yaml')])).rejects.toBeInstanceOf(CelCommandError);
  });

  it('reports an evaluation error on stderr with exit code 1', async () => {
    const result = await run(['--expr', 'object.spec.nodeName', '--object', file('deploy.yaml')]);
    expect(result).toEqual({ stdout: '', stderr: 'portcullis: --expr: expression evaluation failed: <input>:1:13: No such key: nodeName\n', exitCode: 1 });
  });

  it('requires --expr', async () => {
    await expect(run([])).rejects.toThrow("required option '--expr <expression>' not specified");
  });
});
