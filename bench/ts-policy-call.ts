/**
 * Per-call cost of running a TypeScript policy through the loader (guard-instrumented bundle,
 * matching, context, deadline, findings) against calling the same policy function directly, for
 * the built-in pod-security policy on a typical Pod review and for a trivial policy (where the
 * difference is all overhead); plus the two time-bound mechanisms alone: callWithDeadline (guards,
 * what the loader uses per call) and callWithTimeout (a vm script `timeout`, which starts a
 * watchdog thread per call). Measured in the same rounds; figures are medians over rounds of the
 * mean per call.
 *
 *   npx esbuild bench/ts-policy-call.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=dist/bench/ts-policy-call.mjs && node_modules/.bin/node dist/bench/ts-policy-call.mjs [--rounds 11]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AdmissionRequest, KubeObject } from '../src/admission/types.js';
import type { Lookups, ReviewContext } from '../src/engine/types.js';
import type { PolicyContext, PolicyDefinition } from '../src/index.js';
import { callWithTimeout } from '../src/loaders/bounded-call.js';
import { callWithDeadline } from '../src/loaders/guard.js';
import podSecurityDefinition from '../policies/pod-security/index.js';
import defaultsDefinition from '../policies/defaults/index.js';
import { cloneJson } from '../src/admission/patch.js';
import { builtinPolicyDir } from '../src/loaders/index.js';
import { adaptDefinition, loadTypeScriptPolicy } from '../src/loaders/typescript.js';
import { benchPodReview } from './support/bodies.js';
import { sampleRounds } from './support/measure.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '11' }, iterations: { type: 'string', default: '2000' } } });
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

const review = benchPodReview('pod');
const request = review.request as unknown as AdmissionRequest;
const namespaceObject: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: request.namespace ?? 'default', labels: {} } };
const lookups: Lookups = { namespace: () => namespaceObject, params: () => [] };
const ctx: ReviewContext = { request, namespaceObject, lookups };

const podSecurity = await loadTypeScriptPolicy(path.join(builtinPolicyDir(), 'pod-security', 'index.ts'));
const defaults = await loadTypeScriptPolicy(path.join(builtinPolicyDir(), 'defaults', 'index.ts'));
// The same module's definition, called directly: what the policy itself costs.
const trivialDefinition: PolicyDefinition = {
  name: 'trivial',
  match: { resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }] },
  validate: ({ object }) => (object.metadata?.name === 'never' ? [{ message: 'x' }] : []),
};
const trivial = adaptDefinition(trivialDefinition, 'trivial.ts', undefined);
const directContext: PolicyContext = {
  request, operation: request.operation, object: request.object as KubeObject, oldObject: null,
  namespaceObject: namespaceObject as PolicyContext['namespaceObject'], userInfo: request.userInfo, config: undefined,
};
const trivialValidate = trivialDefinition.validate!;
const podSecurityValidate = podSecurityDefinition.validate!.bind(podSecurityDefinition) as (c: PolicyContext) => unknown;
const podSecurityContext = { ...directContext, config: podSecurityDefinition.defaults } as PolicyContext;

let spuriousTimeouts = 0;
const cases: Record<string, () => unknown> = {
  'trivial: direct call': () => trivialValidate(directContext),
  'trivial: callWithDeadline (guards)': () => callWithDeadline(() => trivialValidate(directContext), 100),
  'trivial: callWithTimeout (vm timeout)': () => {
    try {
      return callWithTimeout(() => trivialValidate(directContext), 100);
    } catch {
      // on a loaded machine the watchdog thread itself can fire on a call that took microseconds
      spuriousTimeouts++;
      return undefined;
    }
  },
  'trivial: adapted Policy.validate': () => trivial.validate!(ctx),
  'pod-security: direct call': () => podSecurityValidate(podSecurityContext),
  'pod-security: loaded Policy.validate': () => podSecurity.validate!(ctx),
  // the direct baseline pays the same copy the loader makes (defaults mutates its copy in place)
  'defaults: clone + direct mutate': () =>
    defaultsDefinition.mutate!({ ...directContext, object: cloneJson(request.object as KubeObject), config: defaultsDefinition.defaults } as never),
  'defaults: loaded Policy.mutate': () => defaults.mutate!(ctx, request.object as KubeObject),
};

if (podSecurity.validate!(ctx).findings.some((f) => f.error)) throw new Error('pod-security failed on the bench pod');
// round 0 warms up; samples in µs per call
const samples = Object.fromEntries(Object.entries(sampleRounds(cases, rounds, iterations, 1)).map(([name, xs]) => [name, xs.map((ns) => ns / 1000)]));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`node ${process.version}, ${rounds} rounds x ${iterations} calls`);
const ratio = (a: string, b: string): string => (median(samples[a]!) / median(samples[b]!)).toFixed(2);
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(42)} ${median(xs).toFixed(2).padStart(9)} us/call`);
}
console.log(`pod-security loaded / direct: ${ratio('pod-security: loaded Policy.validate', 'pod-security: direct call')}x`);
console.log(`defaults loaded / direct: ${ratio('defaults: loaded Policy.mutate', 'defaults: clone + direct mutate')}x`);
console.log(`vm timeout / guards (trivial): ${ratio('trivial: callWithTimeout (vm timeout)', 'trivial: callWithDeadline (guards)')}x`);
console.log(`spurious vm timeouts of a trivial call (100ms budget): ${spuriousTimeouts}`);
