/**
 * Compiles a ValidatingAdmissionPolicy's CEL once, at load. As in the kube-apiserver, an
 * expression that fails to compile does not remove the policy: it is kept as an error that each
 * evaluation reports (`compilation error: ...`), and the policy's failurePolicy decides the
 * request. The other expressions of the policy still run.
 */
import type { CelEnvironment, CelProgram, CompileOptions } from '../cel/index.js';
import { compileMatchResources, type CompiledMatchResources } from '../engine/match.js';
import type { AuditAnnotationSpec, ValidatingPolicySpec, ValidationSpec } from './vap-spec.js';

/** A compiled expression, or the reason it could not be compiled. */
export interface CompiledExpression {
  /** the expression as written (trimmed), used in Kubernetes' messages */
  source: string;
  /** the policy field it came from, e.g. spec.validations[0].expression */
  field: string;
  program?: CelProgram;
  /** `compilation error: <compiler message naming field and position>` */
  compileError?: string;
}

export interface CompiledValidation {
  index: number;
  spec: ValidationSpec;
  expression: CompiledExpression;
  messageExpression?: CompiledExpression;
  /** request field the validation is about, when the expression reads exactly one object field */
  path?: string;
}

export interface CompiledAuditAnnotation {
  index: number;
  spec: AuditAnnotationSpec;
  value: CompiledExpression;
}

/** What every compiled CEL admission policy has, validating or mutating. */
export interface CompiledPolicyBase {
  match: CompiledMatchResources;
  matchConditions: { name: string; expression: CompiledExpression }[];
  variables: { name: string; program: CelProgram }[];
  /** every compile problem, for load-time reporting (field + compiler message) */
  compileErrors: { field: string; message: string }[];
}

export interface CompiledPolicy extends CompiledPolicyBase {
  spec: ValidatingPolicySpec;
  validations: CompiledValidation[];
  auditAnnotations: CompiledAuditAnnotation[];
}

export class VariableCompileError extends Error {
  readonly code = 'CEL_EVAL';
  constructor(name: string, detail: string) {
    super(`composited variable "${name}" fails to compile: ${detail}`);
    this.name = 'VariableCompileError';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `object.spec.replicas <= 5` is about spec.replicas: when an expression reads exactly one field
 * path of `object`, that path is the finding's path. Anything more complex has no single field.
 */
export function objectPathOf(expression: string): string | undefined {
  const paths = new Set<string>();
  for (const match of expression.matchAll(/(?<![\w.])object((?:\.[A-Za-z_]\w*)+)(\s*\()?/g)) {
    const segments = (match[1] as string).slice(1).split('.');
    // `object.metadata.name.startsWith(...)`: the last segment is a method, not a field
    if (match[2]) segments.pop();
    if (segments.length > 0) paths.add(segments.join('.'));
  }
  if (paths.size !== 1) return undefined;
  return [...paths][0];
}

/**
 * An expression compiler that records compile errors instead of throwing: a failed expression is
 * kept with its `compilation error: ...` text. Shared by the validating and mutating compilers.
 * hasParams declares `params` only when the policy has a paramKind, as the apiserver does.
 */
export function expressionCompiler(
  hasParams: boolean,
  compileProgram: (source: string, options: CompileOptions & { field: string; variables: string[]; hasParams: boolean }) => CelProgram,
): { compile: (source: string, field: string, variables: string[]) => CompiledExpression; compileErrors: { field: string; message: string }[] } {
  const compileErrors: { field: string; message: string }[] = [];
  const compile = (source: string, field: string, variables: string[]): CompiledExpression => {
    const trimmed = source.trim();
    try {
      return { source: trimmed, field, program: compileProgram(trimmed, { field, variables, hasParams }) };
    } catch (error) {
      const message = errorText(error);
      compileErrors.push({ field, message });
      return { source: trimmed, field, compileError: `compilation error: ${message}` };
    }
  };
  return { compile, compileErrors };
}

/**
 * Compiles spec.variables in order: each variable sees the variables declared before it. A variable
 * that fails to compile throws VariableCompileError when evaluated. Returns the declared names too.
 */
export function compileVariables(
  variables: { name: string; expression: string }[],
  compile: (source: string, field: string, variables: string[]) => CompiledExpression,
): { variables: { name: string; program: CelProgram }[]; declared: string[] } {
  const declared: string[] = [];
  const compiledVariables = variables.map((variable, i) => {
    const compiled = compile(variable.expression, `spec.variables[${i}].expression`, [...declared]);
    declared.push(variable.name);
    const fail = (): never => {
      throw new VariableCompileError(variable.name, compiled.compileError ?? 'unknown error');
    };
    const program: CelProgram = compiled.program ?? { source: compiled.source, evaluate: fail, evaluateRaw: fail };
    return { name: variable.name, program };
  });
  return { variables: compiledVariables, declared };
}

export function compilePolicy(spec: ValidatingPolicySpec, cel: CelEnvironment): CompiledPolicy {
  const { compile, compileErrors } = expressionCompiler(spec.paramKind !== undefined, (source, options) => cel.compile(source, options));
  const { variables, declared } = compileVariables(spec.variables, compile);
  const all = [...declared];

  return {
    spec,
    match: compileMatchResources(spec.matchConstraints),
    matchConditions: spec.matchConditions.map((condition, i) => ({
      name: condition.name,
      expression: compile(condition.expression, `spec.matchConditions[${i}].expression`, all),
    })),
    variables,
    validations: spec.validations.map((validation, index) => {
      const compiled: CompiledValidation = { index, spec: validation, expression: compile(validation.expression, `spec.validations[${index}].expression`, all) };
      if (validation.messageExpression) {
        compiled.messageExpression = compile(validation.messageExpression, `spec.validations[${index}].messageExpression`, all);
      }
      const path = objectPathOf(validation.expression);
      if (path) compiled.path = path;
      return compiled;
    }),
    auditAnnotations: spec.auditAnnotations.map((annotation, index) => ({
      index,
      spec: annotation,
      value: compile(annotation.valueExpression, `spec.auditAnnotations[${index}].valueExpression`, all),
    })),
    compileErrors,
  };
}
