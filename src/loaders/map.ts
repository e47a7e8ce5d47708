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
import { compileMatchResources } from '../engine/match.js';
import type { Policy } from '../engine/types.js';
import { PolicyLoadError, type SourcedDocument } from './errors.js';
import { compileMutatingPolicy, type CompiledMutatingPolicy } from './map-compile.js';
import { MutatingPolicyBinding } from './map-policy.js';
import { readMutatingBinding, readMutatingPolicy, type MutatingBindingSpec } from './map-spec.js';
import type { FieldError } from './vap-fields.js';

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

const POLICY_KIND = 'MutatingAdmissionPolicy';
const BINDING_KIND = 'MutatingAdmissionPolicyBinding';

function fieldErrors(code: string, kind: string, name: string, sourced: SourcedDocument, errors: FieldError[]): PolicyLoadError[] {
  const label = name ? `${kind} "${name}"` : kind;
  return errors.map(
    (error) => new PolicyLoadError(code, sourced.file, `${label} is invalid: ${error.message}`, sourced.line, { policy: name || undefined, field: error.field }),
  );
}

function duplicate(kind: string, name: string, sourced: SourcedDocument, earlier: SourcedDocument): PolicyLoadError {
  return new PolicyLoadError('MAP_DUPLICATE', sourced.file, `${kind} "${name}" is already defined in ${earlier.file}:${earlier.line}`, sourced.line, {
    policy: name,
    field: 'metadata.name',
  });
}

export function buildMutatingPolicies(docs: SourcedDocument[], ctx: { cel: CelEnvironment }): MutatingPolicyBuild {
  const result: MutatingPolicyBuild = { policies: [], errors: [], compileErrors: [], warnings: [] };
  const policies = new Map<string, { compiled: CompiledMutatingPolicy; sourced: SourcedDocument; bindings: MutatingBindingSpec[] }>();
  const rejected = new Set<string>();
  const bindings: { spec: MutatingBindingSpec; sourced: SourcedDocument }[] = [];
  const bindingNames = new Map<string, SourcedDocument>();

  for (const sourced of docs) {
    const doc = sourced.doc as Record<string, unknown>;
    if (doc.kind === POLICY_KIND) {
      const read = readMutatingPolicy(doc);
      const name = read.spec.name;
      if (read.errors.length > 0) {
        result.errors.push(...fieldErrors('MAP_INVALID', POLICY_KIND, name, sourced, read.errors));
        if (name) rejected.add(name);
        continue;
      }
      const earlier = policies.get(name);
      if (earlier) {
        result.errors.push(duplicate(POLICY_KIND, name, sourced, earlier.sourced));
        continue;
      }
      const compiled = compileMutatingPolicy(read.spec, ctx.cel);
      for (const error of compiled.compileErrors) {
        result.compileErrors.push(
          new PolicyLoadError('CEL_COMPILE', sourced.file, `${POLICY_KIND} "${name}": ${error.message}`, sourced.line, { policy: name, field: error.field }),
        );
      }
      policies.set(name, { compiled, sourced, bindings: [] });
    } else if (doc.kind === BINDING_KIND) {
      const read = readMutatingBinding(doc);
      if (read.errors.length > 0) {
        result.errors.push(...fieldErrors('MAP_BINDING_INVALID', BINDING_KIND, read.spec.name, sourced, read.errors));
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
        new PolicyLoadError('MAP_UNEXPECTED_KIND', sourced.file, `${String(doc.kind)} is not a ${POLICY_KIND} or ${BINDING_KIND}`, sourced.line),
      );
    }
  }

  for (const { spec, sourced } of bindings) {
    const target = policies.get(spec.policyName);
    if (target) target.bindings.push(spec);
    else if (!rejected.has(spec.policyName)) {
      result.warnings.push(
        new PolicyLoadError(
          'MAP_BINDING_ORPHAN',
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
        new PolicyLoadError('MAP_UNBOUND', sourced.file, `${POLICY_KIND} "${name}" has no ${BINDING_KIND}: it mutates nothing`, sourced.line, { policy: name }),
      );
      continue;
    }
    for (const binding of bound) {
      const bindingMatch = binding.matchResources ? compileMatchResources(binding.matchResources) : undefined;
      result.policies.push(new MutatingPolicyBinding(compiled, binding, bindingMatch, ctx.cel));
    }
  }
  return result;
}
