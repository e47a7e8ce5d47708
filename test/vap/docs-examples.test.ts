/**
 * The examples of the Kubernetes "Validating Admission Policy" documentation, evaluated end to
 * end: YAML -> buildValidatingPolicies -> PolicySet -> decision, with the apiserver's messages.
 */
import { describe, expect, it } from 'vitest';
import { createCelEnvironment } from '../../src/cel/index.js';
import { PolicySet } from '../../src/engine/policy-set.js';
import type { ReviewContext } from '../../src/engine/types.js';
import { buildValidatingPolicies } from '../../src/loaders/vap.js';
import { deployment, deploymentRequest, docs, lookups, namespace } from './helpers.js';

const cel = createCelEnvironment();

const DEMO_POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
`;

const DEMO_BINDING = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
`;

function build(yamlText: string) {
  const built = buildValidatingPolicies(docs(yamlText), { cel });
  expect(built.errors).toEqual([]);
  expect(built.compileErrors).toEqual([]);
  return built;
}

const testNs = namespace('default', { environment: 'test' });
const prodNs = namespace('default', { environment: 'prod' });

describe('docs: replicas limit with a namespaceSelector binding', () => {
  const set = new PolicySet(build(`${DEMO_POLICY}---\n${DEMO_BINDING}`).policies);

  it('denies more than 5 replicas in a test namespace with the apiserver message and 422', () => {
    const decision = set.validate(deploymentRequest(deployment(6)), lookups([], [testNs]), 'enforce');
    expect(decision.allowed).toBe(false);
    expect(decision.status).toEqual({
      code: 422,
      reason: 'Invalid',
      message:
        "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5",
    });
    expect(decision.findings).toEqual([
      {
        policy: 'demo-policy.example.com',
        rule: 'validations[0]',
        action: 'Deny',
        path: 'spec.replicas',
        code: 422,
        reason: 'Invalid',
        message:
          "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5",
      },
    ]);
  });

  it('allows 5 replicas', () => {
    expect(set.validate(deploymentRequest(deployment(5)), lookups([], [testNs]), 'enforce').allowed).toBe(true);
  });

  it('does not apply outside namespaces labelled environment=test', () => {
    expect(set.validate(deploymentRequest(deployment(50)), lookups([], [prodNs]), 'enforce').allowed).toBe(true);
    expect(set.validate(deploymentRequest(deployment(50)), lookups([], []), 'enforce').allowed).toBe(true);
  });

  it('does not apply to DELETE (not in the operations)', () => {
    const del = deploymentRequest(null, { operation: 'DELETE', oldObject: deployment(50), name: 'web' });
    expect(set.validate(del, lookups([], [testNs]), 'enforce').allowed).toBe(true);
  });

  it('matches a legacy extensions/v1beta1 request (matchPolicy Equivalent) and sees it as apps/v1', () => {
    const legacy = deploymentRequest(
      { ...deployment(9), apiVersion: 'extensions/v1beta1' },
      {
        kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
        resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
      },
    );
    expect(set.validate(legacy, lookups([], [testNs]), 'enforce').allowed).toBe(false);
  });
});

describe('docs: a policy without binding is not enforced', () => {
  it('builds no engine policy and warns', () => {
    const built = build(DEMO_POLICY);
    expect(built.policies).toEqual([]);
    expect(built.warnings.map((w) => [w.code, w.message])).toEqual([
      [
        'VAP_UNBOUND',
        'policies/test.yaml:1: ValidatingAdmissionPolicy "demo-policy.example.com" has no ValidatingAdmissionPolicyBinding: it is not enforced',
      ],
    ]);
  });

  it('a binding to an unknown policy warns', () => {
    const built = build(DEMO_BINDING);
    expect(built.policies).toEqual([]);
    expect(built.warnings.map((w) => [w.code, w.field, w.message])).toEqual([
      [
        'VAP_BINDING_ORPHAN',
        'spec.policyName',
        'policies/test.yaml:1: ValidatingAdmissionPolicyBinding "demo-binding-test.example.com" refers to ValidatingAdmissionPolicy "demo-policy.example.com", which is not loaded: the binding does nothing',
      ],
    ]);
  });
});

const PARAM_POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "replicalimit-policy.example.com"
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: rules.example.com/v1
    kind: ReplicaLimit
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= params.maxReplicas"
      reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "replicalimit-binding-test.example.com"
spec:
  policyName: "replicalimit-policy.example.com"
  validationActions: [Deny]
  paramRef:
    name: "replica-limit-test.example.com"
    namespace: "default"
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
`;

const replicaLimit = (maxReplicas: number, name = 'replica-limit-test.example.com') => ({
  apiVersion: 'rules.example.com/v1',
  kind: 'ReplicaLimit',
  metadata: { name, namespace: 'default' },
  maxReplicas,
});

describe('docs: parameter resources (ReplicaLimit)', () => {
  const set = new PolicySet(build(PARAM_POLICY).policies);

  it('uses params.maxReplicas', () => {
    const look = lookups([replicaLimit(3)], [testNs]);
    expect(set.validate(deploymentRequest(deployment(3)), look, 'enforce').allowed).toBe(true);
    const denied = set.validate(deploymentRequest(deployment(4)), look, 'enforce');
    expect(denied.status).toEqual({
      code: 422,
      reason: 'Invalid',
      message:
        "ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding-test.example.com' denied request: failed expression: object.spec.replicas <= params.maxReplicas",
    });
  });

  it('missing param with parameterNotFoundAction Deny denies with the apiserver wording', () => {
    const denied = set.validate(deploymentRequest(deployment(1)), lookups([], [testNs]), 'enforce');
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toBe(
      "ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding-test.example.com' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
    );
    expect(denied.findings[0]).toMatchObject({ rule: 'paramRef', error: true, code: 422 });
  });

  it('missing param with parameterNotFoundAction Allow allows', () => {
    const allowing = build(PARAM_POLICY.replace('parameterNotFoundAction: Deny', 'parameterNotFoundAction: Allow'));
    const decision = new PolicySet(allowing.policies).validate(deploymentRequest(deployment(100)), lookups([], [testNs]), 'enforce');
    expect(decision.allowed).toBe(true);
    expect(decision.findings).toEqual([]);
  });

  it('selector params: evaluated against each matching param', () => {
    const yamlText = PARAM_POLICY.replace(
      '    name: "replica-limit-test.example.com"\n    namespace: "default"',
      '    selector:\n      matchLabels:\n        tier: gold',
    );
    const set2 = new PolicySet(build(yamlText).policies);
    const gold = (max: number, name: string) => ({ ...replicaLimit(max, name), metadata: { name, namespace: 'default', labels: { tier: 'gold' } } });
    const look = lookups([gold(10, 'a'), gold(4, 'b'), { ...replicaLimit(1, 'c') }], [testNs]);
    expect(set2.validate(deploymentRequest(deployment(4)), look, 'enforce').allowed).toBe(true);
    const decision = set2.validate(deploymentRequest(deployment(5)), look, 'enforce');
    expect(decision.allowed).toBe(false);
    expect(decision.findings).toHaveLength(1);
    // namespace defaults to the request namespace: none in "other"
    const elsewhere = set2.validate(deploymentRequest(deployment(5, { namespace: 'other' })), lookups([gold(1, 'a')], [namespace('other', { environment: 'test' })]), 'enforce');
    expect(elsewhere.status?.message).toContain('no params found for policy binding with `Deny` parameterNotFoundAction');
  });
});

describe('docs: messageExpression', () => {
  const yamlText = PARAM_POLICY.replace(
    '      reason: Invalid',
    `      messageExpression: "'object.spec.replicas must be no greater than ' + string(params.maxReplicas)"
      reason: Invalid`,
  );
  const set = new PolicySet(build(yamlText).policies);

  it('uses the messageExpression result', () => {
    const decision = set.validate(deploymentRequest(deployment(5)), lookups([replicaLimit(3)], [testNs]), 'enforce');
    expect(decision.status?.message).toBe(
      "ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding-test.example.com' denied request: object.spec.replicas must be no greater than 3",
    );
  });
});

describe('docs: variables', () => {
  const yamlText = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "image-matches-namespace-environment.policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  variables:
  - name: environment
    expression: "'environment' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['environment'] : 'prod'"
  - name: exempt
    expression: "'exempt' in namespaceObject.metadata.labels && namespaceObject.metadata.labels['exempt'] == 'true'"
  - name: containers
    expression: "object.spec.template.spec.containers"
  - name: containersToCheck
    expression: "variables.containers.filter(c, c.image.startsWith('example.com/'))"
  validations:
  - expression: "variables.exempt || variables.containersToCheck.all(c, c.image.startsWith(variables.environment + '.'))"
    messageExpression: "'only ' + variables.environment + ' images are allowed in namespace ' + namespaceObject.metadata.name"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: image-binding
spec:
  policyName: "image-matches-namespace-environment.policy.example.com"
  validationActions: [Deny]
`;
  const set = new PolicySet(build(yamlText).policies);

  it('denies an image not prefixed with the namespace environment', () => {
    const decision = set.validate(deploymentRequest(deployment(1, { image: 'example.com/nginx' })), lookups([], [testNs]), 'enforce');
    expect(decision.status?.message).toBe(
      "ValidatingAdmissionPolicy 'image-matches-namespace-environment.policy.example.com' with binding 'image-binding' denied request: only test images are allowed in namespace default",
    );
  });

  it('allows matching images, other registries, and exempt namespaces', () => {
    const look = lookups([], [testNs]);
    // (as in the documentation, only example.com/ images are checked)
    expect(set.validate(deploymentRequest(deployment(1, { image: 'test.example.com/nginx' })), look, 'enforce').allowed).toBe(true);
    expect(set.validate(deploymentRequest(deployment(1, { image: 'other.io/nginx' })), look, 'enforce').allowed).toBe(true);
    const exempt = lookups([], [namespace('default', { environment: 'test', exempt: 'true' })]);
    expect(set.validate(deploymentRequest(deployment(1, { image: 'example.com/nginx' })), exempt, 'enforce').allowed).toBe(true);
  });
});

describe('docs: matchConditions', () => {
  const yamlText = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["*"]
      apiVersions: ["*"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["*"]
  matchConditions:
    - name: 'exclude-leases'
      expression: '!(request.resource.group == "coordination.k8s.io" && request.resource.resource == "leases")'
    - name: 'exclude-kubelet-requests'
      expression: '!("system:nodes" in request.userInfo.groups)'
    - name: 'rbac'
      expression: 'request.resource.group != "rbac.authorization.k8s.io"'
  validations:
    - expression: "!object.metadata.name.contains('demo') || object.metadata.namespace == 'demo'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: demo-binding
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
`;
  const set = new PolicySet(build(yamlText).policies);
  const named = (name: string) => deployment(1, { name });

  it('evaluates when every condition holds', () => {
    expect(set.validate(deploymentRequest(named('demo-app')), lookups(), 'enforce').allowed).toBe(false);
    expect(set.validate(deploymentRequest(named('app')), lookups(), 'enforce').allowed).toBe(true);
  });

  it('skips leases', () => {
    const lease = deploymentRequest(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'demo-lease', namespace: 'default' } },
      {
        kind: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
        resource: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
      },
    );
    expect(set.validate(lease, lookups(), 'enforce').allowed).toBe(true);
  });

  it('skips kubelet requests', () => {
    const byNode = deploymentRequest(named('demo-app'), { userInfo: { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] } });
    expect(set.validate(byNode, lookups(), 'enforce').allowed).toBe(true);
  });

  it('skips RBAC objects', () => {
    const role = deploymentRequest(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'demo-role', namespace: 'default' } },
      { kind: { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' }, resource: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' } },
    );
    expect(set.validate(role, lookups(), 'enforce').allowed).toBe(true);
  });
});

describe('docs: auditAnnotations and the Audit/Warn actions', () => {
  const yamlText = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas > 50"
      messageExpression: "'Deployment spec.replicas set to ' + string(object.spec.replicas)"
  auditAnnotations:
    - key: "high-replica-count"
      # the documentation's branch is ': null'; an empty string is omitted the same way (see evaluation tests for null)
      valueExpression: "object.spec.replicas > 50 ? 'Deployment spec.replicas set to ' + string(object.spec.replicas) : ''"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: demo-binding
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Warn, Audit]
`;
  const built = build(yamlText);
  const policy = built.policies[0];
  const ctx = (replicas: number): ReviewContext => ({ request: deploymentRequest(deployment(replicas)), namespaceObject: testNs, lookups: lookups() });

  it('publishes the audit annotation under <policy>/<key> when the value is a string', () => {
    const result = policy?.validate?.(ctx(128));
    expect(result?.findings).toEqual([]);
    expect(result?.auditAnnotations).toEqual({ 'demo-policy.example.com/high-replica-count': 'Deployment spec.replicas set to 128' });
  });

  it('omits the annotation when the value is empty; Warn + Audit report the failure', () => {
    const result = policy?.validate?.(ctx(3));
    const message = "Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding': Deployment spec.replicas set to 3";
    expect(result?.findings).toEqual([
      { policy: 'demo-policy.example.com', rule: 'validations[0]', action: 'Warn', message, path: 'spec.replicas' },
      { policy: 'demo-policy.example.com', rule: 'validations[0]', action: 'Audit', message, path: 'spec.replicas' },
    ]);
    expect(result?.auditAnnotations).toEqual({
      'validation.policy.admission.k8s.io/validation_failure': JSON.stringify([
        {
          message: 'Deployment spec.replicas set to 3',
          policy: 'demo-policy.example.com',
          binding: 'demo-binding',
          expressionIndex: 0,
          validationActions: ['Warn', 'Audit'],
        },
      ]),
    });
  });

  it('Warn does not deny: the warning reaches the response', () => {
    const decision = new PolicySet(built.policies).validate(deploymentRequest(deployment(3)), lookups([], [testNs]), 'enforce');
    expect(decision.allowed).toBe(true);
    expect(decision.warnings).toEqual([
      "Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding': Deployment spec.replicas set to 3",
    ]);
  });
});
