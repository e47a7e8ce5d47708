/**
 * Pairing of admission policy documents with their binding documents, shared by the
 * ValidatingAdmissionPolicy (vap.ts) and MutatingAdmissionPolicy (map.ts) builders.
 *
 * - each document is read and checked; an invalid one is a load error per offending field and is
 *   left out; a second object of the same kind and name is a duplicate error;
 * - each valid policy is compiled once; its CEL compile errors are returned as `compileErrors`;
 * - one engine Policy per (policy, binding) pair, in document order; a policy without binding and a
 *   binding without policy are reported as `warnings`.
 */
import type { CelEnvironment } from '../cel/index.js';
import { compileMatchResources, type CompiledMatchResources, type MatchResourcesSpec } from '../engine/match.js';
import type { Policy } from '../engine/types.js';
import { PolicyLoadError, type SourcedDocument } from './errors.js';
import type { FieldError } from './vap-fields.js';

export interface PolicyBindingBuild {
  policies: Policy[];
  errors: PolicyLoadError[];
  compileErrors: PolicyLoadError[];
  warnings: PolicyLoadError[];
}

interface BindingSpecBase {
  name: string;
  policyName: string;
  matchResources?: MatchResourcesSpec;
}

export interface PolicyBindingKinds<PolicySpec extends { name: string }, BindingSpec extends BindingSpecBase, Compiled> {
  policyKind: string;
  bindingKind: string;
  /** error and warning codes start with this prefix: VAP or MAP */
  codePrefix: string;
  /** what an unbound policy does, ending the MAP_UNBOUND/VAP_UNBOUND warning ("it is not enforced") */
  unboundEffect: string;
  readPolicy(doc: Record<string, unknown>): { spec: PolicySpec; errors: FieldError[] };
  readBinding(doc: Record<string, unknown>): { spec: BindingSpec; errors: FieldError[] };
  compile(spec: PolicySpec, cel: CelEnvironment): Compiled & { compileErrors: { field: string; message: string }[] };
  bind(compiled: Compiled, binding: BindingSpec, bindingMatch: CompiledMatchResources | undefined, cel: CelEnvironment): Policy;
}

function fieldErrors(code: string, kind: string, name: string, sourced: SourcedDocument, errors: FieldError[]): PolicyLoadError[] {
  const label = name ? `${kind} "${name}"` : kind;
  return errors.map(
    (error) => new PolicyLoadError(code, sourced.file, `${label} is invalid: ${error.message}`, sourced.line, { policy: name || undefined, field: error.field }),
  );
}

function duplicate(code: string, kind: string, name: string, sourced: SourcedDocument, earlier: SourcedDocument): PolicyLoadError {
  return new PolicyLoadError(code, sourced.file, `${kind} "${name}" is already defined in ${earlier.file}:${earlier.line}`, sourced.line, {
    policy: name,
    field: 'metadata.name',
  });
}

export function pairPoliciesAndBindings<PolicySpec extends { name: string }, BindingSpec extends BindingSpecBase, Compiled>(
  docs: SourcedDocument[],
  cel: CelEnvironment,
  kinds: PolicyBindingKinds<PolicySpec, BindingSpec, Compiled>,
): PolicyBindingBuild {
  const { policyKind: POLICY_KIND, bindingKind: BINDING_KIND, codePrefix: prefix } = kinds;
  const result: PolicyBindingBuild = { policies: [], errors: [], compileErrors: [], warnings: [] };
  const policies = new Map<string, { compiled: Compiled; sourced: SourcedDocument; bindings: BindingSpec[] }>();
  const rejected = new Set<string>();
  const bindings: { spec: BindingSpec; sourced: SourcedDocument }[] = [];
  const bindingNames = new Map<string, SourcedDocument>();

  for (const sourced of docs) {
    const doc = sourced.doc as Record<string, unknown>;
    const kind = doc.kind;
    if (kind === POLICY_KIND) {
      const read = kinds.readPolicy(doc);
      const name = read.spec.name;
      if (read.errors.length > 0) {
        result.errors.push(...fieldErrors(`${prefix}_INVALID`, POLICY_KIND, name, sourced, read.errors));
        if (name) rejected.add(name);
        continue;
      }
      const earlier = policies.get(name);
      if (earlier) {
        result.errors.push(duplicate(`${prefix}_DUPLICATE`, POLICY_KIND, name, sourced, earlier.sourced));
        continue;
      }
      const compiled = kinds.compile(read.spec, cel);
      for (const error of compiled.compileErrors) {
        result.compileErrors.push(
          new PolicyLoadError('CEL_COMPILE', sourced.file, `${POLICY_KIND} "${name}": ${error.message}`, sourced.line, { policy: name, field: error.field }),
        );
      }
      policies.set(name, { compiled, sourced, bindings: [] });
    } else if (kind === BINDING_KIND) {
      const read = kinds.readBinding(doc);
      if (read.errors.length > 0) {
        result.errors.push(...fieldErrors(`${prefix}_BINDING_INVALID`, BINDING_KIND, read.spec.name, sourced, read.errors));
        continue;
      }
      const earlier = bindingNames.get(read.spec.name);
      if (earlier) {
        result.errors.push(duplicate(`${prefix}_DUPLICATE`, BINDING_KIND, read.spec.name, sourced, earlier));
        continue;
      }
      bindingNames.set(read.spec.name, sourced);
      bindings.push({ spec: read.spec, sourced });
    } else {
      result.errors.push(
        new PolicyLoadError(`${prefix}_UNEXPECTED_KIND`, sourced.file, `${String(kind)} is not a ${POLICY_KIND} or ${BINDING_KIND}`, sourced.line),
      );
    }
  }

  for (const { spec, sourced } of bindings) {
    const target = policies.get(spec.policyName);
    if (target) target.bindings.push(spec);
    else if (!rejected.has(spec.policyName)) {
      result.warnings.push(
        new PolicyLoadError(
          `${prefix}_BINDING_ORPHAN`,
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
        new PolicyLoadError(`${prefix}_UNBOUND`, sourced.file, `${POLICY_KIND} "${name}" has no ${BINDING_KIND}: ${kinds.unboundEffect}`, sourced.line, {
          policy: name,
        }),
      );
      continue;
    }
    for (const binding of bound) {
      const bindingMatch = binding.matchResources ? compileMatchResources(binding.matchResources) : undefined;
      result.policies.push(kinds.bind(compiled, binding, bindingMatch, cel));
    }
  }
  return result;
}
