import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests, readPolicyFolders } from '../../src/loaders/folder.js';
import { makeTree, removeTree } from './helpers.js';

describe('parseManifests', () => {
  it('reads multi-document YAML with the line each document starts on, skipping empty documents', () => {
    const text = ['# leading comment', 'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: a}', '---', '---', '# only a comment', '---', 'apiVersion: v1', 'kind: Secret', 'metadata: {name: b}', ''].join('\n');
    const { documents, errors } = parseManifests(text, 'x.yaml');
    expect(errors).toEqual([]);
    expect(documents.map((d) => [d.doc.kind, d.doc.metadata?.name, d.file, d.line])).toEqual([
      ['ConfigMap', 'a', 'x.yaml', 2],
      ['Secret', 'b', 'x.yaml', 9],
    ]);
  });

  it('expands List kinds item by item with each item line', () => {
    const text = ['apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', '  kind: Namespace', '  metadata: {name: one}', '- apiVersion: v1', '  kind: Namespace', '  metadata: {name: two}'].join('\n');
    const { documents, errors } = parseManifests(text, 'list.yaml');
    expect(errors).toEqual([]);
    expect(documents.map((d) => [d.doc.metadata?.name, d.line])).toEqual([
      ['one', 4],
      ['two', 7],
    ]);
  });

  it('expands typed lists (ConfigMapList) too', () => {
    const { documents } = parseManifests(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMapList', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }] }), 'l.json');
    expect(documents.map((d) => d.doc.kind)).toEqual(['ConfigMap']);
  });

  it('reports invalid YAML with file and line and keeps the documents before it', () => {
    const text = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: ok}', '---', 'apiVersion: v1', 'kind: Pod: nested', 'metadata: {}'].join('\n');
    const { documents, errors } = parseManifests(text, 'bad.yaml');
    expect(documents.map((d) => d.doc.metadata?.name)).toEqual(['ok']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'YAML_INVALID', file: 'bad.yaml', line: 6 });
    expect(errors[0]?.message).toBe('bad.yaml:6: invalid YAML: Nested mappings are not allowed in compact mappings at line 6, column 7');
  });

  it('rejects documents that are not Kubernetes objects, naming the line', () => {
    const { errors } = parseManifests('apiVersion: v1\nkind: ConfigMap\n---\njust: data\n---\n- a\n- b\n', 'm.yaml');
    expect(errors.map((e) => e.message)).toEqual([
      'm.yaml:4: not a Kubernetes object: apiVersion is missing',
      'm.yaml:6: expected a Kubernetes object, got a list',
    ]);
    expect(errors.map((e) => e.code)).toEqual(['MANIFEST_INVALID', 'MANIFEST_INVALID']);
  });

  it('rejects a List item without kind, naming the item and its line', () => {
    const { errors } = parseManifests('apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  metadata: {name: x}\n', 'l.yaml');
    expect(errors.map((e) => e.message)).toEqual(['l.yaml:4: items[0]: not a Kubernetes object: kind is missing']);
  });

  it('rejects duplicate keys as invalid YAML', () => {
    const { errors } = parseManifests('apiVersion: v1\nkind: ConfigMap\nkind: Secret\n', 'd.yaml');
    expect(errors[0]).toMatchObject({ code: 'YAML_INVALID', line: 3 });
  });
});

describe('readPolicyFolders', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTree({
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      'b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n',
      'c.json': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}',
      'notes.md': '# not read',
      'package.json': '{"name": "x"}',
      'tsconfig.json': '{}',
      'single.ts': 'export default {}',
      'other.mjs': 'export default {}',
      'types.d.ts': 'export {}',
      'single.test.ts': 'export {}',
      '.hidden/x.yaml': 'not: read',
      'tests/fixture.yaml': 'not: read',
      'nested/__tests__/fixture.yaml': 'not: read',
      'nested/deep/d.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n',
      'nested/deep/policy.js': 'export default {}',
      'pkg/index.ts': 'export default {}',
      'pkg/helper.ts': 'export const x = 1',
      'pkg/sub/more.ts': 'export const y = 1',
      'pkg/binding.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pkg}\n',
    });
  });
  afterAll(() => removeTree(root));

  it('walks recursively in name order and applies the module rules', async () => {
    const contents = await readPolicyFolders([root]);
    expect(contents.errors).toEqual([]);
    expect(contents.documents.map((d) => d.doc.metadata?.name)).toEqual(['a', 'b', 'c', 'd', 'pkg']);
    expect(contents.modules.map((m) => path.relative(root, m))).toEqual([
      path.join('nested', 'deep', 'policy.js'),
      'other.mjs',
      path.join('pkg', 'index.ts'),
      'single.ts',
    ]);
  });

  it('accepts a single file and reports a missing folder', async () => {
    const contents = await readPolicyFolders([path.join(root, 'a.yaml'), path.join(root, 'missing')]);
    expect(contents.documents.map((d) => d.doc.metadata?.name)).toEqual(['a']);
    expect(contents.errors).toHaveLength(1);
    expect(contents.errors[0]).toMatchObject({ code: 'POLICY_PATH_UNREADABLE', file: path.join(root, 'missing') });
    expect(contents.errors[0]?.message).toContain('cannot read policy folder: ENOENT');
  });

  it('treats a folder given with an index module as one policy module', async () => {
    const contents = await readPolicyFolders([path.join(root, 'pkg')]);
    expect(contents.modules).toEqual([path.join(root, 'pkg', 'index.ts')]);
  });
});
