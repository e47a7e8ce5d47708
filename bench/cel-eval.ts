/**
 * In-process CEL evaluation cost per admission review: 20 typical ValidatingAdmissionPolicy
 * validations (Pod Security-style checks, image, resources, probes, labels, quantities, regex)
 * compiled once, then evaluated against a realistic Pod (3 containers with probes, resources,
 * securityContext, env, volumes) with a fresh activation per review, as the webhook does.
 * Target: < 50 µs per review for all 20.
 *
 * Every review starts from a freshly parsed Pod (conversions are cached per object, so reusing
 * one would hide the JSON -> CEL conversion). Baseline, measured in the same rounds: that
 * JSON.parse alone, which every review pays anyway; the CEL cost is each case minus the baseline.
 * Cases: the activation with the conversion of `object` (forced by one field access), and the
 * activation plus all 20 validations.
 *
 *   npx esbuild bench/cel-eval.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=dist/bench/cel-eval.mjs && node_modules/.bin/node dist/bench/cel-eval.mjs [--rounds 21]
 *
 * Rounds alternate the cases so drift on a shared machine hits all of them; each figure is the
 * median over rounds of the mean time per review within a round.
 */
import { parseArgs } from 'node:util';
import { createCelEnvironment, type CelInput } from '../src/cel/index.js';
import { benchObject } from './support/bodies.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '21' }, iterations: { type: 'string', default: '2000' } } });
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

const VALIDATIONS = [
  // Pod Security baseline / restricted style
  "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)",
  'object.spec.containers.all(c, has(c.securityContext) && c.securityContext.?allowPrivilegeEscalation.orValue(true) == false)',
  '!object.spec.?hostNetwork.orValue(false) && !object.spec.?hostPID.orValue(false) && !object.spec.?hostIPC.orValue(false)',
  "object.spec.containers.all(c, c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))",
  "object.spec.?securityContext.?seccompProfile.?type.orValue('') in ['RuntimeDefault', 'Localhost']",
  'object.spec.?securityContext.?runAsNonRoot.orValue(false) || object.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))',
  "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))",
  'object.spec.containers.all(c, !has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))',
  // images
  "object.spec.containers.all(c, !c.image.endsWith(':latest') && c.image.substring(c.image.lastIndexOf('/') + 1).contains(':'))",
  "object.spec.containers.all(c, c.image.matches('^registry\\\\.example\\\\.com/[a-z0-9/-]+:[0-9]+\\\\.[0-9]+\\\\.[0-9]+$'))",
  "object.spec.containers.all(c, c.imagePullPolicy in ['IfNotPresent', 'Always'])",
  // resources and quantities
  "object.spec.containers.all(c, has(c.resources.limits) && 'memory' in c.resources.limits && 'cpu' in c.resources.limits)",
  "object.spec.containers.all(c, !quantity(c.resources.limits.memory).isGreaterThan(quantity('2Gi')))",
  'object.spec.containers.all(c, quantity(c.resources.requests.cpu).compareTo(quantity(c.resources.limits.cpu)) <= 0)',
  "object.spec.containers.map(c, quantity(c.resources.limits.memory).asInteger()).sum() <= quantity('4Gi').asInteger()",
  // probes, labels, names
  'object.spec.containers.all(c, has(c.readinessProbe) && has(c.livenessProbe))',
  "has(object.metadata.labels) && 'app' in object.metadata.labels && 'team' in object.metadata.labels",
  "!format.dns1123Subdomain().validate(object.metadata.name).hasValue()",
  "object.metadata.?labels[?'app.kubernetes.io/version'].orValue('').matches('^[0-9]+\\\\.[0-9]+\\\\.[0-9]+$')",
  "size(object.spec.containers.map(c, c.name).filter(n, n.startsWith('app'))) <= 1 && object.spec.terminationGracePeriodSeconds <= 60",
];

const env = createCelEnvironment();
const programs = VALIDATIONS.map((expression, i) => env.compile(expression, { field: `spec.validations[${i}].expression` }));
const pod = benchObject('pod');
const podJson = JSON.stringify(pod);
const request = { operation: 'CREATE', namespace: 'shop', userInfo: { username: 'system:serviceaccount:shop:deployer' } };
const input = (object: unknown = pod): CelInput => ({ object, oldObject: null, request, params: null, namespaceObject: null });

// sanity: the Pod is compliant, every validation holds
const first = env.activation(input());
const failing = programs.filter((p) => p.evaluate(first) !== true).map((p) => p.source);
if (failing.length > 0) throw new Error(`bench pod should pass every validation; failing: ${failing.join('; ')}`);

let sink = 0;
const cases: Record<string, () => void> = {
  'baseline: JSON.parse of the Pod': () => {
    sink += (JSON.parse(podJson) as { spec: { containers: unknown[] } }).spec.containers.length;
  },
  'parse + activation + conversion': () => {
    const act = env.activation(input(JSON.parse(podJson)));
    sink += (act.context.object as { kind: string }).kind.length;
  },
  'parse + activation + 20 validations': () => {
    const act = env.activation(input(JSON.parse(podJson)));
    for (const program of programs) if (program.evaluate(act) === true) sink++;
  },
};

const timings = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    const elapsed = Number(process.hrtime.bigint() - start) / iterations / 1000;
    if (round > 0) timings.get(name)?.push(elapsed); // round 0 warms up
  }
}

const median = (list: number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const baseline = median(timings.get('baseline: JSON.parse of the Pod') ?? []);
console.log(`CEL evaluation per review, ${programs.length} validations, realistic Pod (${podJson.length} bytes JSON); ${rounds - 1} rounds x ${iterations}`);
for (const [name, list] of timings) {
  const m = median(list);
  const cel = name.startsWith('baseline') ? '' : `   CEL cost ${(m - baseline).toFixed(2).padStart(7)} µs`;
  console.log(`  ${name.padEnd(36)} ${m.toFixed(2).padStart(8)} µs   x${(m / baseline).toFixed(2)} baseline${cel}`);
}
// compile cost, for reference (done once per policy load, never per review)
const compileTimes: number[] = [];
for (let round = 0; round < 5; round++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) for (const [j, expression] of VALIDATIONS.entries()) env.compile(expression, { field: `spec.validations[${j}].expression` });
  compileTimes.push(Number(process.hrtime.bigint() - start) / 20 / 1000);
}
console.log(`  compile all ${VALIDATIONS.length} (once per load)      ${median(compileTimes).toFixed(0).padStart(8)} µs`);
const perReview = median(timings.get('parse + activation + 20 validations') ?? []) - baseline;
console.log(`  CEL per review (20 validations): ${perReview.toFixed(1)} µs, target < 50 µs ${perReview < 50 ? 'met' : 'NOT met'}   [sink ${sink > 0 ? 'ok' : '0'}]`);
