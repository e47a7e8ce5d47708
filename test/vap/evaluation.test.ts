/**
 * ValidatingAdmissionPolicy evaluation details: failurePolicy with runtime and compile errors,
 * validationActions, reasons and codes, message fallbacks, match conditions, audit annotations,
 * binding narrowing, and what `request`, `namespaceObject`, `oldObject`, `params` look like.
 */
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest, KubeObject } from '../../src/admission/types.js';
import { createCelEnvironment, type CelEnvironment } from '../../src/cel/index.js';
import { PolicySet } from '../../src/engine/policy-set.js';
import type { Finding, Lookups, Policy } from '../../src/engine/types.js';
import type { SourcedDocument } from '../../src/loaders/errors.js';
import { buildValidatingPolicies } from '../../src/loaders/vap.js';
import { objectPathOf } from '../../src/loaders/vap-compile.js';
import { deployment, deploymentRequest, lookups, namespace } from './helpers.js';

const cel = createCelEnvironment();
const P = 'check.example.com';
const B = 'check-binding';

type Doc = Record<string, unknown>;

const DEPLOYMENT_RULE = { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['*'], resources: ['deployments'] };

function documents(spec: Doc, bindingSpec: Doc = {}, extraBindings: Doc[] = []): SourcedDocument[] {
  const policyDoc = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: P },
    spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [DEPLOYMENT_RULE] }, ...spec },
  };
  const binding = (name: string, extra: Doc) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: P, validationActions: ['Deny'], ...extra },
  });
  return [
    { doc: policyDoc, file: 'p.yaml', line: 1 },
    { doc: binding(B, bindingSpec), file: 'p.yaml', line: 20 },
    ...extraBindings.map((extra, i) => ({ doc: binding(`${B}-${i + 2}`, extra), file: 'p.yaml', line: 40 + i })),
  ];
}

function build(spec: Doc, bindingSpec: Doc = {}, env: CelEnvironment = cel) {
  const built = buildValidatingPolicies(documents(spec, bindingSpec), { cel: env });
  expect(built.errors).toEqual([]);
  return built;
}

function findings(policies: Policy[], request: AdmissionRequest, look: Lookups = lookups([], [namespace('default')])): Finding[] {
  return new PolicySet(policies).validate(request, look, 'enforce').findings;
}

const denied = (message: string) => `ValidatingAdmissionPolicy '${P}' with binding '${B}' denied request: ${message}`;
const warned = (message: string) => `Validation failed for ValidatingAdmissionPolicy '${P}' with binding '${B}': ${message}`;
const ignored = (message: string) =>
  `ValidatingAdmissionPolicy '${P}' with binding '${B}' could not be evaluated (failurePolicy Ignore, request allowed): ${message}`;

/** The CEL helper's own reason for an evaluation error (its wording is tested with the CEL library). */
function reasonOf(expression: string, object: KubeObject = deployment(1)): string {
  try {
    cel.compile(expression).evaluate(cel.activation({ object, oldObject: null, request: {}, params: null, namespaceObject: null }));
  } catch (error) {
    return (error as { reason: string }).reason;
  }
  throw new Error(`${expression} did not fail`);
}

const runtimeError = `expression 'object.spec.strategy.type == "Recreate"' resulted in error: ${reasonOf('object.spec.strategy.type == "Recreate"')}`;
const erroring = [{ expression: 'object.spec.strategy.type == "Recreate"' }];

describe('runtime errors follow failurePolicy', () => {
  it('Fail: the error denies, through the binding validationActions (Deny)', () => {
    const { policies } = build({ validations: erroring });
    expect(findings(policies, deploymentRequest(deployment(1)))).toEqual([
      { policy: P, rule: 'validations[0]', action: 'Deny', message: denied(runtimeError), code: 422, reason: 'Invalid', error: true },
    ]);
  });

  it('Fail with a Warn binding: the error is a warning', () => {
    const { policies } = build({ validations: erroring }, { validationActions: ['Warn'] });
    const decision = new PolicySet(policies).validate(deploymentRequest(deployment(1)), lookups(), 'enforce');
    expect(decision.allowed).toBe(true);
    expect(decision.warnings).toEqual([warned(runtimeError)]);
    expect(decision.findings[0]?.error).toBe(true);
  });

  it('Ignore: allowed, with a warning naming the ignored error', () => {
    const { policies } = build({ failurePolicy: 'Ignore', validations: erroring });
    const decision = new PolicySet(policies).validate(deploymentRequest(deployment(1)), lookups(), 'enforce');
    expect(decision.allowed).toBe(true);
    expect(decision.findings).toEqual([{ policy: P, rule: 'validations[0]', action: 'Warn', message: ignored(runtimeError), error: true }]);
  });

  it('an error in one validation does not stop the others', () => {
    const { policies } = build({ validations: [...erroring, { expression: 'object.spec.replicas < 3', message: 'too many' }] });
    expect(findings(policies, deploymentRequest(deployment(5))).map((f) => f.message)).toEqual([denied(runtimeError), denied('too many')]);
  });

  it('running out of budget stops everything with the apiserver message', () => {
    const cheap = createCelEnvironment({ costLimit: 50 });
    const { policies } = build(
      {
        validations: [
          { expression: 'object.spec.replicas < 3', message: 'too many' },
          { expression: 'object.spec.template.spec.containers.all(c, [1,2,3,4,5,6,7,8,9,10].all(i, [1,2,3,4,5,6,7,8,9,10].all(j, i * j > 0)))' },
        ],
      },
      {},
      cheap,
    );
    expect(findings(policies, deploymentRequest(deployment(5)))).toEqual([
      {
        policy: P,
        rule: 'validations',
        action: 'Deny',
        message: denied('validation failed due to running out of cost budget, no further validation rules will be run'),
        code: 422,
        reason: 'Invalid',
        error: true,
      },
    ]);
  });
});

describe('compile errors: the policy loads and fails by failurePolicy', () => {
  const bad = [{ expression: 'object.spec.replicas <= ' }, { expression: 'object.spec.replicas < 3', message: 'too many' }];

  it('reports the compile error at load with field and position', () => {
    const built = build({ validations: bad });
    expect(built.policies).toHaveLength(1);
    expect(built.compileErrors).toHaveLength(1);
    const [error] = built.compileErrors;
    expect([error?.code, error?.file, error?.line, error?.policy, error?.field]).toEqual(['CEL_COMPILE', 'p.yaml', 1, P, 'spec.validations[0].expression']);
    expect(error?.message).toMatch(/^p\.yaml:1: ValidatingAdmissionPolicy "check\.example\.com": spec\.validations\[0\]\.expression: ERROR: <input>:1:\d+: /);
  });

  it('Fail: every matching request is denied with the compile error; the other validations still run', () => {
    const built = build({ validations: bad });
    const compileMessage = (built.compileErrors[0]?.message ?? '').replace(`p.yaml:1: ValidatingAdmissionPolicy "${P}": `, '');
    expect(findings(built.policies, deploymentRequest(deployment(5)))).toEqual([
      { policy: P, rule: 'validations[0]', action: 'Deny', message: denied(`compilation error: ${compileMessage}`), code: 422, reason: 'Invalid', error: true },
      { policy: P, rule: 'validations[1]', action: 'Deny', message: denied('too many'), code: 422, reason: 'Invalid', path: 'spec.replicas' },
    ]);
  });

  it('Ignore: allowed with a warning', () => {
    const built = build({ failurePolicy: 'Ignore', validations: bad });
    const decision = new PolicySet(built.policies).validate(deploymentRequest(deployment(1)), lookups(), 'enforce');
    expect(decision.allowed).toBe(true);
    expect(decision.findings.map((f) => [f.action, f.rule, f.error])).toEqual([['Warn', 'validations[0]', true]]);
    expect(decision.findings[0]?.message).toContain('compilation error: spec.validations[0].expression: ERROR: <input>:1:');
  });

  it('params without paramKind is a compile error (undeclared)', () => {
    const built = build({ validations: [{ expression: 'params.max > 1' }] });
    expect(built.compileErrors[0]?.field).toBe('spec.validations[0].expression');
    expect(built.compileErrors[0]?.message).toContain('params');
  });

  it('a variable that does not compile fails the expressions that use it', () => {
    const built = build({
      variables: [{ name: 'broken', expression: 'object.spec.(' }],
      validations: [{ expression: 'variables.broken == 1' }, { expression: 'object.spec.replicas < 3', message: 'too many' }],
    });
    expect(built.compileErrors.map((e) => e.field)).toEqual(['spec.variables[0].expression']);
    const result = findings(built.policies, deploymentRequest(deployment(5)));
    expect(result.map((f) => f.rule)).toEqual(['validations[0]', 'validations[1]']);
    expect(result[0]?.message).toContain(`denied request: expression 'variables.broken == 1' resulted in error: composited variable "broken" fails to compile: compilation error: spec.variables[0].expression: ERROR:`);
    // unused, it costs nothing
    expect(findings(built.policies, deploymentRequest(deployment(1))).map((f) => f.rule)).toEqual(['validations[0]']);
  });
});

describe('validation outcomes', () => {
  it.each([
    [undefined, 422, 'Invalid'],
    ['Invalid', 422, 'Invalid'],
    ['Forbidden', 403, 'Forbidden'],
    ['Unauthorized', 401, 'Unauthorized'],
    ['RequestEntityTooLarge', 413, 'RequestEntityTooLarge'],
  ])('reason %s -> HTTP %d', (reason, code, expectedReason) => {
    const { policies } = build({ validations: [{ expression: 'false', message: 'no', ...(reason ? { reason } : {}) }] });
    const decision = new PolicySet(policies).validate(deploymentRequest(deployment(1)), lookups(), 'enforce');
    expect(decision.status).toEqual({ code, reason: expectedReason, message: denied('no') });
  });

  it('a non-boolean result counts as a failure (the apiserver admits only `true`)', () => {
    const { policies } = build({ validations: [{ expression: 'object.spec.replicas' }] });
    expect(findings(policies, deploymentRequest(deployment(1))).map((f) => f.message)).toEqual([denied('failed expression: object.spec.replicas')]);
  });

  it.each([
    ['a string', "'replicas: ' + string(object.spec.replicas)", 'replicas: 7'],
    ['trimmed', "'  padded  '", 'padded'],
    ['an error -> message', 'object.spec.nope', 'static message'],
    ['empty -> message', "'  '", 'static message'],
    ['not a string -> message', 'object.spec.replicas', 'static message'],
    ['multi-line -> message', "'line one\\nline two'", 'static message'],
    ['too long -> message', "'x'.repeat(6000)", 'static message'],
  ])('messageExpression: %s', (_label, messageExpression, expected) => {
    const { policies } = build({ validations: [{ expression: 'false', message: 'static message', messageExpression }] });
    expect(findings(policies, deploymentRequest(deployment(7)))[0]?.message).toBe(denied(expected));
  });

  it('without message or usable messageExpression: failed expression: <expression>', () => {
    const { policies } = build({ validations: [{ expression: '  object.spec.replicas < 2  ', messageExpression: 'object.spec.nope' }] });
    expect(findings(policies, deploymentRequest(deployment(7)))[0]?.message).toBe(denied('failed expression: object.spec.replicas < 2'));
  });

  it('Deny + Audit: a denial, an Audit finding and the validation_failure annotation', () => {
    const { policies } = build({ validations: [{ expression: 'true' }, { expression: 'false', message: 'nope' }] }, { validationActions: ['Deny', 'Audit'] });
    const policy = policies[0] as Policy;
    const result = policy.validate?.({ request: deploymentRequest(deployment(1)), namespaceObject: null, lookups: lookups() });
    expect(result?.findings.map((f) => [f.action, f.message])).toEqual([
      ['Deny', denied('nope')],
      ['Audit', warned('nope')],
    ]);
    expect(JSON.parse(result?.auditAnnotations?.['validation.policy.admission.k8s.io/validation_failure'] ?? 'null')).toEqual([
      { message: 'nope', policy: P, binding: B, expressionIndex: 1, validationActions: ['Deny', 'Audit'] },
    ]);
  });

  it('each binding is its own engine policy, named by the policy', () => {
    const built = buildValidatingPolicies(documents({ validations: [{ expression: 'false', message: 'no' }] }, {}, [{ validationActions: ['Warn'] }]), { cel });
    expect(built.policies.map((p) => p.name)).toEqual([P, P]);
    expect(built.policies.map((p) => p.source)).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicy']);
    expect(built.policies[0]?.rules).toEqual([DEPLOYMENT_RULE]);
    const decision = new PolicySet(built.policies).validate(deploymentRequest(deployment(1)), lookups(), 'enforce');
    expect(decision.status?.message).toBe(denied('no'));
    expect(decision.warnings).toEqual([`Validation failed for ValidatingAdmissionPolicy '${P}' with binding '${B}-2': no`]);
  });
});

describe('matchConditions', () => {
  const always = [{ expression: 'false', message: 'evaluated' }];

  it('a false condition skips the policy, even next to an erroring one', () => {
    const { policies } = build({
      matchConditions: [
        { name: 'errors', expression: 'object.spec.nope == 1' },
        { name: 'only-big', expression: 'object.spec.replicas > 10' },
      ],
      validations: always,
    });
    expect(findings(policies, deploymentRequest(deployment(1)))).toEqual([]);
  });

  it('errors under Fail deny (several are listed)', () => {
    const { policies } = build({
      matchConditions: [
        { name: 'a', expression: 'object.spec.nope == 1' },
        { name: 'b', expression: 'object.spec.other == 1' },
      ],
      validations: always,
    });
    expect(findings(policies, deploymentRequest(deployment(1)))).toEqual([
      {
        policy: P,
        rule: 'matchConditions',
        action: 'Deny',
        message: denied(
          `[expression 'object.spec.nope == 1' resulted in error: ${reasonOf('object.spec.nope == 1')}, expression 'object.spec.other == 1' resulted in error: ${reasonOf('object.spec.other == 1')}]`,
        ),
        code: 422,
        reason: 'Invalid',
        error: true,
      },
    ]);
  });

  it('errors under Ignore skip the policy with a warning', () => {
    const { policies } = build({ failurePolicy: 'Ignore', matchConditions: [{ name: 'a', expression: 'object.spec.nope == 1' }], validations: always });
    expect(findings(policies, deploymentRequest(deployment(1))).map((f) => [f.action, f.message])).toEqual([
      ['Warn', ignored(`expression 'object.spec.nope == 1' resulted in error: ${reasonOf('object.spec.nope == 1')}`)],
    ]);
  });

  it('conditions can read params and variables', () => {
    const { policies } = build({
      variables: [{ name: 'big', expression: 'object.spec.replicas > 2' }],
      matchConditions: [{ name: 'big', expression: 'variables.big' }],
      validations: always,
    });
    expect(findings(policies, deploymentRequest(deployment(1)))).toEqual([]);
    expect(findings(policies, deploymentRequest(deployment(3))).map((f) => f.message)).toEqual([denied('evaluated')]);
  });
});

describe('auditAnnotations', () => {
  const annotate = (valueExpression: string, failurePolicy = 'Fail') =>
    build({ failurePolicy, validations: [{ expression: 'true' }], auditAnnotations: [{ key: 'replicas', valueExpression }] }).policies[0] as Policy;
  const run = (policy: Policy) => policy.validate?.({ request: deploymentRequest(deployment(4)), namespaceObject: null, lookups: lookups() });

  it('string values are trimmed and published as <policy>/<key>', () => {
    expect(run(annotate("'  ' + string(object.spec.replicas) + '  '"))?.auditAnnotations).toEqual({ [`${P}/replicas`]: '4' });
  });

  it('null and empty values are omitted', () => {
    expect(run(annotate('null'))?.auditAnnotations).toBeUndefined();
    expect(run(annotate("''"))?.auditAnnotations).toBeUndefined();
  });

  it('other types are an error: Fail denies (whatever the validationActions), Ignore warns', () => {
    const message = "valueExpression 'object.spec.replicas' resulted in unsupported return type: int. Return type must be either string or null.";
    expect(run(annotate('object.spec.replicas'))?.findings).toEqual([
      { policy: P, rule: 'auditAnnotations[0]', action: 'Deny', message: denied(message), code: 422, reason: 'Invalid', error: true },
    ]);
    expect(run(annotate('object.spec.replicas', 'Ignore'))?.findings).toEqual([
      { policy: P, rule: 'auditAnnotations[0]', action: 'Warn', message: ignored(message), error: true },
    ]);
  });
});

describe('matching: policy constraints and binding matchResources both apply', () => {
  it('binding objectSelector narrows the policy', () => {
    const { policies } = build({ validations: [{ expression: 'false', message: 'no' }] }, { matchResources: { objectSelector: { matchLabels: { team: 'a' } } } });
    expect(findings(policies, deploymentRequest(deployment(1, { labels: { team: 'a' } })))).toHaveLength(1);
    expect(findings(policies, deploymentRequest(deployment(1, { labels: { team: 'b' } })))).toEqual([]);
  });

  it('binding resourceRules cannot widen the policy', () => {
    const { policies } = build(
      { validations: [{ expression: 'false', message: 'no' }] },
      { matchResources: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] } },
    );
    const pod = deploymentRequest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' } }, {
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
    });
    const policy = policies[0] as Policy;
    expect(policy.validate?.({ request: pod, namespaceObject: null, lookups: lookups() }).findings).toEqual([]);
    expect(findings(policies, deploymentRequest(deployment(1)))).toHaveLength(1);
  });

  it('binding excludeResourceRules', () => {
    const { policies } = build(
      { validations: [{ expression: 'false', message: 'no' }] },
      { matchResources: { excludeResourceRules: [{ ...DEPLOYMENT_RULE, resourceNames: ['web'] }] } },
    );
    expect(findings(policies, deploymentRequest(deployment(1)))).toEqual([]);
    expect(findings(policies, deploymentRequest(deployment(1, { name: 'api' })))).toHaveLength(1);
  });

  it('policies never apply to admission configuration objects', () => {
    const { policies } = build({
      matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }] },
      validations: [{ expression: 'false', message: 'no' }],
    });
    const policy = policies[0] as Policy;
    const vapRequest = deploymentRequest(
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'x' } },
      {
        kind: { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy' },
        resource: { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicies' },
        namespace: undefined,
      },
    );
    expect(policy.validate?.({ request: vapRequest, namespaceObject: null, lookups: lookups() }).findings).toEqual([]);
    expect(policy.validate?.({ request: deploymentRequest(deployment(1)), namespaceObject: null, lookups: lookups() }).findings).toHaveLength(1);
  });
});

describe('what expressions see', () => {
  const check = (expression: string, request: AdmissionRequest, look: Lookups = lookups([], [namespace('default', { env: 'x' })]), spec: Doc = {}) => {
    const { policies } = build({ validations: [{ expression, message: 'false' }], ...spec });
    return findings(policies, request, look).map((f) => f.message);
  };

  it('request: the AdmissionRequest fields without object/oldObject', () => {
    const expression = [
      "request.kind == {'group': 'apps', 'version': 'v1', 'kind': 'Deployment'}",
      "request.resource.resource == 'deployments'",
      "request.requestKind.kind == 'Deployment'",
      "request.name == 'web' && request.namespace == 'default' && request.operation == 'CREATE'",
      "request.userInfo.username == 'alice' && request.userInfo.groups == ['system:authenticated']",
      'request.dryRun == false',
      "request.options.kind == 'CreateOptions'",
      '!has(request.object) && !has(request.oldObject) && !has(request.subResource)',
    ].join(' && ');
    expect(check(expression, deploymentRequest(deployment(1)))).toEqual([]);
    expect(check("request.userInfo.username == 'bob'", deploymentRequest(deployment(1)))).toEqual([denied('false')]);
  });

  it('request under an equivalent match: kind/resource as matched, requestKind as sent; object apiVersion converted', () => {
    const legacy = deploymentRequest(
      { ...deployment(1), apiVersion: 'extensions/v1beta1' },
      {
        kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
        resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
        requestKind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
        requestResource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
      },
    );
    const expression =
      "request.kind.group == 'apps' && request.resource.version == 'v1' && request.requestKind.group == 'extensions' && request.requestResource.version == 'v1beta1' && object.apiVersion == 'apps/v1'";
    expect(check(expression, legacy)).toEqual([]);
  });

  it('namespaceObject: reduced Namespace; null for cluster-scoped requests', () => {
    expect(check("namespaceObject.metadata.labels.env == 'x' && !has(namespaceObject.metadata.managedFields)", deploymentRequest(deployment(1)))).toEqual([]);
    const clusterRule = { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['*'], resources: ['nodes'] }] } };
    const node = deploymentRequest({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, {
      kind: { group: '', version: 'v1', kind: 'Node' },
      resource: { group: '', version: 'v1', resource: 'nodes' },
      namespace: undefined,
    });
    expect(check('namespaceObject == null', node, lookups(), clusterRule)).toEqual([]);
  });

  it('oldObject on UPDATE, object null on DELETE', () => {
    const update = deploymentRequest(deployment(5), { operation: 'UPDATE', oldObject: deployment(3) });
    expect(check('object.spec.replicas <= oldObject.spec.replicas', update)).toEqual([denied('false')]);
    expect(check('oldObject == null', deploymentRequest(deployment(5)))).toEqual([]);
    const del = deploymentRequest(null, { operation: 'DELETE', oldObject: deployment(3), name: 'web' });
    expect(check("object == null && oldObject.metadata.name == 'web'", del)).toEqual([]);
  });

  it('params is null without paramKind / paramRef', () => {
    const kindWithoutRef = { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } };
    expect(check('params == null', deploymentRequest(deployment(1)), lookups(), kindWithoutRef)).toEqual([]);
  });

  it('params with a ConfigMap paramRef', () => {
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'default' }, data: { max: '3' } };
    const built = buildValidatingPolicies(
      documents(
        { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', message: 'over' }] },
        { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } },
      ),
      { cel },
    );
    const look = lookups([configMap], [namespace('default')]);
    expect(findings(built.policies, deploymentRequest(deployment(3)), look)).toEqual([]);
    expect(findings(built.policies, deploymentRequest(deployment(4)), look).map((f) => f.message)).toEqual([denied('over')]);
  });
});

describe('finding path: the object field a validation reads', () => {
  it.each([
    ['object.spec.replicas <= 5', 'spec.replicas'],
    ['has(object.spec.replicas) && object.spec.replicas < 3', 'spec.replicas'],
    ["object.metadata.name.startsWith('web')", 'metadata.name'],
    ['object.spec.template.spec.containers.all(c, c.image != "")', 'spec.template.spec.containers'],
    ['object.spec.replicas <= oldObject.spec.replicas', 'spec.replicas'],
    ['object.spec.replicas < object.spec.maxReplicas', undefined],
    ['request.operation == "CREATE"', undefined],
    ['namespaceObject.metadata.name != ""', undefined],
  ])('%s -> %s', (expression, path) => {
    expect(objectPathOf(expression)).toBe(path);
  });
});

describe('duplicate policy names', () => {
  it('the first definition wins; the second is an error naming both places', () => {
    const [policyDoc, bindingDoc] = documents({ validations: [{ expression: 'false', message: 'first' }] });
    const second = { ...(policyDoc as SourcedDocument), line: 60, doc: { ...(policyDoc as SourcedDocument).doc, spec: { ...((policyDoc as SourcedDocument).doc.spec as Doc), validations: [{ expression: 'true' }] } } };
    const built = buildValidatingPolicies([policyDoc as SourcedDocument, bindingDoc as SourcedDocument, second], { cel });
    expect(built.errors.map((e) => [e.code, e.message])).toEqual([
      ['VAP_DUPLICATE', `p.yaml:60: ValidatingAdmissionPolicy "${P}" is already defined in p.yaml:1`],
    ]);
    expect(findings(built.policies, deploymentRequest(deployment(1))).map((f) => f.message)).toEqual([denied('first')]);
  });
});

describe('unexpected failures still follow failurePolicy', () => {
  const throwingLookups: Lookups = {
    namespace: () => undefined,
    params: () => {
      throw new Error('param cache unavailable');
    },
  };
  const withParams = (failurePolicy: string) =>
    buildValidatingPolicies(
      documents(
        { failurePolicy, paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'true' }] },
        { paramRef: { name: 'x', parameterNotFoundAction: 'Deny' } },
      ),
      { cel },
    ).policies[0] as Policy;

  it('Fail denies naming the failure', () => {
    expect(withParams('Fail').validate?.({ request: deploymentRequest(deployment(1)), namespaceObject: null, lookups: throwingLookups }).findings).toEqual([
      { policy: P, rule: 'evaluation', action: 'Deny', message: denied('internal error: param cache unavailable'), code: 422, reason: 'Invalid', error: true },
    ]);
  });

  it('Ignore allows with a warning', () => {
    expect(withParams('Ignore').validate?.({ request: deploymentRequest(deployment(1)), namespaceObject: null, lookups: throwingLookups }).findings).toEqual([
      { policy: P, rule: 'evaluation', action: 'Warn', message: ignored('internal error: param cache unavailable'), error: true },
    ]);
  });
});
