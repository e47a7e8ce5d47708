/**
 * ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding documents -> engine Policies.
 *
 * - Each document is checked as the apiserver checks it on create; an invalid one is a load error
 *   per offending field (file, line of the document, object name, field) and is left out.
 * - Each valid policy is compiled once. A CEL compile error is not a load error: the policy is
 *   still built and reports the error at review time under its failurePolicy; the compile errors
 *   are also returned (`compileErrors`) so callers can print them at load.
 * - One engine Policy per (policy, binding) pair, named by the policy. A policy without a binding
 *   does nothing, as in Kubernetes; so does a binding whose policy does not exist. Both are
 *   reported as `warnings` (they are usually a typo), not errors.
 */
import type { CelEnvironment } from '../cel/index.js';
import type { Lookups, Policy } from '../engine/types.js';
import type { PolicyLoadError, SourcedDocument } from './errors.js';
import { pairPoliciesAndBindings } from './policy-binding.js';
import { compilePolicy } from './vap-compile.js';
import { ValidatingPolicyBinding } from './vap-policy.js';
import { readValidatingBinding, readValidatingPolicy } from './vap-spec.js';

export { ValidatingPolicyBinding, VALIDATION_FAILURE_ANNOTATION, reasonToCode } from './vap-policy.js';
export { readValidatingBinding, readValidatingPolicy } from './vap-spec.js';

export interface ValidatingPolicyContext {
  cel: CelEnvironment;
  /** accepted for symmetry with other builders; params are looked up per review through ReviewContext.lookups */
  lookups?: Lookups;
}

export interface ValidatingPolicyBuild {
  policies: Policy[];
  /** invalid documents: one error per offending field (codes VAP_INVALID, VAP_BINDING_INVALID, VAP_DUPLICATE, VAP_UNEXPECTED_KIND) */
  errors: PolicyLoadError[];
  /** CEL that failed to compile (code CEL_COMPILE): the policies are built and fail by failurePolicy at review time */
  compileErrors: PolicyLoadError[];
  /** inert configuration: a policy without binding, a binding without policy (codes VAP_UNBOUND, VAP_BINDING_ORPHAN) */
  warnings: PolicyLoadError[];
}

export function buildValidatingPolicies(docs: SourcedDocument[], ctx: ValidatingPolicyContext): ValidatingPolicyBuild {
  return pairPoliciesAndBindings(docs, ctx.cel, {
    policyKind: 'ValidatingAdmissionPolicy',
    bindingKind: 'ValidatingAdmissionPolicyBinding',
    codePrefix: 'VAP',
    unboundEffect: 'it is not enforced',
    readPolicy: readValidatingPolicy,
    readBinding: readValidatingBinding,
    compile: compilePolicy,
    bind: (compiled, binding, bindingMatch, cel) => new ValidatingPolicyBinding(compiled, binding, bindingMatch, cel),
  });
}
