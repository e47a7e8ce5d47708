/**
 * Compiles a MutatingAdmissionPolicy's CEL once, at load. Mutation and variable expressions are
 * first rewritten (map-expression.ts: `Object{...}`, `JSONPatch{...}`, `jsonpatch.escapeKey`);
 * compile errors point into the expression as written. As for ValidatingAdmissionPolicy, an
 * expression that fails to compile keeps the policy: the error is reported at each evaluation and
 * the failurePolicy decides.
 */
import { CelCompileError, type CelEnvironment, type CelProgram } from '../cel/index.js';
import { compileMatchResources } from '../engine/match.js';
import { MapExpressionError, rewriteMutationExpression } from './map-expression.js';
import type { MutatingPolicySpec, PatchType } from './map-spec.js';
import { compileVariables, expressionCompiler, type CompiledExpression, type CompiledPolicyBase } from './vap-compile.js';

export interface CompiledMutation {
  index: number;
  patchType: PatchType;
  expression: CompiledExpression;
}

export interface CompiledMutatingPolicy extends CompiledPolicyBase {
  spec: MutatingPolicySpec;
  mutations: CompiledMutation[];
}

/** Compiles after the rewrite; errors are re-positioned onto the source the user wrote. */
export function compileMutationExpression(
  cel: CelEnvironment,
  source: string,
  options: { field: string; variables: string[]; hasParams: boolean },
): CelProgram {
  let rewritten;
  try {
    rewritten = rewriteMutationExpression(source);
  } catch (error) {
    if (error instanceof MapExpressionError) throw new CelCompileError(error.message, source, error.offset, options.field);
    throw error;
  }
  if (!rewritten.rewritten) return cel.compile(source, options);
  try {
    const program = cel.compile(rewritten.text, options);
    // report the expression as written (messages quote `source`)
    return { source, evaluate: (a) => program.evaluate(a), evaluateRaw: (a) => program.evaluateRaw(a) };
  } catch (error) {
    if (error instanceof CelCompileError) {
      const offset = rewritten.sourceOffsets[error.offset] ?? source.length;
      throw new CelCompileError(error.reason, source, offset, options.field);
    }
    throw error;
  }
}

export function compileMutatingPolicy(spec: MutatingPolicySpec, cel: CelEnvironment): CompiledMutatingPolicy {
  const { compile, compileErrors } = expressionCompiler(spec.paramKind !== undefined, (source, options) => compileMutationExpression(cel, source, options));
  const { variables, declared } = compileVariables(spec.variables, compile);
  const all = [...declared];

  return {
    spec,
    match: compileMatchResources(spec.matchConstraints),
    // variables are not visible to matchConditions (they run before the rest of the policy)
    matchConditions: spec.matchConditions.map((condition, i) => ({
      name: condition.name,
      expression: compile(condition.expression, `spec.matchConditions[${i}].expression`, []),
    })),
    variables,
    mutations: spec.mutations.map((mutation, index) => ({
      index,
      patchType: mutation.patchType,
      expression: compile(mutation.expression, mutation.field, all),
    })),
    compileErrors,
  };
}
