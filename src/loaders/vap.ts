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
import { compileMatchResources } from '../engine/match.js';
import type { Lookups, Policy } from '../engine/types.js';
import { PolicyLoadError, type SourcedDocument } from './errors.js';
import { compilePolicy, type CompiledPolicy } from './vap-compile.js';
import type { FieldError } from './vap-fields.js';
import { ValidatingPolicyBinding } from './vap-policy.js';
import { readValidatingBinding, readValidatingPolicy, type ValidatingBindingSpec } from './vap-spec.js';

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

const POLICY_KIND = 'ValidatingAdmissionPolicy';
const BINDING_KIND = 'ValidatingAdmissionPolicyBinding';

function fieldErrors(code: string, kind: string, name: string, sourced: SourcedDocument, errors: FieldError[]): PolicyLoadError[] {
  const label = name ? `${kind} "${name}"` : kind;
  return errors.map(
    (error) => new PolicyLoadError(code, sourced.file, `${label} is invalid: ${error.message}`, sourced.line, { policy: name || undefined, field: error.field }),
  );
}

export function buildValidatingPolicies(docs: SourcedDocument[], ctx: ValidatingPolicyContext): ValidatingPolicyBuild {
  const result: ValidatingPolicyBuild = { policies: [], errors: [], compileErrors: [], warnings: [] };
  const policies = new Map<string, { compiled: CompiledPolicy; sourced: SourcedDocument; bindings: ValidatingBindingSpec[] }>();
  const rejected = new Set<string>();
  const bindings: { spec: ValidatingBindingSpec; sourced: SourcedDocument }[] = [];
  const bindingNames = new Map<string, SourcedDocument>();

  for (const sourced of docs) {
    const doc = sourced.doc as Record<string, unknown>;
    const kind = doc.kind;
    if (kind === POLICY_KIND) {
      const read = readValidatingPolicy(doc);
      const name = read.spec.name;
      if (read.errors.length > 0) {
        result.errors.push(...fieldErrors('VAP_INVALID', POLICY_KIND, name, sourced, read.errors));
        if (name) rejected.add(name);
        continue;
      }
      const earlier = policies.get(name);
      if (earlier) {
        result.errors.push(duplicate(POLICY_KIND, name, sourced, earlier.sourced));
        continue;
      }
      const compiled = compilePolicy(read.spec, ctx.cel);
      for (const error of compiled.compileErrors) {
        result.compileErrors.push(
          new PolicyLoadError('CEL_COMPILE', sourced.file, `${POLICY_KIND} "${name}": ${error.message}`, sourced.line, { policy: name, field: error.field }),
        );
      }
      policies.set(name, { compiled, sourced, bindings: [] });
    } else if (kind === BINDING_KIND) {
      const read = readValidatingBinding(doc);
      if (read.errors.length > 0) {
        result.errors.push(...fieldErrors('VAP_BINDING_INVALID', BINDING_KIND, read.spec.name, sourced, read.errors));
        continue;
      }
      const earlier = bindingNames.get(read.spec.name);
      if (earlier) {
        result.errors.push(duplicate(BINDING_KIND, read.spec.name, sourced, earlier));
        continue;
      }
      bindingNames.set(read.spec.name, sourced);
      bindings.push({ spec: read.spec, sourced });
    } else {
      result.errors.push(
        new PolicyLoadError('VAP_UNEXPECTED_KIND', sourced.file, `${String(kind)} is not a ${POLICY_KIND} or ${BINDING_KIND}`, sourced.line),
      );
    }
  }

  for (const { spec, sourced } of bindings) {
    const target = policies.get(spec.policyName);
    if (target) target.bindings.push(spec);
    else if (!rejected.has(spec.policyName)) {
      result.warnings.push(
        new PolicyLoadError(
          'VAP_BINDING_ORPHAN',
          sourced.file,
          `${BINDING_KIND} "${spec.name}" refers to ${POLICY_KIND} "${spec.policyName}", which is not loaded: the binding does nothing`,
          sourced.line,
          { policy: spec.policyName, field: 'spec.policyName' },
        ),
      );
    }
  }

  for (const [name, { compiled, sourced, bindings: bound }] of policies) {
    if (bound.length === 0) {
      result.warnings.push(
        new PolicyLoadError('VAP_UNBOUND', sourced.file, `${POLICY_KIND} "${name}" has no ${BINDING_KIND}: it is not enforced`, sourced.line, { policy: name }),
      );
      continue;
    }
    for (const binding of bound) {
      const bindingMatch = binding.matchResources ? compileMatchResources(binding.matchResources) : undefined;
      result.policies.push(new ValidatingPolicyBinding(compiled, binding, bindingMatch, ctx.cel));
    }
  }
  return result;
}

function duplicate(kind: string, name: string, sourced: SourcedDocument, earlier: SourcedDocument): PolicyLoadError {
  return new PolicyLoadError(
    'VAP_DUPLICATE',
    sourced.file,
    `${kind} "${name}" is already defined in ${earlier.file}:${earlier.line}`,
    sourced.line,
    { policy: name, field: 'metadata.name' },
  );
}
