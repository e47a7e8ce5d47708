/**
 * In-process time per review for a policy set, and per policy within it, on a typical Pod and a
 * Deployment (compile once at load, evaluate many; medians over batches).
 *
 *   npx tsx bench/policy-set.ts [--policies DIR]...   (default: the built-in policies)
 */
import { parseArgs } from 'node:util';
import { PolicySet } from '../src/engine/policy-set.js';
import { builtinPolicyDir, emptyConfig, loadPolicies } from '../src/loaders/index.js';
import { createLookups } from '../src/kube/lookups.js';
import type { AdmissionRequest } from '../src/admission/types.js';
import { benchPodReview } from './support/bodies.js';
import { measure as measureBatches } from './support/measure.js';

const { values } = parseArgs({ options: { policies: { type: 'string', multiple: true, default: [] }, batches: { type: 'string', default: '21' } } });
const dirs = values.policies!.length > 0 ? values.policies! : [builtinPolicyDir()];
const loaded = await loadPolicies({ dirs, config: emptyConfig() });
if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
const lookups = createLookups({ namespaces: loaded.namespaces, params: loaded.params });

/** median ns per call of fn, over --batches batches */
const measure = (fn: () => void): number => measureBatches(fn, Number(values.batches));

const us = (ns: number) => `${(ns / 1000).toFixed(1).padStart(8)} µs`;

for (const kind of ['pod', 'deployment'] as const) {
  const request = benchPodReview(kind).request as unknown as AdmissionRequest;
  const set = new PolicySet(loaded.policies);
  const whole = set.validate(request, lookups, 'enforce');
  // JIT warm-up of every policy's code path before anything is timed
  const warmUntil = Date.now() + 1500;
  while (Date.now() < warmUntil) {
    set.validate(request, lookups, 'enforce');
    set.mutate(request, lookups, 'enforce');
  }
  console.log(`\n${kind}: allowed=${whole.allowed}, ${whole.findings.length} finding(s), ${whole.warnings.length} warning(s)`);
  // a fresh object per review, as the server sees them (no per-object cache hits); JSON.parse is
  // the baseline measured in the same run and subtracted
  const body = JSON.stringify(benchPodReview(kind).request);
  const parseOnly = measure(() => JSON.parse(body));
  const fresh = measure(() => set.validate(JSON.parse(body) as AdmissionRequest, lookups, 'enforce'));
  console.log(`  JSON.parse of the request (baseline) ${us(parseOnly)}`);
  console.log(`  whole set, validate, fresh object ${us(fresh - parseOnly)}  (${((fresh - parseOnly) / parseOnly).toFixed(1)}x the parse)`);
  console.log(`  whole set, validate, same object  ${us(measure(() => set.validate(request, lookups, 'enforce')))}`);
  console.log(`  whole set, mutate   ${us(measure(() => set.mutate(request, lookups, 'enforce')))}`);
  for (const policy of set.candidates(request)) {
    const one = new PolicySet([policy]);
    const parts = [];
    if (policy.validate) {
      parts.push(`validate ${us(measure(() => one.validate(request, lookups, 'enforce')))}`);
      parts.push(`fresh object ${us(measure(() => one.validate(JSON.parse(body) as AdmissionRequest, lookups, 'enforce')) - parseOnly)}`);
    }
    if (policy.mutate) parts.push(`mutate ${us(measure(() => one.mutate(request, lookups, 'enforce')))}`);
    console.log(`  ${policy.name.padEnd(20)} ${parts.join('   ')}`);
  }
}
