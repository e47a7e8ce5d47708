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

  it('builds CEL policies, reports CEL compile errors and unbound policies separately from load errors', async () => {
    const rules = 'resourceRules: [{apiGroups: [""], apiVersions: [v1], resources: [pods], operations: [CREATE]}]';
    const dir = await makeTree({
      'a-vap.yaml': [
        'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicy', 'metadata: {name: vap-ok}',
        `spec: {failurePolicy: Fail, matchConstraints: {${rules}}, validations: [{expression: "object.metadata.name != 'bad'"}]}`,
        '---', 'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicyBinding', 'metadata: {name: vap-ok-binding}',
        'spec: {policyName: vap-ok, validationActions: [Deny]}',
        '---', 'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicy', 'metadata: {name: vap-bad-cel}',
        `spec: {failurePolicy: Fail, matchConstraints: {${rules}}, validations: [{expression: "object.metadata.name =="}]}`,
        '---', 'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicyBinding', 'metadata: {name: vap-bad-cel-binding}',
        'spec: {policyName: vap-bad-cel, validationActions: [Deny]}',
        '---', 'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicy', 'metadata: {name: vap-unbound}',
        `spec: {matchConstraints: {${rules}}, validations: [{expression: "true"}]}`,
      ].join('\n'),
      'b-map.yaml': [
        'apiVersion: admissionregistration.k8s.io/v1beta1', 'kind: MutatingAdmissionPolicy', 'metadata: {name: map-label}',
        `spec: {reinvocationPolicy: Never, matchConstraints: {${rules}}, mutations: [{patchType: ApplyConfiguration, applyConfiguration: {expression: "Object{metadata: Object.metadata{labels: {'x': 'y'}}}"}}]}`,
        '---', 'apiVersion: admissionregistration.k8s.io/v1beta1', 'kind: MutatingAdmissionPolicyBinding', 'metadata: {name: map-label-binding}',
        'spec: {policyName: map-label}',
      ].join('\n'),
      'c.ts': tsPolicy('ts-last'),
      'd.ts': tsPolicy('vap-ok'),
    });
    try {
      const result = await loadPolicies({ dirs: [dir], config: emptyConfig() });
      expect(result.policies.map((p) => [p.name, p.source])).toEqual([
        ['vap-ok', 'ValidatingAdmissionPolicy'],
        ['vap-bad-cel', 'ValidatingAdmissionPolicy'],
        ['map-label', 'MutatingAdmissionPolicy'],
        ['ts-last', 'TypeScript'],
      ]);
      expect(result.errors.map((e) => e.message)).toEqual([
        `${path.join(dir, 'd.ts')}: policy 'vap-ok' is already defined in ${path.join(dir, 'a-vap.yaml')}:1; names must be unique across policy folders`,
      ]);
      expect(result.compileErrors.map((e) => [e.code, e.policy, e.line])).toEqual([['CEL_COMPILE', 'vap-bad-cel', 11]]);
      expect(result.warnings.map((e) => [e.code, e.policy])).toEqual([['VAP_UNBOUND', 'vap-unbound']]);
    } finally {
      await removeTree(dir);
    }
  });

  it('reports a folder that does not exist', async () => {
    const missing = path.join(first, 'nope');
    const result = await loadPolicies({ dirs: [missing], config: emptyConfig() });
    expect(result.errors.map((e) => e.code)).toEqual(['POLICY_PATH_UNREADABLE']);
    expect(result.policies).toEqual([]);
  });

  it('finds the built-in policy folder from the module location, and it loads cleanly', async () => {
    expect(builtinPolicyDir()).toBe(path.resolve(import.meta.dirname, '../../policies'));
    const result = await loadPolicies({ dirs: [builtinPolicyDir()], config: emptyConfig() });
    expect(result.errors.map((e) => e.message)).toEqual([]);
    expect(result.compileErrors.map((e) => e.message)).toEqual([]);
    expect(result.policies.map((p) => p.name)).toEqual(expect.arrayContaining(['pod-security', 'defaults']));
  });
});
