/**
 * ValidatingAdmissionPolicies behind the real HTTPS webhook: the AdmissionReview answer carries
 * the apiserver's message and code, the warnings and the audit annotations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCelEnvironment } from '../../src/cel/index.js';
import { buildValidatingPolicies } from '../../src/loaders/vap.js';
import { postReview, startTestServer, staticLookups, type TestServer } from '../support/https.js';
import { deployment, deploymentRequest, docs, namespace } from './helpers.js';

const POLICIES = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas.example.com
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: rules.example.com/v1
    kind: ReplicaLimit
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= params.maxReplicas
    messageExpression: "'spec.replicas must be at most ' + string(params.maxReplicas)"
    reason: Forbidden
  auditAnnotations:
  - key: replicas
    valueExpression: "string(object.spec.replicas)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-test
spec:
  policyName: replicas.example.com
  validationActions: [Deny]
  paramRef:
    name: limit
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels: {environment: test}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-prod
spec:
  policyName: replicas.example.com
  validationActions: [Warn]
  paramRef:
    name: limit
    parameterNotFoundAction: Allow
  matchResources:
    namespaceSelector:
      matchLabels: {environment: prod}
`;

const limit = (ns: string, maxReplicas: number) => ({ apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit', metadata: { name: 'limit', namespace: ns }, maxReplicas });

let server: TestServer;

beforeAll(async () => {
  const built = buildValidatingPolicies(docs(POLICIES), { cel: createCelEnvironment() });
  expect(built.errors).toEqual([]);
  server = await startTestServer({
    policies: built.policies,
    lookups: staticLookups([namespace('team-test', { environment: 'test' }), namespace('team-prod', { environment: 'prod' })], [limit('team-test', 3), limit('team-prod', 3)]),
  });
});
afterAll(() => server.close());

const review = (replicas: number, ns: string) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: deploymentRequest(deployment(replicas, { namespace: ns })),
});

describe('ValidatingAdmissionPolicy over HTTPS', () => {
  it('denies with the apiserver message and the reason code (Deny binding)', async () => {
    const body = review(5, 'team-test');
    const res = await postReview(server, '/validate', body);
    expect(res.status).toBe(200);
    expect(res.json.response.uid).toBe(body.request.uid);
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: "ValidatingAdmissionPolicy 'replicas.example.com' with binding 'replicas-test' denied request: spec.replicas must be at most 3",
    });
  });

  it('warns through the Warn binding and allows', async () => {
    const res = await postReview(server, '/validate', review(5, 'team-prod'));
    expect(res.json.response.allowed).toBe(true);
    expect(res.json.response.warnings).toEqual([
      "Validation failed for ValidatingAdmissionPolicy 'replicas.example.com' with binding 'replicas-prod': spec.replicas must be at most 3",
    ]);
  });

  it('allows within the limit and records the audit annotation', async () => {
    const res = await postReview(server, '/validate', review(2, 'team-test'));
    expect(res.json.response.allowed).toBe(true);
    expect(res.json.response.status).toBeUndefined();
    // `<policy>/<key>`, made a valid webhook annotation key (the apiserver prefixes it with the webhook name)
    expect(res.json.response.auditAnnotations).toEqual({ 'replicas.example.com.replicas': '2' });
  });

  it('a namespace without the label is not matched by either binding', async () => {
    const res = await postReview(server, '/validate', review(50, 'elsewhere'));
    expect(res.json.response).toEqual({ uid: res.json.response.uid, allowed: true });
  });
});
