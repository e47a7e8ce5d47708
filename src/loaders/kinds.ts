/**
 * Builds the CEL policy kinds from their documents: ValidatingAdmissionPolicy(+Binding) through
 * vap.ts and MutatingAdmissionPolicy(+Binding) through map.ts, sharing one CEL environment.
 */
import { createCelEnvironment, type CelEnvironment } from '../cel/index.js';
import type { Policy } from '../engine/types.js';
import type { PolicyLoadError, SourcedDocument } from './errors.js';
import { buildMutatingPolicies } from './map.js';
import { buildValidatingPolicies } from './vap.js';

export interface CelPolicyBuild {
  policies: Policy[];
  errors: PolicyLoadError[];
  compileErrors: PolicyLoadError[];
  warnings: PolicyLoadError[];
}

export function buildCelPolicies(docs: SourcedDocument[], cel: CelEnvironment | undefined): CelPolicyBuild {
  const result: CelPolicyBuild = { policies: [], errors: [], compileErrors: [], warnings: [] };
  const validating = docs.filter((d) => String(d.doc.kind).startsWith('Validating'));
  const mutating = docs.filter((d) => String(d.doc.kind).startsWith('Mutating'));
  if (validating.length === 0 && mutating.length === 0) return result;
  const environment = cel ?? createCelEnvironment();
  for (const built of [
    validating.length > 0 ? buildValidatingPolicies(validating, { cel: environment }) : undefined,
    mutating.length > 0 ? buildMutatingPolicies(mutating, { cel: environment }) : undefined,
  ]) {
    if (!built) continue;
    result.policies.push(...built.policies);
    result.errors.push(...built.errors);
    result.compileErrors.push(...built.compileErrors);
    result.warnings.push(...built.warnings);
  }
  return result;
}
