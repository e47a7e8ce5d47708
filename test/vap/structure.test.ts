/**
 * Structural validation of ValidatingAdmissionPolicy / Binding documents: every check the
 * apiserver makes on create, each with its exact message.
 */
import { describe, expect, it } from 'vitest';
import { buildValidatingPolicies } from '../../src/loaders/vap.js';
import { readValidatingBinding, readValidatingPolicy } from '../../src/loaders/vap-spec.js';
import { NO_CEL, docs } from './helpers.js';

type Doc = Record<string, unknown>;

function policy(spec: Doc = {}, metadata: Doc = { name: 'demo-policy.example.com' }): Doc {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }],
      },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
      ...spec,
    },
  };
}

function binding(spec: Doc = {}, metadata: Doc = { name: 'demo-binding' }): Doc {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata,
    spec: { policyName: 'demo-policy.example.com', validationActions: ['Deny'], ...spec },
  };
}

const policyErrors = (doc: Doc) => readValidatingPolicy(doc).errors.map((e) => e.message);
const bindingErrors = (doc: Doc) => readValidatingBinding(doc).errors.map((e) => e.message);
const rules = (rule: Doc) => ({ matchConstraints: { resourceRules: [rule] } });
const baseRule = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] };

describe('ValidatingAdmissionPolicy structure', () => {
  it('accepts the documentation example and applies the API defaults', () => {
    const read = readValidatingPolicy(policy({ failurePolicy: undefined }));
    expect(read.errors).toEqual([]);
    expect(read.spec.failurePolicy).toBe('Fail');
    expect(read.spec.matchConstraints.matchPolicy).toBeUndefined();
    expect(read.spec.validations).toEqual([{ expression: 'object.spec.replicas <= 5' }]);
  });

  it('envelope: apiVersion, kind, metadata.name, spec', () => {
    expect(policyErrors({ ...policy(), apiVersion: 'admissionregistration.k8s.io/v1alpha9' })).toEqual([
      'apiVersion: Unsupported value: "admissionregistration.k8s.io/v1alpha9": supported values: "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"',
    ]);
    expect(policyErrors(policy({}, {}))).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(policyErrors(policy({}, { name: 'Demo_Policy' }))).toEqual([
      `metadata.name: Invalid value: "Demo_Policy": must be a lowercase RFC 1123 subdomain: lower case alphanumerics, '-' or '.', starting and ending with an alphanumeric (e.g. 'example.com')`,
    ]);
    expect(policyErrors({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' } })).toEqual([
      'spec: Required value',
      'spec.matchConstraints: Required value',
      'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
      'spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item',
    ]);
  });

  it('unknown fields are reported (typos such as `validation:`)', () => {
    expect(policyErrors(policy({ validation: [] }))).toEqual([
      'spec.validation: Unknown field (not part of the admissionregistration.k8s.io API; check the spelling)',
    ]);
    expect(policyErrors(policy({ validations: [{ expresion: 'true' }] }))).toEqual([
      'spec.validations[0].expresion: Unknown field (not part of the admissionregistration.k8s.io API; check the spelling)',
      'spec.validations[0].expression: Required value: expression is not specified',
    ]);
  });

  it('failurePolicy', () => {
    expect(policyErrors(policy({ failurePolicy: 'Deny' }))).toEqual([
      'spec.failurePolicy: Unsupported value: "Deny": supported values: "Fail", "Ignore"',
    ]);
    expect(policyErrors(policy({ failurePolicy: 3 }))).toEqual(['spec.failurePolicy: Invalid value: 3: must be a string']);
  });

  it('paramKind', () => {
    expect(policyErrors(policy({ paramKind: { kind: 'ReplicaLimit' } }))).toEqual(['spec.paramKind.apiVersion: Required value']);
    expect(policyErrors(policy({ paramKind: { apiVersion: 'rules.example.com/v1' } }))).toEqual(['spec.paramKind.kind: Required value']);
    expect(policyErrors(policy({ paramKind: { apiVersion: 'a/b/c', kind: 'X' } }))).toEqual([
      'spec.paramKind.apiVersion: Invalid value: "a/b/c": must be "version" or "group/version"',
    ]);
    expect(policyErrors(policy({ paramKind: { apiVersion: 'rules.example.com/', kind: 'X' } }))).toEqual([
      'spec.paramKind.apiVersion: Invalid value: "rules.example.com/": version must be specified',
    ]);
    expect(policyErrors(policy({ paramKind: { apiVersion: 'v1', kind: 'Config_Map' } }))).toEqual([
      `spec.paramKind.kind: Invalid value: "Config_Map": may have mixed case, but otherwise must be an RFC 1035 label: lower case alphanumerics or '-', starting with a letter and ending with an alphanumeric (e.g. 'my-name')`,
    ]);
  });

  it('matchConstraints needs resourceRules', () => {
    expect(policyErrors(policy({ matchConstraints: {} }))).toEqual(['spec.matchConstraints.resourceRules: Required value']);
    expect(policyErrors(policy({ matchConstraints: { resourceRules: [] } }))).toEqual(['spec.matchConstraints.resourceRules: Required value']);
    expect(policyErrors(policy({ matchConstraints: { ...rules(baseRule).matchConstraints, matchPolicy: 'Fuzzy' } }))).toEqual([
      'spec.matchConstraints.matchPolicy: Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact"',
    ]);
  });

  it('resource rules: required lists and wildcards', () => {
    const p = 'spec.matchConstraints.resourceRules[0]';
    expect(policyErrors(policy(rules({})))).toEqual([
      `${p}.operations: Required value`,
      `${p}.apiGroups: Required value`,
      `${p}.apiVersions: Required value`,
      `${p}.resources: Required value`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, operations: ['*', 'CREATE'] })))).toEqual([
      `${p}.operations: Invalid value: ["*","CREATE"]: if '*' is present, must not specify other operations`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, operations: ['PATCH'] })))).toEqual([
      `${p}.operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, apiGroups: ['*', 'apps'] })))).toEqual([
      `${p}.apiGroups: Invalid value: ["*","apps"]: if '*' is present, must not specify other API groups`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, apiVersions: ['*', 'v1'] })))).toEqual([
      `${p}.apiVersions: Invalid value: ["*","v1"]: if '*' is present, must not specify other API versions`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, apiVersions: [''] })))).toEqual([`${p}.apiVersions[0]: Required value`]);
    expect(policyErrors(policy(rules({ ...baseRule, scope: 'Global' })))).toEqual([
      `${p}.scope: Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"`,
    ]);
  });

  it('resource rules: resources and subresources', () => {
    const p = 'spec.matchConstraints.resourceRules[0].resources';
    expect(policyErrors(policy(rules({ ...baseRule, resources: [''] })))).toEqual([`${p}[0]: Required value`]);
    expect(policyErrors(policy(rules({ ...baseRule, resources: ['*/*', 'pods'] })))).toEqual([
      `${p}: Invalid value: ["*/*","pods"]: if '*/*' is present, must not specify other resources`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, resources: ['*', 'pods'] })))).toEqual([
      `${p}: Invalid value: ["*","pods"]: if '*' is present, must not specify other resources without subresources`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, resources: ['pods/*', 'pods/status'] })))).toEqual([
      `${p}[1]: Invalid value: "pods/status": if 'pods/*' is present, must not specify pods/status`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, resources: ['*/scale', 'deployments/scale'] })))).toEqual([
      `${p}[1]: Invalid value: "deployments/scale": if '*/scale' is present, must not specify deployments/scale`,
    ]);
    expect(policyErrors(policy(rules({ ...baseRule, resources: ['*', 'pods/status'] })))).toEqual([]);
  });

  it('resource rules: resourceNames', () => {
    const p = 'spec.matchConstraints.resourceRules[0].resourceNames';
    expect(policyErrors(policy(rules({ ...baseRule, resourceNames: ['a/b', '..', 'x', 'x'] })))).toEqual([
      `${p}[0]: Invalid value: "a/b": may not contain '/'`,
      `${p}[1]: Invalid value: "..": may not be '..'`,
      `${p}[3]: Duplicate value: "x"`,
    ]);
  });

  it('label selectors', () => {
    const selector = (namespaceSelector: Doc) => ({ matchConstraints: { resourceRules: [baseRule], namespaceSelector } });
    const p = 'spec.matchConstraints.namespaceSelector';
    expect(policyErrors(policy(selector({ matchExpressions: [{ key: 'env', operator: 'In' }] })))).toEqual([
      `${p}.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    ]);
    expect(policyErrors(policy(selector({ matchExpressions: [{ key: 'env', operator: 'Exists', values: ['a'] }] })))).toEqual([
      `${p}.matchExpressions[0].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
    ]);
    expect(policyErrors(policy(selector({ matchExpressions: [{ key: 'env', operator: 'Gt', values: ['1'] }] })))).toEqual([
      `${p}.matchExpressions[0].operator: Unsupported value: "Gt": supported values: "In", "NotIn", "Exists", "DoesNotExist"`,
    ]);
    expect(policyErrors(policy(selector({ matchExpressions: [{ operator: 'Exists' }] })))).toEqual([`${p}.matchExpressions[0].key: Required value`]);
    expect(policyErrors(policy(selector({ matchLabels: { 'bad key!': 'x' } })))).toEqual([
      `${p}.matchLabels: Invalid value: "bad key!": name part must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (e.g. 'my.name')`,
    ]);
    expect(policyErrors(policy(selector({ matchLabels: { env: 'no spaces' } })))).toEqual([
      `${p}.matchLabels: Invalid value: "no spaces": must be empty or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (e.g. 'my_value')`,
    ]);
    expect(policyErrors(policy(selector({ matchLabels: { env: 3 } })))).toEqual([`${p}.matchLabels.env: Invalid value: 3: must be a string`]);
  });

  it('matchConditions', () => {
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `c${i}`, expression: 'true' }));
    expect(policyErrors(policy({ matchConditions: many }))).toEqual(['spec.matchConditions: Too many: 65: must have at most 64 items']);
    expect(policyErrors(policy({ matchConditions: [{ expression: 'true' }] }))).toEqual(['spec.matchConditions[0].name: Required value']);
    expect(policyErrors(policy({ matchConditions: [{ name: 'a', expression: '  ' }] }))).toEqual(['spec.matchConditions[0].expression: Required value']);
    expect(policyErrors(policy({ matchConditions: [{ name: 'a', expression: 'true' }, { name: 'a', expression: 'true' }] }))).toEqual([
      'spec.matchConditions[1].name: Duplicate value: "a"',
    ]);
    expect(policyErrors(policy({ matchConditions: [{ name: 'not valid', expression: 'true' }] }))).toEqual([
      `spec.matchConditions[0].name: Invalid value: "not valid": name part must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (e.g. 'my.name')`,
    ]);
  });

  it('variables', () => {
    expect(policyErrors(policy({ variables: [{ expression: 'true' }] }))).toEqual(['spec.variables[0].name: Required value: name is not specified']);
    expect(policyErrors(policy({ variables: [{ name: 'x' }] }))).toEqual(['spec.variables[0].expression: Required value: expression is not specified']);
    expect(policyErrors(policy({ variables: [{ name: '1x', expression: 'true' }] }))).toEqual([
      'spec.variables[0].name: Invalid value: "1x": name is not a valid CEL identifier',
    ]);
    expect(policyErrors(policy({ variables: [{ name: 'namespace', expression: 'true' }] }))).toEqual([
      'spec.variables[0].name: Invalid value: "namespace": name is not a valid CEL identifier',
    ]);
    expect(policyErrors(policy({ variables: [{ name: 'x', expression: '1' }, { name: 'x', expression: '2' }] }))).toEqual([
      'spec.variables[1].name: Duplicate value: "x"',
    ]);
  });

  it('validations', () => {
    const v = (validation: Doc) => policyErrors(policy({ validations: [validation] }));
    expect(v({ expression: ' ' })).toEqual(['spec.validations[0].expression: Required value: expression is not specified']);
    expect(v({ expression: 'true', messageExpression: '  ' })).toEqual([
      'spec.validations[0].messageExpression: Invalid value: "  ": must be non-empty if specified',
    ]);
    expect(v({ expression: 'true', message: '  ' })).toEqual(['spec.validations[0].message: Invalid value: "  ": message must be non-empty if specified']);
    expect(v({ expression: 'true', message: 'two\nlines' })).toEqual([
      'spec.validations[0].message: Invalid value: "two\\nlines": message must not contain line breaks',
    ]);
    expect(v({ expression: 'true', reason: 'Conflict' })).toEqual([
      'spec.validations[0].reason: Unsupported value: "Conflict": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"',
    ]);
    expect(v({ expression: 'true', reason: 'Unauthorized' })).toEqual([]);
    expect(policyErrors(policy({ validations: ['object.spec.replicas <= 5'] }))).toEqual([
      'spec.validations[0]: Invalid value: "object.spec.replicas <= 5": must be an object',
    ]);
    expect(policyErrors(policy({ validations: { expression: 'true' } }))).toEqual([
      'spec.validations: Invalid value: {"expression":"true"}: must be a list',
      'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
      'spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item',
    ]);
  });

  it('auditAnnotations', () => {
    const a = (auditAnnotations: unknown[]) => policyErrors(policy({ validations: undefined, auditAnnotations }));
    expect(a([{ key: 'high-replica-count', valueExpression: "'x'" }])).toEqual([]);
    expect(a([{ valueExpression: "'x'" }])).toEqual(['spec.auditAnnotations[0].key: Required value']);
    expect(a([{ key: 'k' }])).toEqual(['spec.auditAnnotations[0].valueExpression: Required value: valueExpression is not specified']);
    expect(a([{ key: 'bad key', valueExpression: "'x'" }])).toEqual([
      `spec.auditAnnotations[0].key: Invalid value: "bad key": name part must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric (e.g. 'my.name')`,
    ]);
    expect(a([{ key: 'k', valueExpression: "'x'" }, { key: 'k', valueExpression: "'y'" }])).toEqual(['spec.auditAnnotations[1].key: Duplicate value: "k"']);
    expect(a([{ key: 'k', valueExpression: `'${'x'.repeat(5200)}'` }])).toEqual([
      'spec.auditAnnotations[0].valueExpression: Required value: must not exceed 5120 bytes in length',
    ]);
    const many = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, valueExpression: "'x'" }));
    expect(a(many)).toEqual(['spec.auditAnnotations: Invalid value: "21 items": must not have more than 20 auditAnnotations']);
  });
});

describe('ValidatingAdmissionPolicyBinding structure', () => {
  it('accepts a minimal binding', () => {
    expect(bindingErrors(binding())).toEqual([]);
  });

  it('policyName is required and a DNS subdomain', () => {
    expect(bindingErrors(binding({ policyName: undefined }))).toEqual(['spec.policyName: Required value']);
    expect(bindingErrors(binding({ policyName: 'Bad_Name' }))).toEqual([
      `spec.policyName: Invalid value: "Bad_Name": must be a lowercase RFC 1123 subdomain: lower case alphanumerics, '-' or '.', starting and ending with an alphanumeric (e.g. 'example.com')`,
    ]);
  });

  it('validationActions', () => {
    expect(bindingErrors(binding({ validationActions: undefined }))).toEqual(['spec.validationActions: Required value: at least one validation action is required']);
    expect(bindingErrors(binding({ validationActions: [] }))).toEqual(['spec.validationActions: Required value: at least one validation action is required']);
    expect(bindingErrors(binding({ validationActions: ['Deny', 'Warn'] }))).toEqual([
      'spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (a denial already carries the message; warning it too repeats it)',
    ]);
    expect(bindingErrors(binding({ validationActions: ['Audit', 'Audit'] }))).toEqual(['spec.validationActions[1]: Duplicate value: "Audit"']);
    expect(bindingErrors(binding({ validationActions: ['Block'] }))).toEqual([
      'spec.validationActions[0]: Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"',
    ]);
    expect(bindingErrors(binding({ validationActions: ['Deny', 'Audit'] }))).toEqual([]);
    expect(bindingErrors(binding({ validationActions: ['Warn', 'Audit'] }))).toEqual([]);
  });

  it('paramRef', () => {
    const p = 'spec.paramRef';
    expect(bindingErrors(binding({ paramRef: { parameterNotFoundAction: 'Deny' } }))).toEqual([`${p}: Required value: one of name or selector must be specified`]);
    expect(bindingErrors(binding({ paramRef: { name: 'x' } }))).toEqual([`${p}.parameterNotFoundAction: Required value`]);
    expect(bindingErrors(binding({ paramRef: { name: 'x', parameterNotFoundAction: 'Ignore' } }))).toEqual([
      `${p}.parameterNotFoundAction: Unsupported value: "Ignore": supported values: "Allow", "Deny"`,
    ]);
    expect(bindingErrors(binding({ paramRef: { name: 'x', selector: {}, parameterNotFoundAction: 'Deny' } }))).toEqual([
      `${p}.name: Forbidden: name and selector are mutually exclusive`,
      `${p}.selector: Forbidden: name and selector are mutually exclusive`,
    ]);
    expect(bindingErrors(binding({ paramRef: { name: 'a/b', parameterNotFoundAction: 'Allow' } }))).toEqual([`${p}.name: Invalid value: "a/b": may not contain '/'`]);
    expect(bindingErrors(binding({ paramRef: { selector: { matchLabels: { a: 'b' } }, parameterNotFoundAction: 'Allow' } }))).toEqual([]);
  });

  it('matchResources is optional and validated like matchConstraints (no rules required)', () => {
    expect(bindingErrors(binding({ matchResources: { namespaceSelector: { matchLabels: { environment: 'test' } } } }))).toEqual([]);
    expect(bindingErrors(binding({ matchResources: { resourceRules: [{ ...baseRule, operations: [] }] } }))).toEqual([
      'spec.matchResources.resourceRules[0].operations: Required value',
    ]);
  });
});

describe('load errors name file, line, object and field', () => {
  it('reports each invalid field of each document and skips the document', () => {
    const text = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: demo
spec:
  failurePolicy: Sometimes
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= 5
  - expression: ""
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: demo-binding
spec:
  policyName: demo
  validationActions: [Deny, Warn]
`;
    const built = buildValidatingPolicies(docs(text), { cel: NO_CEL });
    expect(built.policies).toEqual([]);
    expect(built.errors.map((e) => e.message)).toEqual([
      'policies/test.yaml:1: ValidatingAdmissionPolicy "demo" is invalid: spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"',
      'policies/test.yaml:1: ValidatingAdmissionPolicy "demo" is invalid: spec.validations[1].expression: Required value: expression is not specified',
      'policies/test.yaml:17: ValidatingAdmissionPolicyBinding "demo-binding" is invalid: spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (a denial already carries the message; warning it too repeats it)',
    ]);
    expect(built.errors.map((e) => [e.code, e.file, e.line, e.policy, e.field])).toEqual([
      ['VAP_INVALID', 'policies/test.yaml', 1, 'demo', 'spec.failurePolicy'],
      ['VAP_INVALID', 'policies/test.yaml', 1, 'demo', 'spec.validations[1].expression'],
      ['VAP_BINDING_INVALID', 'policies/test.yaml', 17, 'demo-binding', 'spec.validationActions'],
    ]);
    // the binding of a rejected policy is not reported again as an orphan
    expect(built.warnings).toEqual([]);
  });

  it('reports other kinds handed to the builder', () => {
    const built = buildValidatingPolicies(docs('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n'), { cel: NO_CEL });
    expect(built.errors.map((e) => [e.code, e.message])).toEqual([
      ['VAP_UNEXPECTED_KIND', 'policies/test.yaml:1: ConfigMap is not a ValidatingAdmissionPolicy or ValidatingAdmissionPolicyBinding'],
    ]);
  });
});

describe('more malformed input, each with its exact error', () => {
  it('spec and metadata of the wrong type', () => {
    expect(policyErrors({ ...policy(), spec: 'x' })).toEqual([
      'spec: Invalid value: "x": must be an object',
      'spec: Required value',
      'spec.matchConstraints: Required value',
      'spec.validations: Required value: validations or auditAnnotations must contain at least one item',
      'spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item',
    ]);
    expect(policyErrors({ ...policy(), metadata: 'demo' })).toEqual([
      'metadata: Invalid value: "demo": must be an object',
      'metadata.name: Required value: name or generateName is required',
    ]);
  });

  it('v1beta1 is accepted with the same shape', () => {
    expect(policyErrors({ ...policy(), apiVersion: 'admissionregistration.k8s.io/v1beta1' })).toEqual([]);
    expect(bindingErrors({ ...binding(), apiVersion: 'admissionregistration.k8s.io/v1beta1' })).toEqual([]);
  });

  it('lists holding the wrong item types', () => {
    const p = 'spec.matchConstraints.resourceRules[0]';
    expect(policyErrors(policy(rules({ ...baseRule, apiGroups: ['apps', 7] })))).toEqual([`${p}.apiGroups[1]: Invalid value: 7: must be a string`]);
    expect(policyErrors(policy(rules({ ...baseRule, resources: 'deployments' })))).toEqual([
      `${p}.resources: Invalid value: "deployments": must be a list`,
      `${p}.resources: Required value`,
    ]);
    expect(policyErrors(policy({ matchConditions: { name: 'a', expression: 'true' } }))).toEqual([
      'spec.matchConditions: Invalid value: {"name":"a","expression":"true"}: must be a list',
    ]);
  });

  it('resourceNames may not contain %', () => {
    expect(policyErrors(policy(rules({ ...baseRule, resourceNames: ['a%20b'] })))).toEqual([
      `spec.matchConstraints.resourceRules[0].resourceNames[0]: Invalid value: "a%20b": may not contain '%'`,
    ]);
  });

  it('excludeResourceRules and objectSelector are checked too', () => {
    expect(policyErrors(policy({ matchConstraints: { resourceRules: [baseRule], excludeResourceRules: [{ ...baseRule, apiGroups: [] }] } }))).toEqual([
      'spec.matchConstraints.excludeResourceRules[0].apiGroups: Required value',
    ]);
    expect(policyErrors(policy({ matchConstraints: { resourceRules: [baseRule], objectSelector: { matchLabels: 'app=web' } } }))).toEqual([
      'spec.matchConstraints.objectSelector.matchLabels: Invalid value: "app=web": must be an object',
    ]);
  });

  it('label keys with a prefix, label values too long', () => {
    const selector = (matchLabels: Doc) => policyErrors(policy({ matchConstraints: { resourceRules: [baseRule], namespaceSelector: { matchLabels } } }));
    const p = 'spec.matchConstraints.namespaceSelector.matchLabels';
    expect(selector({ 'kubernetes.io/metadata.name': 'default' })).toEqual([]);
    expect(selector({ 'Bad_Prefix/name': 'x' })).toEqual([
      `${p}: Invalid value: "Bad_Prefix/name": prefix part must be a lowercase RFC 1123 subdomain: lower case alphanumerics, '-' or '.', starting and ending with an alphanumeric (e.g. 'example.com')`,
    ]);
    expect(selector({ 'a/b/c': 'x' })).toEqual([`${p}: Invalid value: "a/b/c": must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/my-name')`]);
    expect(selector({ '/name': 'x' })).toEqual([`${p}: Invalid value: "/name": prefix part must be non-empty`]);
    expect(selector({ env: 'x'.repeat(64) })).toEqual([`${p}: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`]);
  });

  it('paramRef.namespace must be a DNS subdomain', () => {
    expect(bindingErrors(binding({ paramRef: { name: 'x', namespace: 'Team A', parameterNotFoundAction: 'Deny' } }))).toEqual([
      `spec.paramRef.namespace: Invalid value: "Team A": must be a lowercase RFC 1123 subdomain: lower case alphanumerics, '-' or '.', starting and ending with an alphanumeric (e.g. 'example.com')`,
    ]);
  });

  it('duplicate policies and bindings: the first wins, the later one is an error naming both places', () => {
    const text = ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicyBinding']
      .map((kind) => `apiVersion: admissionregistration.k8s.io/v1\nkind: ${kind}\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny]}\n`)
      .join('---\n');
    const built = buildValidatingPolicies(docs(text), { cel: NO_CEL });
    expect(built.errors.map((e) => [e.code, e.field, e.message])).toEqual([
      ['VAP_DUPLICATE', 'metadata.name', 'policies/test.yaml:6: ValidatingAdmissionPolicyBinding "b" is already defined in policies/test.yaml:1'],
    ]);
    expect(built.warnings.map((w) => w.code)).toEqual(['VAP_BINDING_ORPHAN']);
  });
});
