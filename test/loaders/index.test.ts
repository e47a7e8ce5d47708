import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyConfig } from '../../src/loaders/config.js';
import { builtinPolicyDir, loadPolicies } from '../../src/loaders/index.js';
import { makeTree, removeTree } from './helpers.js';

const RULES = `[{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }]`;
const tsPolicy = (name: string): string =>
  `export default { name: '${name}', match: { resources: ${RULES} }, validate: () => [{ message: '${name} says no' }] };\n`;

describe('loadPolicies', () => {
  let first: string;
  let second: string;
  beforeAll(async () => {
    first = await makeTree({
      'params.yaml': [
        'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: limits, namespace: team-a}', 'data: {max: "3"}',
        '---', 'apiVersion: v1', 'kind: Namespace', 'metadata: {name: team-a, labels: {tier: gold}}',
        '---', 'apiVersion: example.com/v1', 'kind: Settings', 'metadata: {name: global}',
      ].join('\n'),
      'one.ts': tsPolicy('one'),
      'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n  bad: indent\n',
    });
    second = await makeTree({
      'again.ts': tsPolicy('one'),
      'two.mjs': tsPolicy('two'),
      'dup.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: team-a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: team-b}\n',
      'ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: from-config}\n',
    });
  });
  afterAll(async () => {
    await removeTree(first);
    await removeTree(second);
  });

  it('dispatches documents by kind, loads modules, and reports errors with file and line', async () => {
    const config = { ...emptyConfig(), namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'from-config' } }] };
    const result = await loadPolicies({ dirs: [first, second], config });
    expect(result.policies.map((p) => [p.name, p.source])).toEqual([
      ['one', 'TypeScript'],
      ['two', 'TypeScript'],
    ]);
    expect(result.params.map((p) => `${p.kind}/${p.metadata?.namespace ?? ''}/${p.metadata?.name}`)).toEqual([
      'ConfigMap/team-a/limits',
      'Settings//global',
      'ConfigMap/team-b/limits',
    ]);
    expect(result.namespaces.map((n) => n.metadata?.name)).toEqual(['from-config', 'team-a']);
    expect(result.errors.map((e) => [e.code, path.basename(e.file), e.line])).toEqual([
      ['YAML_INVALID', 'broken.yaml', 4],
      ['POLICY_DUPLICATE', 'dup.yaml', 1],
      ['POLICY_DUPLICATE', 'ns.yaml', 1],
      ['POLICY_DUPLICATE', 'again.ts', undefined],
    ]);
    expect(result.errors[1]?.message).toBe(
      `${path.join(second, 'dup.yaml')}:1: ConfigMap 'team-a/limits' is already defined in ${path.join(first, 'params.yaml')}:1; names must be unique across policy folders`,
    );
    expect(result.errors[2]?.message).toBe(
      `${path.join(second, 'ns.yaml')}:1: Namespace 'from-config' is already defined in config file (namespaces); names must be unique across policy folders`,
    );
    expect(result.errors[3]?.message).toBe(
      `${path.join(second, 'again.ts')}: policy 'one' is already defined in ${path.join(first, 'one.ts')}; names must be unique across policy folders`,
    );
  });

  it('reports a folder that does not exist', async () => {
    const missing = path.join(first, 'nope');
    const result = await loadPolicies({ dirs: [missing], config: emptyConfig() });
    expect(result.errors.map((e) => e.code)).toEqual(['POLICY_PATH_UNREADABLE']);
    expect(result.policies).toEqual([]);
  });

  it('finds the built-in policy folder from the module location', () => {
    expect(builtinPolicyDir()).toBe(path.resolve(import.meta.dirname, '../../policies'));
  });
});
