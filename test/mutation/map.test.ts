 
import { describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../../src/admission/types.js';
import { createPatch } from '../../src/admission/patch.js';
import { createCelEnvironment } from '../../src/cel/index.js';
import type { Lookups, MutationResult, Policy } from '../../src/engine/types.js';
import { buildMutatingPolicies } from '../../src/loaders/map.js';
import { MutatingPolicyBinding } from '../../src/loaders/map-policy.js';
import { deployment, deploymentRequest, docs, lookups, namespace } from '../vap/helpers.js';

const cel = createCelEnvironment();

function policyYaml(spec: string, extra = ''): string {
  return `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicy
metadata: {name: p}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]
${spec}
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicyBinding
metadata: {name: b}
spec:
  policyName: p
${extra}`;
}

function build(yaml: string) {
  const built = buildMutatingPolicies(docs(yaml), { cel });
  return built;
}

function only(yaml: string): Policy {
  const built = build(yaml);
  expect(built.errors.map((e) => e.message)).toEqual([]);
  expect(built.policies).toHaveLength(1);
  return built.policies[0]!;
}

function run(policy: Policy, object: KubeObject | null = deployment(1), options: { lookups?: Lookups; namespaceObject?: KubeObject | null; operation?: 'CREATE' | 'UPDATE' | 'DELETE' } = {}): MutationResult {
  const request = deploymentRequest(object, { operation: options.operation ?? 'CREATE' });
  return policy.mutate!({ request, namespaceObject: options.namespaceObject ?? null, lookups: options.lookups ?? lookups() }, structuredClone(object) as KubeObject);
}

function patchOf(policy: Policy, object: KubeObject = deployment(1)) {
  const result = run(policy, object);
  expect(result.findings ?? []).toEqual([]);
  return createPatch(object, result.object ?? object);
}

describe('MutatingAdmissionPolicy: JSONPatch mutations', () => {
  const labelPolicy = only(
    policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: >
        [
          JSONPatch{op: "add", path: "/metadata/labels/" + jsonpatch.escapeKey("example.com/owner~team"), value: "platform"},
          JSONPatch{op: "replace", path: "/spec/replicas", value: object.spec.replicas * 2}
        ]`),
  );

  it('produces the exact patch, escaping / and ~ in keys', () => {
    expect(patchOf(labelPolicy, deployment(2))).toEqual([
      { op: 'replace', path: '/spec/replicas', value: 4 },
      { op: 'add', path: '/metadata/labels/example.com~1owner~0team', value: 'platform' },
    ]);
  });

  it('leaves DELETE alone (there is no object to mutate)', () => {
    expect(run(labelPolicy, deployment(2), { operation: 'DELETE' })).toEqual({});
  });

  it('cancels the whole patch without error when a test operation fails', () => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: >
        [JSONPatch{op: "test", path: "/spec/replicas", value: 1}, JSONPatch{op: "replace", path: "/spec/replicas", value: 5}]`),
    );
    expect(patchOf(policy, deployment(1))).toEqual([{ op: 'replace', path: '/spec/replicas', value: 5 }]);
    expect(run(policy, deployment(3))).toEqual({ findings: [] });
  });

  it('denies with failurePolicy Fail when an operation does not apply, naming the item', () => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "replace", path: "/spec/missing/field", value: 1}]'`),
    );
    const result = run(policy);
    expect(result.object).toBeUndefined();
    expect(result.findings).toEqual([
      {
        policy: 'p',
        rule: 'mutations[0]',
        action: 'Deny',
        message: "policy 'p' with binding 'b' denied request: item 0 (replace /spec/missing/field): Cannot perform the operation at a path that does not exist",
        code: 403,
        reason: 'Invalid',
        error: true,
      },
    ]);
  });

  it('warns and goes on with failurePolicy Ignore', () => {
    const policy = only(
      policyYaml(`  failurePolicy: Ignore
  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "remove", path: "/spec/nothing"}]'
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/spec/paused", value: true}]'`),
    );
    const result = run(policy);
    expect(result.findings).toEqual([
      {
        policy: 'p',
        rule: 'mutations[0]',
        action: 'Warn',
        message:
          "MutatingAdmissionPolicy 'p' with binding 'b' could not be applied (failurePolicy Ignore, request allowed): item 0 (remove /spec/nothing): Cannot perform the operation at a path that does not exist",
        error: true,
      },
    ]);
    expect(createPatch(deployment(1), result.object!)).toEqual([{ op: 'add', path: '/spec/paused', value: true }]);
  });

  it.each([
    ['"not a list"', 'the expression must return a list of JSONPatch, got string'],
    ['[1]', 'item 0 must be a JSONPatch, got number'],
    ['[JSONPatch{op: "merge", path: "/spec"}]', 'item 0: op must be one of add, remove, replace, move, copy, test; got "merge"'],
    ['[JSONPatch{op: "add", path: "spec/x", value: 1}]', 'item 0 (add): path must be a JSON pointer such as "/spec/replicas", got "spec/x"'],
    ['[JSONPatch{op: "add", path: "/spec/x"}]', 'item 0 (add /spec/x): value is required'],
    ['[JSONPatch{op: "copy", path: "/spec/x"}]', 'item 0 (copy /spec/x): from must be a JSON pointer, got undefined'],
    ['[JSONPatch{op: "replace", path: "/kind", value: "Pod"}]', 'mutation must not change kind (from "Deployment" to "Pod")'],
    ['[JSONPatch{op: "replace", path: "/metadata/name", value: "other"}]', 'mutation must not change metadata.name (from "web" to "other")'],
    ['[JSONPatch{op: "replace", path: "/spec", value: "text"}]', 'mutation changed the type of spec (object -> string)'],
  ])('reports a bad result: %s', (expression, message) => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '${expression.replace(/'/g, "''")}'`),
    );
    expect(run(policy).findings?.map((f) => f.message)).toEqual([`policy 'p' with binding 'b' denied request: ${message}`]);
  });

  it('reports an evaluation error with the expression', () => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/spec/x", value: object.spec.nothing}]'`),
    );
    const [finding] = run(policy).findings!;
    expect(finding!.message).toMatch(
      /^policy 'p' with binding 'b' denied request: expression '\[JSONPatch\{op: "add", path: "\/spec\/x", value: object\.spec\.nothing\}\]' resulted in error: .*nothing/,
    );
  });
});

describe('MutatingAdmissionPolicy: ApplyConfiguration mutations', () => {
  const sidecar = only(
    policyYaml(`  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: >
        Object{
          metadata: Object.metadata{labels: {"mesh": "on"}},
          spec: Object.spec{template: Object.spec.template{spec: Object.spec.template.spec{
            initContainers: [Object.spec.template.spec.initContainers{name: "proxy", image: "mesh/proxy:1", restartPolicy: "Always"}],
            containers: [Object.spec.template.spec.containers{name: "app", env: [Object.spec.template.spec.containers.env{name: "MESH", value: "1"}]}]
          }}}
        }`),
  );

  it('merges maps and keyed lists (containers by name) without dropping what the object has', () => {
    const object = deployment(1);
    (object.spec as any).template.spec.containers.push({ name: 'log', image: 'fluent' });
    (object.spec as any).template.spec.initContainers = [{ name: 'migrate', image: 'm' }];
    const patch = patchOf(sidecar, object);
    expect(patch).toEqual([
      { op: 'add', path: '/spec/template/spec/initContainers/1', value: { name: 'proxy', image: 'mesh/proxy:1', restartPolicy: 'Always' } },
      { op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'MESH', value: '1' }] },
      { op: 'add', path: '/metadata/labels/mesh', value: 'on' },
    ]);
    const patched = jsonpatch.applyPatch(structuredClone(object), patch as jsonpatch.Operation[], true, false).newDocument;
    // applying the mutation to its own result changes nothing (reinvocation-safe)
    expect(patchOf(sidecar, patched)).toEqual([]);
  });

  it('replaces lists it does not know as keyed (args), and keeps optional fields only when set', () => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: >
        Object{spec: Object.spec{
          ?paused: optional.none(),
          ?minReadySeconds: optional.of(5),
          template: Object.spec.template{spec: Object.spec.template.spec{containers: [Object.spec.template.spec.containers{name: "app", args: ["--fast"]}]}}
        }}`),
    );
    const object = deployment(1);
    (object.spec as any).template.spec.containers[0].args = ['--slow', '--verbose'];
    // lists are patched by index, highest index removed first
    expect(patchOf(policy, object)).toEqual([
      { op: 'remove', path: '/spec/template/spec/containers/0/args/1' },
      { op: 'replace', path: '/spec/template/spec/containers/0/args/0', value: '--fast' },
      { op: 'add', path: '/spec/minReadySeconds', value: 5 },
    ]);
  });

  it('requires an object result', () => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: '[1, 2]'`),
    );
    expect(run(policy).findings?.map((f) => f.message)).toEqual([
      "policy 'p' with binding 'b' denied request: error applying patch: the applyConfiguration expression must return an Object, got list",
    ]);
  });

  it('runs mutations in order, each seeing the previous result (and variables computed on it)', () => {
    const policy = only(
      policyYaml(`  variables:
  - name: doubled
    expression: object.spec.replicas * 2
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{spec: Object.spec{replicas: object.spec.replicas + 1}}'
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/metadata/annotations", value: {"doubled": string(variables.doubled)}}]'`),
    );
    expect(patchOf(policy, deployment(2))).toEqual([
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/annotations', value: { doubled: '6' } },
    ]);
  });
});

describe('MutatingAdmissionPolicy: matching, conditions and params', () => {
  it('skips when a matchCondition is false and fails by failurePolicy when one errors', () => {
    const yaml = (condition: string) =>
      policyYaml(`  matchConditions:
  - name: big
    expression: '${condition}'
  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/spec/paused", value: true}]'`);
    expect(run(only(yaml('object.spec.replicas > 5')), deployment(1))).toEqual({ findings: [] });
    expect(patchOf(only(yaml('object.spec.replicas > 5')), deployment(9))).toEqual([{ op: 'add', path: '/spec/paused', value: true }]);
    const [finding] = run(only(yaml('object.spec.nothing > 5'))).findings!;
    expect(finding!.rule).toBe('matchConditions');
    expect(finding!.action).toBe('Deny');
    expect(finding!.message).toMatch(/^policy 'p' with binding 'b' denied request: expression 'object\.spec\.nothing > 5' resulted in error: /);
  });

  it('honours the binding matchResources namespaceSelector', () => {
    const policy = only(
      policyYaml(
        `  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/spec/paused", value: true}]'`,
        `  matchResources:
    namespaceSelector: {matchLabels: {mutate: "yes"}}`,
      ),
    );
    const ns = (labels: Record<string, string>) => namespace('default', labels);
    expect(run(policy, deployment(1), { namespaceObject: ns({}), lookups: lookups([], [ns({})]) })).toEqual({});
    const yes = ns({ mutate: 'yes' });
    expect(createPatch(deployment(1), run(policy, deployment(1), { namespaceObject: yes, lookups: lookups([], [yes]) }).object!)).toEqual([
      { op: 'add', path: '/spec/paused', value: true },
    ]);
  });

  it('reads params through paramRef, and follows parameterNotFoundAction Deny', () => {
    const policy = only(
      policyYaml(
        `  paramKind: {apiVersion: v1, kind: ConfigMap}
  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/metadata/labels/team", value: params.data.team}]'`,
        `  paramRef: {name: settings, parameterNotFoundAction: Deny}`,
      ),
    );
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { team: 'shop' } };
    expect(createPatch(deployment(1), run(policy, deployment(1), { lookups: lookups([config]) }).object!)).toEqual([
      { op: 'add', path: '/metadata/labels/team', value: 'shop' },
    ]);
    expect(run(policy, deployment(1), { lookups: lookups([]) }).findings).toEqual([
      {
        policy: 'p',
        rule: 'paramRef',
        action: 'Deny',
        message: "policy 'p' with binding 'b' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
        code: 403,
        reason: 'Invalid',
        error: true,
      },
    ]);
  });

  it('exposes reinvocationPolicy and failurePolicy on the engine policy', () => {
    const policy = only(
      policyYaml(`  reinvocationPolicy: IfNeeded
  failurePolicy: Ignore
  mutations:
  - patchType: JSONPatch
    jsonPatch: {expression: '[]'}`),
    ) as MutatingPolicyBinding;
    expect(policy).toBeInstanceOf(MutatingPolicyBinding);
    expect([policy.name, policy.source, policy.bindingName, policy.reinvocationPolicy, policy.failurePolicy]).toEqual([
      'p', 'MutatingAdmissionPolicy', 'b', 'IfNeeded', 'Ignore',
    ]);
    expect(policy.rules).toEqual([{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }]);
  });
});

describe('MutatingAdmissionPolicy: budget and versions', () => {
  it('fails by failurePolicy when an expression runs out of cost budget', () => {
    const small = createCelEnvironment({ costLimit: 50 });
    const built = buildMutatingPolicies(
      docs(
        policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/spec/x", value: [1,2,3,4,5,6,7,8,9,10].map(i, [1,2,3,4,5,6,7,8,9,10].map(j, i * j))}]'`),
      ),
      { cel: small },
    );
    const request = deploymentRequest(deployment(1));
    const result = built.policies[0]!.mutate!({ request, namespaceObject: null, lookups: lookups() }, deployment(1));
    expect(result.findings?.map((f) => f.message)).toEqual(["policy 'p' with binding 'b' denied request: mutation failed due to running out of cost budget"]);
  });

  it('mutates a request sent in an equivalent version and keeps that version', () => {
    const policy = only(
      policyYaml(`  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{metadata: Object.metadata{labels: {"seen-as": object.apiVersion.replace("/", ".")}}}'`),
    );
    const object = { ...deployment(1), apiVersion: 'apps/v1beta2' };
    const request = deploymentRequest(object, {
      kind: { group: 'apps', version: 'v1beta2', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1beta2', resource: 'deployments' },
    });
    const result = policy.mutate!({ request, namespaceObject: null, lookups: lookups() }, structuredClone(object));
    expect(result.findings).toEqual([]);
    // CEL saw the object as apps/v1 (the rule's version); the answer stays in apps/v1beta2
    expect(createPatch(object, result.object!)).toEqual([{ op: 'add', path: '/metadata/labels/seen-as', value: 'apps.v1' }]);
  });
});

describe('MutatingAdmissionPolicy: compile errors point into the expression as written', () => {
  it.each([
    ['Object{spec: Object.spec{replicas: 1 +* 2}}', 'ERROR: <input>:1:39: Unexpected token: MULTIPLY'],
    ['Object{spec: Object.spec{selector: Object.spec.wrong{}}}', 'ERROR: <input>:1:36: type mismatch: Object.spec.wrong is used where Object.spec.selector is expected'],
    ['Thing{a: 1}', 'ERROR: <input>:1:1: unknown type Thing: mutations construct JSONPatch, Object or Object.<field>... values'],
    ['Object{spec: Object.spec{replicas: }}', 'ERROR: <input>:1:36: field replicas of Object.spec{...} has no value'],
    ['Object{spec: Object.spec{replicas: nope}}', "ERROR: <input>:1:36: undeclared reference to 'nope'"],
  ])('%s', (expression, error) => {
    const built = build(
      policyYaml(`  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: '${expression}'`),
    );
    expect(built.errors).toEqual([]);
    const field = 'spec.mutations[0].applyConfiguration.expression';
    expect(built.compileErrors.map((e) => [e.code, e.field, e.message.split('\n')[0]])).toEqual([
      ['CEL_COMPILE', field, `policies/test.yaml:1: MutatingAdmissionPolicy "p": ${field}: ${error}`],
    ]);
    // the policy is still built and fails by failurePolicy (Fail) at review time
    const [finding] = run(built.policies[0]!).findings!;
    expect(finding!.action).toBe('Deny');
    expect(finding!.message.split('\n')[0]).toBe(`policy 'p' with binding 'b' denied request: compilation error: ${field}: ${error}`);
  });

  it('rejects unknown JSONPatch fields', () => {
    const built = build(
      policyYaml(`  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: '[JSONPatch{op: "add", path: "/x", val: 1}]'`),
    );
    expect(built.compileErrors[0]!.message.split('\n')[0]).toBe(
      'policies/test.yaml:1: MutatingAdmissionPolicy "p": spec.mutations[0].jsonPatch.expression: ERROR: <input>:1:35: JSONPatch has no field "val" (fields: op, path, from, value)',
    );
  });

  it('does not give matchConditions the variables', () => {
    const built = build(
      policyYaml(`  variables: [{name: v, expression: 'true'}]
  matchConditions: [{name: c, expression: 'variables.v'}]
  mutations:
  - patchType: JSONPatch
    jsonPatch: {expression: '[]'}`),
    );
    expect(built.compileErrors.map((e) => e.field)).toEqual(['spec.matchConditions[0].expression']);
  });
});

describe('MutatingAdmissionPolicy: invalid documents', () => {
  const head = `apiVersion: admissionregistration.k8s.io/v1alpha1
kind: MutatingAdmissionPolicy
metadata: {name: p}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]`;
  it.each([
    ['no mutations', '', ['spec.mutations: Required value: mutations must contain at least one item']],
    ['an unknown patchType', '  mutations: [{patchType: Merge}]', ['spec.mutations[0].patchType: Unsupported value: "Merge": supported values: "ApplyConfiguration", "JSONPatch"']],
    ['a missing jsonPatch', '  mutations: [{patchType: JSONPatch}]', ['spec.mutations[0].jsonPatch: Required value: must be specified when patchType is JSONPatch']],
    [
      'both patch kinds',
      "  mutations: [{patchType: JSONPatch, jsonPatch: {expression: '[]'}, applyConfiguration: {expression: 'Object{}'}}]",
      ['spec.mutations[0].applyConfiguration: Forbidden: must not be specified when patchType is JSONPatch'],
    ],
    [
      'a bad reinvocationPolicy',
      "  reinvocationPolicy: Always\n  mutations: [{patchType: JSONPatch, jsonPatch: {expression: '[]'}}]",
      ['spec.reinvocationPolicy: Unsupported value: "Always": supported values: "Never", "IfNeeded"'],
    ],
  ])('reports %s', (_name, rest, messages) => {
    const built = build(`${head}\n${rest}`);
    expect(built.policies).toEqual([]);
    expect(built.errors.map((e) => e.message)).toEqual(messages.map((m) => `policies/test.yaml:1: MutatingAdmissionPolicy "p" is invalid: ${m}`));
    expect(built.errors.every((e) => e.code === 'MAP_INVALID')).toBe(true);
  });

  it('refuses DELETE in matchConstraints (mutating policies cannot match it)', () => {
    const built = build(
      head.replace('operations: [CREATE]', 'operations: [CREATE, DELETE]') + "\n  mutations: [{patchType: JSONPatch, jsonPatch: {expression: '[]'}}]",
    );
    expect(built.errors.map((e) => e.message)).toEqual([
      'policies/test.yaml:1: MutatingAdmissionPolicy "p" is invalid: spec.matchConstraints.resourceRules[0].operations[1]: Unsupported value: "DELETE": supported values: "*", "CONNECT", "CREATE", "UPDATE"',
    ]);
  });

  it('warns about a policy without binding and a binding without policy', () => {
    const built = build(`${head}\n  mutations: [{patchType: JSONPatch, jsonPatch: {expression: '[]'}}]
---
apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingAdmissionPolicyBinding
metadata: {name: lost}
spec: {policyName: missing}`);
    expect(built.policies).toEqual([]);
    expect(built.warnings.map((w) => [w.code, w.message])).toEqual([
      ['MAP_BINDING_ORPHAN', 'policies/test.yaml:9: MutatingAdmissionPolicyBinding "lost" refers to MutatingAdmissionPolicy "missing", which is not loaded: the binding does nothing'],
      ['MAP_UNBOUND', 'policies/test.yaml:1: MutatingAdmissionPolicy "p" has no MutatingAdmissionPolicyBinding: it mutates nothing'],
    ]);
  });
});
