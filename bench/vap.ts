/**
 * In-process cost of ValidatingAdmissionPolicies per review (Policy.validate through a PolicySet,
 * as the webhook runs them) for a Deployment review:
 * - a policy whose binding's namespaceSelector does not select the namespace (matching only);
 * - the documentation's replicas policy (one validation), allowed and denied;
 * - a params + variables + messageExpression policy (docs style), allowed;
 * - matchesResourceRules alone against a 20-rule list, the request matching the last rule.
 * The baseline, measured in the same rounds, is JSON.parse of the AdmissionReview body, which
 * every review pays anyway.
 *
 *   npx esbuild bench/vap.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=dist/bench/vap.mjs && node_modules/.bin/node dist/bench/vap.mjs [--rounds 15]
 *
 * Rounds alternate the cases so that drift on a shared machine hits all of them; figures are the
 * medians over rounds of the mean time per review within a round.
 */
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { AdmissionRequest, KubeObject } from '../src/admission/types.js';
import { createCelEnvironment } from '../src/cel/index.js';
import { matchesResourceRules } from '../src/engine/match.js';
import { PolicySet } from '../src/engine/policy-set.js';
import type { Lookups, ResourceRule } from '../src/engine/types.js';
import { buildValidatingPolicies } from '../src/loaders/vap.js';
import { benchPodReview } from './support/bodies.js';
import { median, sampleRounds } from './support/measure.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, iterations: { type: 'string', default: '2000' } },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

const header = (name: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
`;
const binding = (name: string, extra = '') => `---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${name}-binding}
spec:
  policyName: ${name}
  validationActions: [Deny]
${extra}`;

const REPLICAS = (max: number) => `${header('replicas')}  validations:
  - expression: "object.spec.replicas <= ${max}"
${binding('replicas')}`;

const UNSELECTED = `${header('unselected')}  validations:
  - expression: "object.spec.replicas <= 5"
${binding('unselected', '  matchResources:\n    namespaceSelector:\n      matchLabels: {environment: test}\n')}`;

const RICH = `${header('rich').replace('  failurePolicy: Fail\n', '  failurePolicy: Fail\n  paramKind: {apiVersion: rules.example.com/v1, kind: ImageRules}\n')}  variables:
  - name: containers
    expression: "object.spec.template.spec.containers"
  - name: registry
    expression: "params.registry + '/'"
  validations:
  - expression: "variables.containers.all(c, c.image.startsWith(variables.registry))"
    messageExpression: "'images must come from ' + params.registry"
  - expression: "variables.containers.all(c, has(c.resources) && has(c.resources.limits))"
    message: every container needs limits
${binding('rich', '  paramRef: {name: rules, parameterNotFoundAction: Deny}\n')}`;

const cel = createCelEnvironment();
function policySet(yamlText: string): PolicySet {
  const docs = parseAllDocuments(yamlText).map((d, i) => ({ doc: d.toJS() as KubeObject, file: 'bench.yaml', line: i }));
  const built = buildValidatingPolicies(docs, { cel });
  if (built.errors.length > 0 || built.compileErrors.length > 0) throw new Error(String([...built.errors, ...built.compileErrors][0]));
  return new PolicySet(built.policies);
}

const shop: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { environment: 'prod' } } };
const rules: KubeObject = { apiVersion: 'rules.example.com/v1', kind: 'ImageRules', metadata: { name: 'rules', namespace: 'shop' }, registry: 'registry.example.com' };
const lookups: Lookups = {
  namespace: (name) => (name === 'shop' ? shop : undefined),
  params: (apiVersion, kind, namespace) =>
    [rules].filter((o) => o.apiVersion === apiVersion && o.kind === kind && (namespace === undefined || o.metadata?.namespace === namespace)),
};

const review = benchPodReview('deployment');
const body = JSON.stringify(review);
const request = review.request as unknown as AdmissionRequest;

const sets = { unselected: policySet(UNSELECTED), allowed: policySet(REPLICAS(5)), denied: policySet(REPLICAS(2)), rich: policySet(RICH) };
const manyRules: ResourceRule[] = Array.from({ length: 20 }, (_, i) => ({
  apiGroups: ['apps'],
  apiVersions: ['v1'],
  operations: ['CREATE'],
  resources: [i === 19 ? 'deployments' : `things${i}`],
}));

// sanity: the cases do what their names say
const check = (name: keyof typeof sets, allowed: boolean, findings: number) => {
  const decision = sets[name].validate(request, lookups, 'enforce');
  if (decision.allowed !== allowed || decision.findings.length !== findings) throw new Error(`${name}: unexpected ${JSON.stringify(decision)}`);
};
check('unselected', true, 0);
check('allowed', true, 0);
check('denied', false, 1);
check('rich', true, 0);
if (!matchesResourceRules(manyRules, request)) throw new Error('rules should match');

const cases: Record<string, () => unknown> = {
  'baseline: JSON.parse(review)': () => JSON.parse(body),
  'binding not selecting the namespace': () => sets.unselected.validate(request, lookups, 'enforce'),
  'replicas policy, allowed': () => sets.allowed.validate(request, lookups, 'enforce'),
  'replicas policy, denied': () => sets.denied.validate(request, lookups, 'enforce'),
  'params + variables, 2 validations': () => sets.rich.validate(request, lookups, 'enforce'),
  'matchesResourceRules, 20 rules': () => matchesResourceRules(manyRules, request),
};

const samples = sampleRounds(cases, rounds, iterations, 2); // the first two rounds warm the JIT

const base = median(samples['baseline: JSON.parse(review)']!);
console.log(`node ${process.version}, ${rounds} rounds x ${iterations} reviews; review body ${body.length} bytes`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(`${name.padEnd(38)} median ${(m / 1000).toFixed(2).padStart(7)} µs/review   x${(m / base).toFixed(2)} baseline`);
}
