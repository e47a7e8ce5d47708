/**
 * In-process cost of mutation per review. Direct: clone the object, run the defaults policy,
 * check the result, diff it (createPatch) and encode the patch, for a typical pod that needs every
 * default, for the same pod that needs none, and for a Deployment. Engine: the same through
 * PolicySet.mutate with the defaults adapted as the loader adapts TypeScript policies, and with a
 * CEL MutatingAdmissionPolicy (JSONPatch adding a label). The baseline, measured in the same
 * rounds, is JSON.parse of the AdmissionReview body, which every review pays anyway.
 *
 *   npx esbuild bench/mutate.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=node_modules/.cache/bench/mutate.mjs && node_modules/.bin/node node_modules/.cache/bench/mutate.mjs [--rounds 15]
 *
 * Rounds alternate the cases so that drift on a shared machine hits all of them; figures are the
 * medians over rounds of the mean time per review within a round.
 */
import { parseArgs } from 'node:util';
import type { KubeObject, PolicyContext } from '../src/index.js';
import { checkMutatedObject, cloneJson, createPatch, encodePatch } from '../src/admission/patch.js';
import defaults from '../policies/defaults/index.js';
import type { DefaultsConfig } from '../policies/defaults/config.js';
import { createCelEnvironment } from '../src/cel/index.js';
import { PolicySet } from '../src/engine/policy-set.js';
import type { Lookups } from '../src/engine/types.js';
import { buildMutatingPolicies } from '../src/loaders/map.js';
import { adaptDefinition } from '../src/loaders/typescript.js';
import { benchPodReview } from './support/bodies.js';
import { median, sampleRounds } from './support/measure.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '15' }, iterations: { type: 'string', default: '2000' } },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

type Review = ReturnType<typeof benchPodReview>;

/** The typical pod with what the defaults would fill in taken out. */
function undefaulted(review: Review): Review {
  const copy = structuredClone(review);
  const spec = copy.request.object.kind === 'Pod' ? (copy.request.object.spec as Record<string, unknown>) : (copy.request.object.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  delete (spec.securityContext as Record<string, unknown>).seccompProfile;
  for (const c of [...(spec.containers as Record<string, unknown>[]), ...(spec.initContainers as Record<string, unknown>[])]) {
    delete c.resources;
    delete (c.securityContext as Record<string, unknown>).allowPrivilegeEscalation;
  }
  return copy;
}

function mutateOnce(review: Review): string | undefined {
  const original = review.request.object as KubeObject;
  const working = cloneJson(original); // the engine's working copy
  const ctx: PolicyContext<KubeObject, DefaultsConfig | undefined> = {
    request: review.request as unknown as PolicyContext['request'],
    operation: 'CREATE',
    object: working,
    oldObject: null,
    namespaceObject: null,
    userInfo: review.request.userInfo,
    config: defaults.defaults,
  };
  const final = defaults.mutate!(ctx);
  if (!final) return undefined; // as the engine: nothing returned, nothing to check or diff
  const problem = checkMutatedObject(original, final);
  if (problem) throw new Error(problem);
  const ops = createPatch(original, final);
  return ops.length > 0 ? encodePatch(ops) : undefined;
}

const lookups: Lookups = { namespace: () => undefined, params: () => [] };
const defaultsSet = new PolicySet([adaptDefinition(defaults as never, 'policies/defaults/index.ts', defaults.defaults)]);
const mapSet = new PolicySet(
  buildMutatingPolicies(
    [
      {
        file: 'bench',
        line: 1,
        doc: {
          apiVersion: 'admissionregistration.k8s.io/v1beta1',
          kind: 'MutatingAdmissionPolicy',
          metadata: { name: 'team-label' },
          spec: {
            matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
            mutations: [
              {
                patchType: 'JSONPatch',
                jsonPatch: { expression: '[JSONPatch{op: "add", path: "/metadata/labels/" + jsonpatch.escapeKey("example.com/team"), value: "shop"}]' },
              },
            ],
          },
        },
      },
      {
        file: 'bench',
        line: 20,
        doc: { apiVersion: 'admissionregistration.k8s.io/v1beta1', kind: 'MutatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec: { policyName: 'team-label' } },
      },
    ],
    { cel: createCelEnvironment() },
  ).policies,
);

function engineOnce(set: PolicySet, review: Review): string | undefined {
  const decision = set.mutate(review.request as unknown as PolicyContext['request'], lookups, 'enforce');
  return decision.patch.length > 0 ? encodePatch(decision.patch) : undefined;
}

const pod = undefaulted(benchPodReview('pod'));
const compliantPod = benchPodReview('pod');
const deployment = undefaulted(benchPodReview('deployment'));
const body = JSON.stringify(pod);

const cases: Record<string, () => unknown> = {
  'baseline: JSON.parse(review)': () => JSON.parse(body),
  'pod needing every default': () => mutateOnce(pod),
  'pod needing none (no patch)': () => mutateOnce(compliantPod),
  'deployment needing every default': () => mutateOnce(deployment),
  'engine: defaults, pod needing all': () => engineOnce(defaultsSet, pod),
  'engine: CEL MAP adding one label': () => engineOnce(mapSet, compliantPod),
};

// sanity: the cases do what their names say
if (mutateOnce(compliantPod) !== undefined) throw new Error('compliant pod unexpectedly patched');
if (engineOnce(defaultsSet, pod) !== mutateOnce(pod)) throw new Error('engine and direct patches differ');
if (engineOnce(mapSet, compliantPod) === undefined) throw new Error('the MutatingAdmissionPolicy did not patch');
const podPatch = JSON.parse(Buffer.from(mutateOnce(pod)!, 'base64').toString()) as unknown[];
const samples = sampleRounds(cases, rounds, iterations, 2); // the first two rounds warm the JIT

const base = median(samples['baseline: JSON.parse(review)']!);
console.log(`node ${process.version}, ${rounds} rounds x ${iterations} reviews; review body ${body.length} bytes; patch: ${podPatch.length} operations`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(`${name.padEnd(36)} median ${(m / 1000).toFixed(1).padStart(7)} µs/review   x${(m / base).toFixed(2)} baseline`);
}
