import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuditInputError } from '../../src/audit/errors.js';
import { parseManifests, readManifests } from '../../src/audit/manifests.js';
import { fixture } from './helpers.js';

const names = (objects: { object: { kind?: string; metadata?: { name?: string } } }[]): string[] =>
  objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}`);

function thrown(fn: () => unknown): AuditInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuditInputError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

async function rejected(promise: Promise<unknown>): Promise<AuditInputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuditInputError) return error;
    throw error;
  }
  throw new Error('did not reject');
}

describe('parseManifests', () => {
  it('reads multi-document YAML with lines, skipping empty documents and comments', () => {
    const text = '# Source: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n';
    const objects = parseManifests(text, 'x.yaml');
    expect(names(objects)).toEqual(['ConfigMap/a', 'Secret/b']);
    expect(objects.map((o) => o.line)).toEqual([3, 10]);
    expect(objects[0]?.file).toBe('x.yaml');
  });

  it('reads JSON, including a List (kubectl get -o json) and a document after blank lines', () => {
    const objects = parseManifests('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}', 'p.json');
    expect(names(objects)).toEqual(['Pod/p']);
    const list = parseManifests('\n\n{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}', 'l.json');
    expect(names(list)).toEqual(['Pod/a', 'Pod/b']);
    expect(list.map((o) => o.line)).toEqual([3, 3]);
    expect(thrown(() => parseManifests('{"apiVersion":"v1","kind":"List","items":[7]}', 'l.json')).message).toBe(
      'l.json:1: item 0 of List is a number, not a Kubernetes object',
    );
  });

  it('names the line of invalid JSON', () => {
    const error = thrown(() => parseManifests('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "p"\n}\n', 'bad.json'));
    expect(error.code).toBe('MANIFEST_YAML');
    expect(error.file).toBe('bad.json');
    expect(error.line).toBeGreaterThanOrEqual(4);
  });

  it('expands kind: List with the line of every item', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n';
    const objects = parseManifests(text, 'l.yaml');
    expect(names(objects)).toEqual(['ConfigMap/a', 'ConfigMap/b']);
    expect(objects.map((o) => o.line)).toEqual([4, 7]);
  });

  it('gives items of typed lists (PodList) the kind and apiVersion the list implies', () => {
    const text = 'apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a}\n  spec: {}\n';
    const [pod] = parseManifests(text, 'l.yaml');
    expect(pod?.object).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } });
  });

  it('names file, line and column of invalid YAML', () => {
    const error = thrown(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n', 'bad.yaml'));
    expect(error.code).toBe('MANIFEST_YAML');
    expect(error.file).toBe('bad.yaml');
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/^bad\.yaml:5: invalid YAML \(column 1\): /);
  });

  it('rejects a document without kind, a scalar, a list, and a bad list item, with their lines', () => {
    expect(thrown(() => parseManifests('---\napiVersion: v1\nmetadata: {name: a}\n', 'a.yaml')).message).toBe('a.yaml:2: document has no kind');
    expect(thrown(() => parseManifests('kind: Pod\n', 'a.yaml')).message).toBe('a.yaml:1: document has no apiVersion');
    expect(thrown(() => parseManifests('hello\n', 'a.yaml')).message).toBe('a.yaml:1: document is a string, not a Kubernetes object');
    expect(thrown(() => parseManifests('- a\n- b\n', 'a.yaml')).message).toBe('a.yaml:1: document is a list, not a Kubernetes object');
    const item = thrown(() => parseManifests('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n- 42\n', 'a.yaml'));
    expect(item.message).toBe('a.yaml:6: item 1 of List is a number, not a Kubernetes object');
    expect(item.code).toBe('MANIFEST_NOT_OBJECT');
    expect(thrown(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata: [1]\n', 'a.yaml')).message).toBe(
      'a.yaml:1: document has a metadata that is not an object',
    );
  });
});

describe('readManifests', () => {
  it('walks folders recursively in name order, taking .yaml, .yml and .json only', async () => {
    const objects = await readManifests([fixture('manifests', 'clean')]);
    expect(names(objects)).toEqual(['Deployment/web', 'Service/web', 'ConfigMap/settings', 'Pod/worker', 'ClusterRole/reader']);
    expect(objects.map((o) => path.relative(fixture('manifests'), o.file))).toEqual([
      'clean/app.yaml',
      'clean/app.yaml',
      'clean/list.yaml',
      'clean/list.yaml',
      'clean/nested/role.json',
    ]);
  });

  it('reads - from the given stdin, once, as <stdin>', async () => {
    const stdin = Readable.from([Buffer.from('apiVersion: v1\nkind: Pod\nmetadata: {name: from-pipe}\n')]);
    const objects = await readManifests(['-'], { stdin });
    expect(names(objects)).toEqual(['Pod/from-pipe']);
    expect(objects[0]?.file).toBe('<stdin>');
  });

  it('names a missing path and an empty folder', async () => {
    const missing = await rejected(readManifests(['/nonexistent/x.yaml']));
    expect(missing.code).toBe('MANIFEST_UNREADABLE');
    expect(missing.message).toMatch(/^\/nonexistent\/x\.yaml: cannot read path: ENOENT/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-empty-'));
    await writeFile(path.join(dir, 'notes.txt'), 'hi');
    expect((await rejected(readManifests([dir]))).message).toBe(`${dir}: folder holds no .yaml, .yml or .json file`);
  });

  it('takes a file given explicitly whatever its extension, as kubectl does', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portcullis-ext-'));
    const file = path.join(dir, 'rendered.txt');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
    expect(names(await readManifests([file]))).toEqual(['ConfigMap/c']);
  });
});
