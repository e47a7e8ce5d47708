/**
 * MutatingAdmissionPolicy + MutatingAdmissionPolicyBinding documents -> engine Policies with `mutate`.
 *
 * The same rules as the ValidatingAdmissionPolicy builder (vap.ts):
 * - each document is checked as the apiserver checks it on create; an invalid one is a load error
 *   per offending field (file, line, object name, field) and is left out;
 * - each valid policy is compiled once; a CEL compile error is not a load error: the policy is
 *   built and reports the error at review time under its failurePolicy (also listed in
 *   `compileErrors` for printing at load);
 * - one engine Policy per (policy, binding) pair, named by the policy, in document order; a policy
 *   without binding and a binding without policy do nothing and are reported as `warnings`.
 *
 * What portcullis cannot do exactly as the apiserver (see map-expression.ts and map-merge.ts):
 * `Object{...}`/`JSONPatch{...}` are rewritten to CEL maps before compiling (type names are checked
 * where the text shows them, not against the OpenAPI schema), and apply configurations are merged
 * with a schema-less approximation of structured merge (known list-map fields merged by key, other
 * lists replaced).
 */
import type { CelEnvironment } from '../cel/index.js';
import type { Policy } from '../engine/types.js';
import type { PolicyLoadError, SourcedDocument } from './errors.js';
import { compileMutatingPolicy } from './map-compile.js';
import { MutatingPolicyBinding } from './map-policy.js';
import { readMutatingBinding, readMutatingPolicy } from './map-spec.js';
import { pairPoliciesAndBindings } from './policy-binding.js';

export { MutatingPolicyBinding } from './map-policy.js';
export { readMutatingBinding, readMutatingPolicy } from './map-spec.js';

export interface MutatingPolicyBuild {
  policies: Policy[];
  /** invalid documents: one error per offending field (codes MAP_INVALID, MAP_BINDING_INVALID, MAP_DUPLICATE, MAP_UNEXPECTED_KIND) */
  errors: PolicyLoadError[];
  /** CEL that failed to compile (code CEL_COMPILE): the policies are built and fail by failurePolicy at review time */
  compileErrors: PolicyLoadError[];
  /** inert configuration: a policy without binding, a binding without policy (codes MAP_UNBOUND, MAP_BINDING_ORPHAN) */
  warnings: PolicyLoadError[];
}

export function buildMutatingPolicies(docs: SourcedDocument[], ctx: { cel: CelEnvironment }): MutatingPolicyBuild {
  return pairPoliciesAndBindings(docs, ctx.cel, {
    policyKind: 'MutatingAdmissionPolicy',
    bindingKind: 'MutatingAdmissionPolicyBinding',
    codePrefix: 'MAP',
    unboundEffect: 'it mutates nothing',
    readPolicy: readMutatingPolicy,
    readBinding: readMutatingBinding,
    compile: compileMutatingPolicy,
    bind: (compiled, binding, bindingMatch, cel) => new MutatingPolicyBinding(compiled, binding, bindingMatch, cel),
  });
}
